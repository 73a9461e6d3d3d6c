"""Pages, each measured through Django's test client: its latency and its number of queries,
beside a trivial page's."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import Client
from teams.models import Membership

from .core import Bench


def _pages() -> dict[str, tuple[str, str]]:
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


def pages_measure(bench: Bench, pages: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """Each page's p50 and p95 over `bench.requests` requests and its queries, as `username`."""
    results = {}
    for name, (username, url) in pages.items():
        http = HttpClient()
        http.force_login(bench.users[username])
        first = http.get(url)
        if first.status_code != 200:
            results[name] = {"url": url, "error": f"HTTP {first.status_code}"}
            bench.log(f"  {name}: HTTP {first.status_code} at {url}")
            continue
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            http.get(url)
        times, started = [], time.perf_counter()
        while len(times) < bench.requests:
            t0 = time.perf_counter()
            response = http.get(url)
            if hasattr(response, "streaming_content"):
                for _chunk in response.streaming_content:
                    pass
            times.append(time.perf_counter() - t0)
            if time.perf_counter() - started > bench.page_budget_s and len(times) >= 3:
                break
        times.sort()
        results[name] = {
            "url": url,
            "requests": len(times),
            "queries": len(queries),
            "p50_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * times[max(0, int(round(0.95 * len(times))) - 1)], 1),
        }
        bench.log(
            f"  {name}: p50 {results[name]['p50_ms']} ms, p95 "
            f"{results[name]['p95_ms']} ms, {len(queries)} queries ({len(times)} requests)"
        )
    return results


def ratios(results: dict[str, dict], floor: str, key: str) -> None:
    """Add each page's p95 as a multiple of page `floor`'s p95, under `key`."""
    base = results[floor]["p95_ms"]
    for name, figures in results.items():
        if name != floor and "p95_ms" in figures:
            figures[key] = round(figures["p95_ms"] / base, 1)


def pages(bench: Bench) -> None:
    results = pages_measure(bench, _pages())
    ratios(results, "trivial", "p95_ratio_to_trivial")
    bench.results["pages"] = results
