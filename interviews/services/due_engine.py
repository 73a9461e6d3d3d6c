"""The due engine: every client's due state brought up to date in set-based statements, the
working-day calendar the rule's SQL counts from, and an office's choice of rule set (which
recomputes every client)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, StatusChange
from teams.models import Office
from teoffice.signals import history_changed

from .. import rules, rules_sql, rulesets
from ..models import CalendarDay, DueRun, Interview, OfficeRuleSet

logger = logging.getLogger(__name__)

# Any constant; two due runs holding it at once is what it prevents.
DUE_RUN_LOCK_KEY = 7_341_902


def _try_lock() -> bool:
    """Take the due run's lock for this transaction (PostgreSQL); SQLite serialises writers."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DUE_RUN_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def due_states_refresh(*, today: dt.date | None = None, full: bool = False) -> DueRun:
    """Bring every client's due state up to date, in a handful of set-based statements.

    1. Take a transaction-level lock; a run that cannot get it records itself as skipped,
       so overlapping runs never double-act.
    2. Daily: update the due state of exactly the rows whose stored state is stale for
       `today` (a no-op when re-run the same day: idempotent by database state).
    3. Full: recompute every derived column (last held interview, its channel, next-due
       date, due state) from the interviews in one UPDATE of the rows where any differs.
       A daily run is full when the rule changed since the last run (its fingerprint: a
       new default rule set after a deploy, a changed parameter).
    4. Record the run (when, how long, how many clients changed state, under which rule).
    """
    today = today or timezone.localdate()
    started_at, t0 = timezone.now(), time.perf_counter()
    fingerprint = rulesets.fingerprint()
    if not full:
        last = DueRun.objects.filter(skipped=False).values_list("rules", flat=True).first()
        full = last is not None and last != fingerprint
    mode = DueRun.Mode.FULL if full else DueRun.Mode.DAILY
    with transaction.atomic():
        if not _try_lock():
            logger.info("due run skipped: another run holds the lock")
            return DueRun.objects.create(
                mode=mode,
                started_at=started_at,
                finished_at=timezone.now(),
                duration_ms=0,
                skipped=True,
                as_of=today,
            )
        if full and connection.vendor == "postgresql":
            sql, params = rules_sql.full_recompute_statement(
                today,
                connection,
                clients=Client.objects.all(),
                held=Interview.objects.held(),
                changes=StatusChange.objects.all(),
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                changed = cursor.rowcount
        elif full:
            changed_ids: set[int] = set()
            steps = rules_sql.recomputed_steps(
                today, held=Interview.objects.held(), changes=StatusChange.objects.all()
            )
            for values, differs in steps:
                rows = Client.objects.filter(differs)
                changed_ids.update(rows.values_list("pk", flat=True))
                rows.update(**values)
            changed = len(changed_ids)
        else:
            changed = Client.objects.filter(rules_sql.stale_due_state_filter(today)).update(
                due_state=rules_sql.due_state_expression(today)
            )
        duration_ms = round((time.perf_counter() - t0) * 1000)
        run = DueRun.objects.create(
            mode=mode,
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=duration_ms,
            changed=changed,
            as_of=today,
            rules=fingerprint,
        )
    logger.info("due run %s as of %s: %d changed in %d ms", mode, today, changed, duration_ms)
    return run


# --- The working-day calendar and the office's choice of rule set ------------------------

CALENDAR_START = dt.date(2000, 1, 1)
CALENDAR_END = dt.date(2050, 12, 31)


def working_calendar_fill(*, start: dt.date = CALENDAR_START, end: dt.date = CALENDAR_END) -> int:
    """Fill the CalendarDay table (the rule's SQL counts working days from it) from the
    `holidays` library, when it is not complete. Returns the number of rows written."""
    days = (end - start).days + 1
    if CalendarDay.objects.filter(day__gte=start, day__lte=end).count() == days:
        return 0
    rows, seq = [], 0
    day = start
    for _index in range(days):
        working = rules.is_working_day(day)
        seq += working
        rows.append(
            CalendarDay(day=day, working=working, seq=seq, next_working=rules.next_working_day(day))
        )
        day += dt.timedelta(days=1)
    with transaction.atomic():
        CalendarDay.objects.filter(day__gte=start, day__lte=end).delete()
        CalendarDay.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def office_rule_set_choose(
    *,
    office: Office,
    code: str,
    effective_from: dt.date,
    chosen_by: AbstractBaseUser | None = None,
) -> OfficeRuleSet:
    """From `effective_from` on, the office follows rule set `code`.

    A choice for a day that already has one replaces it. Deadlines counted from days before
    `effective_from` do not change, so kept coverage figures for past days stay valid when
    the start is today or later; a start in the past marks them stale from that day. Then
    every client's derived columns are recomputed in one set-based run.
    """
    if code not in rulesets.CODES:
        raise ValidationError({"code": _("Unknown rule set.")})
    working_calendar_fill()
    with transaction.atomic():
        choice, _created = OfficeRuleSet.objects.update_or_create(
            office=office,
            effective_from=effective_from,
            defaults={"code": code, "chosen_by": chosen_by},
        )
        history_changed.send(sender=None, since=effective_from)
    due_states_refresh(full=True)
    return choice
