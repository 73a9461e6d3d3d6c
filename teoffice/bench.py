"""The benchmark: the product at scale, each figure beside its floor measured in the same run.

Absolute times on a shared 2-core machine drift from run to run; ratios to a floor measured
seconds apart on the same data do not. See docs/scaling.md for figures and their meaning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client as HttpClient
from django.utils import timezone

BASE_DIR = Path(settings.BASE_DIR)


class Rollback(Exception):
    """Raised to undo a measured write."""


@dataclass
class Bench:
    clients: int
    requests: int = 30
    http_seconds: int = 10
    page_budget_s: float = 90.0
    log: Callable[[str], None] = print
    results: dict = field(default_factory=dict)

    # --- database ---------------------------------------------------------------------

    def use_database(self, *, reuse: bool) -> bool:
        """Point Django at teoffice_bench_<N>; create it if needed. True if already seeded."""
        base = dict(connection.settings_dict)
        name = f"{base['NAME']}_bench_{self.clients}"
        admin = psycopg2.connect(
            dbname="postgres",
            user=base["USER"],
            password=base["PASSWORD"],
            host=base["HOST"] or None,
            port=base["PORT"] or None,
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and not reuse:
                cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        connections["default"].close()
        connections.databases["default"]["NAME"] = name
        connections["default"].settings_dict["NAME"] = name
        self.database = name
        call_command("migrate", verbosity=0, skip_checks=True)
        from clients.demo import is_seeded

        return exists and is_seeded()

    def database_url(self) -> str:
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.database}"

    def seed(self, seeded: bool) -> None:
        from clients.demo import seed_demo
        from reports.services import coverage_snapshots_refresh

        if seeded:
            self.log(f"reusing {self.database} (already seeded)")
            self.results["seed_s"] = None
        else:
            self.log(f"seeding {self.clients:,} clients into {self.database} …")
            started = time.perf_counter()
            seed_demo(clients=self.clients, seed=1, progress=lambda m: None)
            self.results["seed_s"] = round(time.perf_counter() - started, 1)
            self.log(f"  seed_s = {self.results['seed_s']}")
            self.vacuum()
        started = time.perf_counter()
        built = coverage_snapshots_refresh()
        self.results["coverage_snapshots"] = {
            "built": len(built),
            "s": round(time.perf_counter() - started, 1),
        }
        if built:  # the kept months' million rows: the planner must know them
            self.vacuum()
        self.log(
            f"  coverage snapshots built for {len(built)} closed months in "
            f"{self.results['coverage_snapshots']['s']} s"
        )

    @staticmethod
    def vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    # --- the due engine against its floor ---------------------------------------------

    @staticmethod
    def _timed_and_undone(action: Callable[[], int], prepare: Callable[[], None] | None = None):
        """Run `action` inside a transaction that is rolled back; (seconds, rows changed)."""
        out = {}
        try:
            with transaction.atomic():
                if prepare:
                    prepare()
                started = time.perf_counter()
                out["rows"] = action()
                out["s"] = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        return out["s"], out["rows"]

    def _median_of(self, runs: int, action, prepare=None) -> tuple[float, int]:
        results = [self._timed_and_undone(action, prepare) for _ in range(runs)]
        return statistics.median(r[0] for r in results), results[0][1]

    def due_engine(self) -> None:
        from interviews import rules
        from interviews.services import due_states_refresh

        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        soon = tomorrow + dt.timedelta(days=rules.due_soon_days())

        def daily() -> int:
            return due_states_refresh(today=tomorrow).changed

        def daily_floor() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE clients_client SET due_state = CASE
                        WHEN next_due_date IS NULL THEN 'not_required'
                        WHEN next_due_date < %(day)s THEN 'overdue'
                        WHEN next_due_date <= %(soon)s THEN 'due_soon' ELSE 'ok' END
                    WHERE (due_state = 'ok' AND next_due_date <= %(soon)s)
                       OR (due_state = 'due_soon' AND next_due_date < %(day)s)
                       OR (due_state = 'due_soon' AND next_due_date > %(soon)s)
                       OR (due_state = 'overdue' AND next_due_date >= %(day)s)
                       OR (due_state = 'not_required' AND next_due_date IS NOT NULL)
                       OR (due_state IN ('ok', 'due_soon', 'overdue') AND next_due_date IS NULL)
                    """,
                    {"day": tomorrow, "soon": soon},
                )
                return cursor.rowcount

        s, rows = self._median_of(3, daily)
        floor_s, floor_rows = self._median_of(3, daily_floor)
        assert rows == floor_rows, (rows, floor_rows)
        self.results["flag_due_daily"] = {
            "s": round(s, 3),
            "floor_s": round(floor_s, 3),
            "ratio": round(s / floor_s, 2),
            "clients_changed": rows,
            "share_changed_pct": round(100 * rows / self.clients, 2),
        }
        self.log(f"  flag_due daily: {s:.3f} s vs floor {floor_s:.3f} s ({rows:,} changed)")

        def invalidate() -> None:
            # Make every derived column wrong, so the full recompute rewrites every row.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE clients_client SET last_held_on = NULL, last_channel = '', "
                    "next_due_date = NULL, due_state = 'ok'"
                )

        def full() -> int:
            return due_states_refresh(today=tomorrow, full=True).changed

        months = rules.interval_months()
        first = rules.first_within_days()
        required = tuple(rules.REQUIRED_STATUSES)

        def full_floor() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    WITH last AS (
                        SELECT DISTINCT ON (client_id) client_id,
                               (held_at AT TIME ZONE 'Europe/Helsinki')::date AS day, channel
                        FROM interviews_interview WHERE outcome = 'held'
                        ORDER BY client_id, held_at DESC, id DESC),
                    computed AS (
                        SELECT c.id, l.day, COALESCE(l.channel, '') AS channel,
                            CASE WHEN c.status IN %(required)s AND l.day >= c.status_since
                                     THEN (l.day + interval '{months} months')::date
                                 WHEN c.status IN %(required)s THEN c.status_since + {first}
                            END AS due
                        FROM clients_client c LEFT JOIN last l ON l.client_id = c.id)
                    UPDATE clients_client c SET
                        last_held_on = x.day, last_channel = x.channel, next_due_date = x.due,
                        due_state = CASE WHEN x.due IS NULL THEN 'not_required'
                            WHEN x.due < %(day)s THEN 'overdue'
                            WHEN x.due <= %(soon)s THEN 'due_soon' ELSE 'ok' END
                    FROM computed x WHERE x.id = c.id
                    """,
                    {"required": required, "day": tomorrow, "soon": soon},
                )
                return cursor.rowcount

        # Each run rewrites every row: median of three, the product's and the floor's runs
        # taking turns so that drift on a shared machine falls on both alike.
        runs: dict[str, list[tuple[float, int]]] = {"full": [], "floor": []}
        for _ in range(3):
            for name, action in (("full", full), ("floor", full_floor)):
                self.vacuum()  # each starts from a table without the last run's dead rows
                runs[name].append(self._timed_and_undone(action, invalidate))
        self.vacuum()
        s, rows = sorted(runs["full"])[1]
        floor_s, floor_rows = sorted(runs["floor"])[1]
        self.results["flag_due_full"] = {
            "s": round(s, 3),
            "floor_s": round(floor_s, 3),
            "ratio": round(s / floor_s, 2),
            "clients_changed": rows,
            "floor_rows": floor_rows,
        }
        self.log(f"  flag_due full: {s:.3f} s vs floor {floor_s:.3f} s")

    # --- pages ------------------------------------------------------------------------

    def _pages(self) -> dict[str, tuple[str, str]]:

        from clients.models import Client
        from teams.models import Membership

        team = Membership.objects.get(user__username="adviser").team
        client = Client.objects.filter(team=team).order_by("id").first()
        today = timezone.localdate()
        # "A year": the last twelve closed months (what an annual report covers; their
        # activity is kept nightly). The rolling 365 days up to today is measured beside
        # it: its first and last month parts are computed from the history on every request.
        last_closed = today.replace(day=1) - dt.timedelta(days=1)
        year_start = (last_closed.replace(day=1) - dt.timedelta(days=334)).replace(day=1)
        report = f"/reports/coverage/?period=range&start={year_start}&end={last_closed}"
        rolling_start = (today - dt.timedelta(days=365)).isoformat()
        rolling = f"/reports/coverage/?period=range&start={rolling_start}&end={today}"
        return {
            "trivial": ("adviser", "/health/"),
            # Not a target: a signed-in page with the base layout and no data (the
            # accessibility statement), to show what the framework alone costs a page.
            "base_layout": ("adviser", "/accessibility/"),
            "caseload": ("adviser", "/clients/"),
            "client_page": ("adviser", f"/clients/{client.pk}/"),
            "team_dashboard": ("teamlead", f"/teams/{team.pk}/"),
            "report_team_year": ("manager", f"{report}&level=team"),
            "report_service_line_year": ("manager", f"{report}&level=service_line"),
            "report_office_year": ("manager", f"{report}&level=office"),
            "report_office_365_days": ("manager", f"{rolling}&level=office"),
        }

    def pages(self) -> None:
        results = {}
        for name, (username, url) in self._pages().items():
            http = HttpClient()
            http.force_login(self.users[username])
            first = http.get(url)
            if first.status_code != 200:
                results[name] = {"url": url, "error": f"HTTP {first.status_code}"}
                self.log(f"  {name}: HTTP {first.status_code} at {url}")
                continue
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                http.get(url)
            times, started = [], time.perf_counter()
            while len(times) < self.requests:
                t0 = time.perf_counter()
                response = http.get(url)
                if hasattr(response, "streaming_content"):
                    for _chunk in response.streaming_content:
                        pass
                times.append(time.perf_counter() - t0)
                if time.perf_counter() - started > self.page_budget_s and len(times) >= 3:
                    break
            times.sort()
            results[name] = {
                "url": url,
                "requests": len(times),
                "queries": len(queries),
                "p50_ms": round(1000 * statistics.median(times), 1),
                "p95_ms": round(1000 * times[max(0, int(round(0.95 * len(times))) - 1)], 1),
            }
            self.log(
                f"  {name}: p50 {results[name]['p50_ms']} ms, p95 "
                f"{results[name]['p95_ms']} ms, {len(queries)} queries ({len(times)} requests)"
            )
        trivial = results["trivial"]
        for name, figures in results.items():
            if name != "trivial" and "p95_ms" in figures:
                figures["p95_ratio_to_trivial"] = round(figures["p95_ms"] / trivial["p95_ms"], 1)
        self.results["pages"] = results

    # --- exports, each in its own process for an honest peak memory --------------------

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

    def _child(self, *args: str) -> dict:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url(),
            "TEOFFICE_TESTING": "1",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
        done = subprocess.run(
            [sys.executable, "-c", self.CHILD, *args],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def exports(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        manager = get_user_model().objects.get(username="manager")
        manager.user_permissions.add(
            Permission.objects.get(content_type__app_label="reports", codename="export_clients")
        )
        floor = self._child(
            "copy",
            "COPY (SELECT c.id, c.last_name, c.first_name, c.status, c.due_state, "
            "c.next_due_date, c.last_held_on, t.name, u.username FROM clients_client c "
            "JOIN teams_team t ON t.id = c.team_id LEFT JOIN auth_user u "
            "ON u.id = c.responsible_adviser_id ORDER BY c.id) TO STDOUT WITH CSV HEADER",
        )
        floor["rows_per_s"] = round(floor["rows"] / floor["s"])
        results = {"copy_floor": floor}
        self.log(f"  COPY floor: {floor['rows_per_s']:,} rows/s, peak {floor['peak_mb']} MB")
        for kind in ("csv", "xlsx"):
            figures = self._child(
                kind, f"/reports/clients-export/?format={kind}", str(self.clients)
            )
            figures["rows_per_s"] = round(figures["rows"] / figures["s"])
            figures["ratio_to_copy"] = round(figures["rows_per_s"] / floor["rows_per_s"], 2)
            results[kind] = figures
            self.log(
                f"  {kind} export: {figures['rows_per_s']:,} rows/s "
                f"({figures['ratio_to_copy']} of COPY), peak {figures['peak_mb']} MB"
            )
        self.results["exports"] = results

    # --- HTTP throughput under gunicorn -----------------------------------------------

    def http(self) -> None:
        if not shutil.which("wrk"):
            self.results["http"] = {"error": "wrk is not installed (apt-get install wrk)"}
            self.log("  http: wrk is not installed")
            return
        from django.contrib.sessions.backends.db import SessionStore

        # The server signs with its own key; sign the adviser's session with the same one.
        secret = "bench-" + os.urandom(24).hex()
        settings.SECRET_KEY = secret
        session = SessionStore()
        adviser = self.users["adviser"]
        session["_auth_user_id"] = str(adviser.pk)
        session["_auth_user_backend"] = "teams.backends.MemberBackend"
        session["_auth_user_hash"] = adviser.get_session_auth_hash()
        session.create()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url(),
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
                        f"-d{self.http_seconds}s",
                        "-H",
                        f"Cookie: sessionid={session.session_key}",
                        f"http://127.0.0.1:{port}{path}",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=self.http_seconds + 60,
                )
                out = done.stdout
                if "Requests/sec" not in out or " 0 requests" in out:
                    self.log(out + done.stderr)
                rps = next(
                    float(line.split()[1])
                    for line in out.splitlines()
                    if line.startswith("Requests/sec")
                )
                non2xx = next(
                    (int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line), 0
                )
                results[name] = {"requests_per_s": round(rps, 1), "non_2xx": non2xx}
                self.log(f"  http {name}: {rps:.0f} req/s ({non2xx} non-2xx)")
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
        self.results["http"] = results

    def run(self, *, reuse: bool, sections: list[str]) -> dict:
        if connection.vendor != "postgresql":
            raise RuntimeError("the benchmark needs PostgreSQL: set DATABASE_URL")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # Django's test client
        self.results = {
            "clients": self.clients,
            "when": timezone.now().isoformat(),
            "cpus": os.cpu_count(),
        }
        self.seed(self.use_database(reuse=reuse))
        self.results["database"] = self.database
        from django.contrib.auth import get_user_model

        self.users = {
            u.username: u
            for u in get_user_model().objects.filter(
                username__in=["adviser", "teamlead", "manager"]
            )
        }
        for section in sections:
            self.log(f"{section} …")
            getattr(self, section)()
        return self.results
