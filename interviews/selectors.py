"""Reads of the interview domain that build pages: the caseload (the clients by when their
next interview is due, with counts per due state and the job-search figures) and
the missed contacts of a period, the appointments booked for the next days, and an
adviser's start page ("My work") built from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from partners.selectors import closing_reports_to_review
from plans.selectors import (
    JOB_SEARCH_COLUMNS,
    fallen_short,
    plan_actions_due,
    with_job_search_figures,
)

from .choices import AppointmentStatus, DueState
from .models import Appointment, ContactAttempt, Interview

CASELOAD_PAGE_SIZE = 50

# The caseload table shows these columns and nothing else: rows are plain values.
CASELOAD_COLUMNS = (
    "pk",
    "last_name",
    "first_name",
    "due_state",
    "next_due_date",
    "last_held_on",
    "last_channel",
    "status",
    "responsible_adviser_id",
    "responsible_adviser__first_name",
    "responsible_adviser__last_name",
    "responsible_adviser__username",
    *JOB_SEARCH_COLUMNS,
)


# The caseload's orders, by the key kept in the page's query string ("-key": the reverse).
# Every order ends in the id, so pages never overlap; empty values go last either way.
_NAME = ("last_name", "first_name")
_ADVISER = (
    "responsible_adviser__first_name",
    "responsible_adviser__last_name",
    "responsible_adviser__username",
)
CASELOAD_SORTS = {
    "due": ("next_due_date",),
    "name": _NAME,
    "last": ("last_held_on",),
    "adviser": _ADVISER,
}
CASELOAD_DEFAULT_SORT = "due"


def caseload_order(sort: str) -> list:
    """The ORDER BY of a caseload sort key ("name", "-name", …; unknown: by due date)."""
    descending = sort.startswith("-")
    fields = CASELOAD_SORTS.get(sort.removeprefix("-")) or CASELOAD_SORTS[CASELOAD_DEFAULT_SORT]
    order = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in fields
    ]
    return [*order, "-id" if descending else "id"]


@dataclass(frozen=True)
class Caseload:
    page: Page  # of named rows with CASELOAD_COLUMNS
    counts: dict[str, int]  # clients per due state, every other filter applied


def caseload_page(
    *,
    clients: QuerySet[Client],
    due_state: str,
    page_number: str | int | None,
    today: dt.date,
    sort: str = CASELOAD_DEFAULT_SORT,
) -> Caseload:
    """A page of the caseload, most urgent first or in the order `sort` names (CASELOAD_SORTS).

    `clients`: the visible clients with every filter but the due state applied; `due_state`
    ("" for any) narrows the page, not the counts.
    1. The counts per due state, grouped in one query (the (team, due state, next due)
       index answers it without the rows); they also give the page count (no COUNT query).
    2. The page's rows as plain values, with the job-search figures as subqueries
       in the SELECT list: evaluated for the page's rows only (after LIMIT).
    """
    counts = dict.fromkeys(DueState.values, 0)
    counts.update(clients.order_by().values_list("due_state").annotate(n=Count("*")))
    chosen = clients.filter(due_state=due_state) if due_state else clients
    rows = (
        with_job_search_figures(clients=chosen, today=today)
        .order_by(*caseload_order(sort))
        .values_list(*CASELOAD_COLUMNS, named=True)
    )
    paginator = Paginator(rows, CASELOAD_PAGE_SIZE)
    paginator.count = counts[due_state] if due_state else sum(counts.values())
    return Caseload(page=paginator.get_page(page_number), counts=counts)


def missed_contacts(
    *, clients: QuerySet[Client], start: dt.date, end: dt.date
) -> QuerySet[ContactAttempt]:
    """Contact attempts that did not reach the client on days start..end, with their
    evidence (when, channel, notice, result, who), for the clients given (a queryset)."""
    return (
        ContactAttempt.objects.filter(client__in=clients)
        .missed()
        .between(start, end)
        .select_related("client", "adviser")
        .order_by("attempted_at", "id")
    )


def upcoming_appointments(
    *, clients: QuerySet[Client], today: dt.date, days: int
) -> QuerySet[Appointment]:
    """The booked appointments of these clients from the start of `today` for `days` days,
    in time order."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        Appointment.objects.filter(
            client__in=clients,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=days),
        )
        .select_related("client", "adviser")
        .order_by("starts_at", "id")
    )


# --- My work: the adviser's start page ---------------------------------------------------------

MY_WORK_ROWS = 15  # rows shown per section; the section's count says how many there are
MISSED_CONTACT_DAYS = 14  # a missed contact is followed up for two weeks, or until an interview


@dataclass(frozen=True)
class Section:
    rows: list  # the first MY_WORK_ROWS, each with `section_total`
    total: int


