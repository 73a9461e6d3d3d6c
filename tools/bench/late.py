"""Late entries (issue 21): interviews, a no-show and a status change logged today for closed
months, then every main page measured against the signed-in base layout. The entries are
written in a transaction that is rolled back afterwards, so the bench database (or the demo's)
is left as it was.

Each late entry rebuilds the kept figures of the teams its client was ever in, in its own
transaction (reports.services.kept_figures_rebuild): the write's time is measured too, since
that is where the cost went."""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone

from clients.choices import Status
from clients.models import Client
from clients.services import client_status_change
from interviews.choices import Outcome
from interviews.services import interview_log
from reports.figures import LEVELS
from reports.periods import previous_month, previous_quarter
from reports.services import coverage_snapshots_refresh
from teams.models import Membership

from .core import Bench, Rollback
from .pages import pages_measure, ratios

HELSINKI = ZoneInfo("Europe/Helsinki")
# The target: every main page within this multiple of the signed-in base layout's p95.
WITHIN = 10


def late_pages(today: dt.date) -> dict[str, tuple[str, str]]:
    team = Membership.objects.get(user__username="adviser").team
    client = Client.objects.filter(team=team).order_by("id").first()
    month, quarter = previous_month(today), previous_quarter(today)
    eleven_start = (month.start - dt.timedelta(days=300)).replace(day=1)
    periods = {
        "month": f"period=month&month={month.start:%Y-%m}",
        "quarter": f"period=quarter&quarter={quarter.label}",
        "11_months": f"period=range&start={eleven_start}&end={month.end}",
    }
    pages = {
        "base_layout": ("adviser", "/accessibility/"),
        "caseload": ("adviser", "/clients/"),
        "client_page": ("adviser", f"/clients/{client.pk}/"),
        "appointments": ("adviser", "/interviews/appointments/"),
        "team_dashboard": ("teamlead", f"/teams/{team.pk}/"),
        "office_view": ("manager", "/teams/office/"),
    }
    for level in LEVELS:
        for name, query in periods.items():
            pages[f"report_{level}_{name}"] = (
                "manager",
                f"/reports/coverage/?{query}&level={level}",
            )
    return pages


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def late_entries_log(bench: Bench, today: dt.date) -> list[float]:
    """Log the late entries an office makes in a day; each write's seconds."""
    adviser = bench.users["adviser"]
    team = Membership.objects.get(user=adviser).team
    month = previous_month(today)
    # Clients registered before the earliest entry (nothing is held before registration).
    clients = Client.objects.filter(
        status=Status.UNEMPLOYED, registered_on__lt=month.start - dt.timedelta(days=310)
    ).order_by("id")
    ours = list(clients.filter(team=team)[:4])
    theirs = list(clients.exclude(team=team)[:2])
    at = lambda day: dt.datetime.combine(_weekday(day), dt.time(10), HELSINKI)  # noqa: E731
    # Friday's call on Monday, last month's on the 1st, one from a quarter and a year back.
    ours_entries = [
        (Outcome.HELD, at(month.end)),
        (Outcome.HELD, at(month.start + dt.timedelta(days=10))),
        (Outcome.NO_SHOW, at(month.start - dt.timedelta(days=40))),
        (Outcome.HELD, at(month.start - dt.timedelta(days=300))),
    ]
    entries = [(c, outcome, when) for c, (outcome, when) in zip(ours, ours_entries, strict=False)]
    entries += [(c, Outcome.HELD, at(month.end - dt.timedelta(days=5))) for c in theirs]
    if not entries:
        raise RuntimeError("no client registered long enough ago for the late entries")
    seconds = []
    for client, outcome, held_at in entries:
        started = time.perf_counter()
        interview_log(
            client=client, adviser=adviser, channel="phone", outcome=outcome, held_at=held_at
        )
        seconds.append(time.perf_counter() - started)
    if not theirs:
        return seconds
    started = time.perf_counter()
    client_status_change(
        client=theirs[0],
        status=Status.EMPLOYED,
        effective_on=month.start + dt.timedelta(days=3),
        changed_by=adviser,
    )
    seconds.append(time.perf_counter() - started)
    return seconds


@contextmanager
def undone():
    """A transaction rolled back at the end, in which Django's test client may make requests:
    the request signals would otherwise close the connection that holds it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def late_entries(bench: Bench) -> None:
    today = timezone.localdate()
    coverage_snapshots_refresh()  # the nightly job's state: every closed month kept
    pages = late_pages(today)
    out: dict = {}
    bench.log("  before the late entries:")
    before = pages_measure(bench, pages)
    with undone():
        writes = late_entries_log(bench, today)
        bench.log(f"  {len(writes)} late entries, slowest write {1000 * max(writes):.0f} ms")
        bench.log("  after them:")
        after = pages_measure(bench, pages)
    for figures in (before, after):
        ratios(figures, "base_layout", "p95_ratio_to_base_layout")
    over = [
        name
        for name, figures in after.items()
        if figures.get("p95_ratio_to_base_layout", 0) > WITHIN or "error" in figures
    ]
    out = {
        "entries": len(writes),
        "write_ms": [round(1000 * s, 1) for s in writes],
        "before": before,
        "after": after,
        "target": f"every page p95 <= {WITHIN}x the base layout's, after the entries",
        "over_target": over,
    }
    bench.log(f"  pages over {WITHIN}x the base layout after late entries: {over or 'none'}")
    bench.results["late_entries"] = out
