"""The structure CI keeps: no import cycles between the project's modules (function-local
imports count), and the few function-local imports of project modules say why they are local.

The direction between apps and between layers is import-linter's (`make lint`, the contracts
in pyproject.toml); this test adds what import-linter does not check.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = sorted(
    p.name
    for p in ROOT.iterdir()
    if (p / "__init__.py").exists() and p.name not in {"tests", "locale", "static"}
)
MAX_LOCAL_IMPORTS = 10


def _modules() -> dict[str, Path]:
    found = {}
    for package in PROJECT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    parts = name.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def _imports(module: str, path: Path):
    """(imported module, line, is function-local) for each project import of `module`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    in_function = {
        id(inner)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(func)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target and target != module:
                yield target, node.lineno, id(node) in in_function


def test_no_import_cycles_between_modules():
    graph = {m: {t for t, _line, _local in _imports(m, p)} for m, p in MODULES.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_function_local_imports_are_few_and_say_why():
    local = []
    for module, path in MODULES.items():
        lines = path.read_text().splitlines()
        for _target, line, is_local in _imports(module, path):
            if is_local:
                reason = lines[line - 2].strip()
                local.append((f"{path.relative_to(ROOT)}:{line}", reason))
    unexplained = [where for where, reason in local if not reason.startswith("# local import:")]
    assert not unexplained, f"function-local imports without '# local import: <why>': {unexplained}"
    assert len({where for where, _ in local}) <= MAX_LOCAL_IMPORTS, local
