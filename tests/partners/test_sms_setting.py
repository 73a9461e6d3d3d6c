"""The SMS gateway setting still accepts the gateways' old module path (partners.sms)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_gateway_named_by_its_old_partners_path_still_loads():
    code = (
        "from django.conf import settings\n"
        "from notifications.sms import sms_gateway\n"
        "print(settings.SMS_GATEWAY, type(sms_gateway()).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={**os.environ, "SMS_GATEWAY": "partners.sms.TestSmsGateway", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "notifications.sms.TestSmsGateway",
        "TestSmsGateway",
    ]