def my_work_querysets(*, clients: QuerySet[Client], today: dt.date) -> dict[str, QuerySet]:
    """What an adviser has to do, each a queryset of the clients given (the visible ones):

    - "interviews": clients whose interview is overdue or due by the end of this week;
    - "appointments": booked appointments today and tomorrow (upcoming_appointments);
    - "actions": open plan actions due within a week (plans.selectors.plan_actions_due);
    - "reviews": partners' closing reports not yet reviewed
      (partners.selectors.closing_reports_to_review);
    - "missed": contact attempts of the last two weeks that did not reach the client and
      have no interview held since (missed_contacts);
    - "shortfalls": clients whose last ended job-search period fell short of their plan's
      obligation (plans.selectors.fallen_short).
    """
    week_end = today + dt.timedelta(days=6 - today.weekday())
    return {
        "interviews": clients.must_be_interviewed()
        .filter(next_due_date__lte=week_end)
        .select_related("responsible_adviser")
        .order_by(*caseload_order(CASELOAD_DEFAULT_SORT)),
        "appointments": upcoming_appointments(clients=clients, today=today, days=2),
        "actions": plan_actions_due(clients=clients, until=today + dt.timedelta(days=7)),
        "reviews": closing_reports_to_review(clients=clients),
        "missed": missed_contacts(
            clients=clients,
            start=today - dt.timedelta(days=MISSED_CONTACT_DAYS - 1),
            end=today,
        ).filter(
            Q(client__last_held_on__isnull=True)
            | Q(client__last_held_on__lt=F("attempted_at__date"))
        ),
        "shortfalls": fallen_short(clients=clients, today=today).order_by(
            "last_name", "first_name", "id"
        ),
    }


def my_work_section(queryset: QuerySet, *, rows: int = MY_WORK_ROWS) -> Section:
    """The first `rows` rows and how many there are in all: one query (a window count)."""
    found = list(queryset.annotate(section_total=Window(Count("pk")))[:rows])
    return Section(rows=found, total=found[0].section_total if found else 0)


def my_work_counts(*, querysets: dict[str, QuerySet], user) -> dict[str, int]:
    """How many rows each section has, all in one query (the menu shows them on every page):
    each count is a scalar subquery of a one-row SELECT of the user."""
    counts = {
        f"count_{name}": Coalesce(
            Subquery(
                queryset.order_by()
                .annotate(section_total=Window(Count("pk")))
                .values("section_total")[:1]
            ),
            0,
        )
        for name, queryset in querysets.items()
    }
    row = get_user_model().objects.filter(pk=user.pk).values(**counts).get()
    return {name: row[f"count_{name}"] for name in querysets}


# The longest appointment there can be (the model's check): an earlier start that could still
# overlap is at most this much before.
_LONGEST = dt.timedelta(minutes=480)


def appointment_clash(
    *,
    adviser_id: int,
    starts_at: dt.datetime,
    duration_minutes: int,
    excluding: int | None = None,
) -> Appointment | None:
    """The adviser's first appointment (not cancelled) that overlaps starts_at + duration,
    or None. One query on the (adviser, starts_at) index; the exact overlap is checked on
    the few candidates."""
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    candidates = (
        Appointment.objects.filter(
            adviser_id=adviser_id, starts_at__gt=starts_at - _LONGEST, starts_at__lt=ends_at
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=excluding)
        .order_by("starts_at", "id")
    )
    for appointment in candidates:
        if appointment.starts_at + dt.timedelta(minutes=appointment.duration_minutes) > starts_at:
            return appointment
    return None


@dataclass(frozen=True)
class WeekDay:
    day: dt.date
    appointments: list[Appointment]


def adviser_week(*, adviser_id: int, monday: dt.date) -> list[WeekDay]:
    """The adviser's booked appointments (not cancelled) Monday to Sunday of the week
    starting `monday`, per day in time order: one query."""
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    rows = (
        Appointment.objects.filter(
            adviser_id=adviser_id,
            starts_at__gte=start,
            starts_at__lt=timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min)
            ),
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("client")
        .order_by("starts_at", "id")
    )
    days = {monday + dt.timedelta(days=i): [] for i in range(7)}
    for appointment in rows:
        days[timezone.localdate(appointment.starts_at)].append(appointment)
    return [WeekDay(day=day, appointments=items) for day, items in days.items()]


def interviews_on_day(*, client: Client, day: dt.date) -> list[Interview]:
    """The client's interviews logged for `day` (Helsinki), earliest first: one query."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return list(
        client.interviews.filter(
            held_at__gte=start, held_at__lt=start + dt.timedelta(days=1)
        ).order_by("held_at", "id")
    )
