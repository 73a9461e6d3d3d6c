"""HTTP throughput under gunicorn with wrk: the caseload beside a trivial page."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from .core import BASE_DIR, Bench


def http(bench: Bench) -> None:
    if not shutil.which("wrk"):
        bench.results["http"] = {"error": "wrk is not installed (apt-get install wrk)"}
        bench.log("  http: wrk is not installed")
        return
    # The server signs with its own key; sign the adviser's session with the same one.
    secret = "bench-" + os.urandom(24).hex()
    settings.SECRET_KEY = secret
    session = SessionStore()
    adviser = bench.users["adviser"]
    session["_auth_user_id"] = str(adviser.pk)
    session["_auth_user_backend"] = "teams.backends.MemberBackend"
    session["_auth_user_hash"] = adviser.get_session_auth_hash()
    session.create()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": bench.database_url(),
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "TEOFFICE_TESTING": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        env=env,
        cwd=BASE_DIR,
        check=True,
    )
    server_log = open(BASE_DIR / "bench-gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "teoffice.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    results = {}
    try:
        for _ in range(300):  # until a worker answers, not only the socket
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
                break
            time.sleep(0.2)
        cookie = f"sessionid={session.session_key}"
        check = urllib.request.Request(
            f"http://127.0.0.1:{port}/clients/", headers={"Cookie": cookie}
        )
        with urllib.request.urlopen(check, timeout=30) as response:
            if not response.url.endswith("/clients/"):
                raise RuntimeError(f"the caseload redirected to {response.url}: not signed in")
        for name, path in (("trivial", "/health/"), ("caseload", "/clients/")):
            done = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c16",
                    f"-d{bench.http_seconds}s",
                    "-H",
                    f"Cookie: sessionid={session.session_key}",
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                timeout=bench.http_seconds + 60,
            )
            out = done.stdout
            if "Requests/sec" not in out or " 0 requests" in out:
                bench.log(out + done.stderr)
            rps = next(
                float(line.split()[1])
                for line in out.splitlines()
                if line.startswith("Requests/sec")
            )
            non2xx = next(
                (int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line), 0
            )
            results[name] = {"requests_per_s": round(rps, 1), "non_2xx": non2xx}
            bench.log(f"  http {name}: {rps:.0f} req/s ({non2xx} non-2xx)")
        results["caseload_share_of_trivial"] = round(
            results["caseload"]["requests_per_s"] / results["trivial"]["requests_per_s"], 3
        )
    finally:
        server_log.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    bench.results["http"] = results
