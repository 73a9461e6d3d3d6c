"""The fi and sv catalogs are complete, real and current: no untranslated or fuzzy entry, the
same placeholders as the English, and every string in the source present (makemessages run
into a temporary copy, so a string added after the last translation round fails here)."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGS = ["fi", "sv"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{[a-z_]*\}")


def po_entries(path: Path) -> list[dict]:
    """A tiny .po parser (polib is not installed): a list of entries with flags, msgid,
    msgid_plural and msgstr (a list: one form, or the plural forms)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": {}, "obsolete": False}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][key] += value
                else:
                    entry[key] += value
            else:
                key, _sep, rest = line.partition(" ")
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = ast.literal_eval(rest)
                else:
                    entry[key] = ast.literal_eval(rest)
        if "msgid" in entry and not entry["obsolete"]:
            entries.append(entry)
    return entries


def messages(lang: str) -> list[dict]:
    return [e for e in po_entries(LOCALE / lang / "LC_MESSAGES" / "django.po") if e["msgid"]]


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_untranslated_or_fuzzy_entry(lang):
    header = po_entries(LOCALE / lang / "LC_MESSAGES" / "django.po")[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    entries = messages(lang)
    assert len(entries) > 500
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    assert not fuzzy, f"{lang}: fuzzy entries: {fuzzy}"
    assert not untranslated, f"{lang}: untranslated entries: {untranslated}"


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_the_placeholders_and_plural_forms(lang):
    for e in messages(lang):
        forms = list(e["msgstr"].values())
        if "msgid_plural" in e:
            assert len(forms) == 2, e["msgid"]
            wanted = set(PLACEHOLDER.findall(e["msgid_plural"]))
        else:
            wanted = set(PLACEHOLDER.findall(e["msgid"]))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, (lang, e["msgid"], form)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_are_real_not_copies_of_the_english(lang):
    entries = messages(lang)
    same = [e["msgid"] for e in entries if e["msgstr"].get("msgstr") == e["msgid"]]
    # Codes, names and a few international words ("Video", "OK"…) may stay as they are.
    assert len(same) < 0.05 * len(entries), same


@pytest.mark.parametrize(
    ("msgid", "fi", "sv"),
    [
        ("Periodic", "Määräaikaishaastattelu", "Periodisk intervju"),
        ("employment plan", "työllistymissuunnitelma", "sysselsättningsplan"),
        ("client", "asiakas", "kund"),
        ("adviser", "asiantuntija", "sakkunnig"),
        ("Overdue", "Erääntynyt", "Försenad"),
        ("Phone", "Puhelin", "Telefon"),
        ("Face to face", "Kasvokkain", "Personligt möte"),
        ("Video", "Video", "Video"),
    ],
)
def test_office_terms_are_the_ones_staff_use(msgid, fi, sv):
    def find(lang):
        return next(e["msgstr"]["msgstr"] for e in messages(lang) if e["msgid"] == msgid)

    assert (find("fi"), find("sv")) == (fi, sv)


def test_every_translatable_string_in_the_source_is_in_the_catalogs(
    tmp_path, settings, monkeypatch
):
    """makemessages over the source into a copy of the catalogs: nothing new may appear.
    Fails when someone adds a string without running `make messages` and translating it."""
    # makemessages writes into the `locale` dir beside the files it scans, so scan a mirror
    # of the source (symlinks) whose `locale` is a copy of the catalogs.
    skip = {"locale", ".venv", ".git", "staticfiles", "artifacts", "node_modules", "tests"}
    mirror = tmp_path / "src"
    mirror.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.is_dir() and entry.name not in skip and not entry.name.startswith("."):
            (mirror / entry.name).symlink_to(entry, target_is_directory=True)
    for lang in LANGS:
        shutil.copytree(LOCALE / lang, mirror / "locale" / lang)
    settings.LOCALE_PATHS = [mirror / "locale"]
    monkeypatch.chdir(mirror)
    call_command(
        "makemessages",
        locale=LANGS,
        domain="django",
        symlinks=True,
        no_obsolete=True,
        verbosity=0,
        ignore_patterns=["staticfiles", "artifacts", "node_modules"],
    )
    for lang in LANGS:
        fresh = po_entries(mirror / "locale" / lang / "LC_MESSAGES" / "django.po")
        missing = [e["msgid"] for e in fresh if e["msgid"] and not all(e["msgstr"].values())]
        fuzzy = [e["msgid"] for e in fresh if e["msgid"] and "fuzzy" in e["flags"]]
        assert not missing and not fuzzy, (
            f"{lang}: strings in the source without a translation (run `make messages` and "
            f"translate them): {missing + fuzzy}"
        )
