"""Exports, each in its own process for an honest peak memory, beside PostgreSQL's COPY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from .core import BASE_DIR, Bench

CHILD = textwrap.dedent(
    """
    import json, os, resource, sys, time
    def peak_kb():
        # VmHWM: this process's own peak. ru_maxrss is not: Linux carries the parent's
        # high-water mark over fork and exec, so it would report the bench's own size.
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teoffice.settings")
    django.setup()
    from django.db import connection
    kind = sys.argv[1]
    if kind != "copy":
        # A warm server: signed in, and one page served (URLs, templates, translations
        # loaded) before the clock starts, as in production; the floor needs none of it.
        from django.contrib.auth import get_user_model
        from django.test import Client
        http = Client()
        http.force_login(get_user_model().objects.get(username="manager"))
        assert http.get("/health/").status_code == 200
    base = peak_kb()
    started = time.perf_counter()
    rows = 0
    if kind == "copy":
        class Sink:
            def __init__(self): self.n = 0
            def write(self, data): self.n += data.count(b"\\n") if isinstance(data, bytes) else data.count("\\n")
        sink = Sink()
        with connection.cursor() as cursor:
            cursor.copy_expert(sys.argv[2], sink)
        rows = sink.n
    else:
        response = http.get(sys.argv[2])
        assert response.status_code == 200, response.status_code
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            if kind == "csv":
                rows += chunk.count(b"\\n")
        if kind == "xlsx":
            rows = int(sys.argv[3])
    seconds = time.perf_counter() - started
    peak = peak_kb()
    print(json.dumps({"rows": rows, "s": seconds, "peak_mb": round(peak / 1024, 1),
                      "startup_mb": round(base / 1024, 1)}))
    """
)


def _child(bench: Bench, *args: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": bench.database_url(),
        "TEOFFICE_TESTING": "1",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def exports(bench: Bench) -> None:
    manager = get_user_model().objects.get(username="manager")
    manager.user_permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="export_clients")
    )
    floor = _child(
        bench,
        "copy",
        "COPY (SELECT c.id, c.last_name, c.first_name, c.status, c.due_state, "
        "c.next_due_date, c.last_held_on, t.name, u.username FROM clients_client c "
        "JOIN teams_team t ON t.id = c.team_id LEFT JOIN auth_user u "
        "ON u.id = c.responsible_adviser_id ORDER BY c.id) TO STDOUT WITH CSV HEADER",
    )
    floor["rows_per_s"] = round(floor["rows"] / floor["s"])
    results = {"copy_floor": floor}
    bench.log(f"  COPY floor: {floor['rows_per_s']:,} rows/s, peak {floor['peak_mb']} MB")
    for kind in ("csv", "xlsx"):
        figures = _child(bench, kind, f"/reports/clients-export/?format={kind}", str(bench.clients))
        figures["rows_per_s"] = round(figures["rows"] / figures["s"])
        figures["ratio_to_copy"] = round(figures["rows_per_s"] / floor["rows_per_s"], 2)
        results[kind] = figures
        bench.log(
            f"  {kind} export: {figures['rows_per_s']:,} rows/s "
            f"({figures['ratio_to_copy']} of COPY), peak {figures['peak_mb']} MB"
        )
    bench.results["exports"] = results
