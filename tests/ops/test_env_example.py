"""Every environment variable teoffice/settings.py reads is in .env.example and in the
operations guide's settings table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_HELPERS = {"env", "env_bool", "env_list"}


def _settings_variables() -> set[str]:
    """The names read by settings.py: env()/env_bool()/env_list()/os.environ/os.getenv with a
    literal name, and DATABASE_URL, which dj_database_url.config() reads."""
    tree = ast.parse((ROOT / "teoffice" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func == "dj_database_url.config":
                names.add("DATABASE_URL")
            if func in ENV_HELPERS | {"os.environ.get", "os.getenv"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def _mentioned(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))


def test_the_settings_reader_finds_the_variables():
    names = _settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "LOG_FORMAT", "DB_WORK_MEM", "MAIL_USE_TLS"} <= names
    assert "DEFAULT_SECRET_KEY" not in names  # a constant, not a variable read


def test_env_example_lists_every_variable_settings_reads():
    missing = _settings_variables() - _mentioned((ROOT / ".env.example").read_text())
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_operations_guide_lists_every_variable_settings_reads():
    guide = (ROOT / "docs" / "operations.md").read_text()
    settings_section = guide.split("## 1. Settings", 1)[1].split("\n## ", 1)[0]
    missing = _settings_variables() - _mentioned(settings_section)
    assert not missing, f"add to docs/operations.md section 1: {sorted(missing)}"
