"""Catalogs are compiled in the build (`make compilemessages`); compile stale ones here too, so
running pytest straight after editing a .po tests the new text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    msgfmt = shutil.which("msgfmt")
    changed = False
    for po in Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if msgfmt and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True)
            changed = True
    if changed:  # drop catalogs loaded before the compile
        trans_real._translations = {}
        trans_real._default = None
        translation.deactivate()
