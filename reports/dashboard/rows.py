"""The dashboard's rows: one adviser's (or the team's) figures, and the month arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from interviews.choices import Channel
from reports.figures import Figures
from teams.models import Role

CHANNELS: tuple[tuple[str, str], ...] = tuple(Channel.choices)  # (value, lazy label)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass
class InterviewCounts:
    """Interviews in one month: held per channel, and no-shows (cancellations not counted)."""

    held: dict[str, int] = field(default_factory=lambda: {value: 0 for value, _l in CHANNELS})
    no_shows: int = 0

    @property
    def held_total(self) -> int:
        return sum(self.held.values())

    def by_channel(self) -> list[tuple[str, int]]:
        return [(label, self.held[value]) for value, label in CHANNELS]


def sum_counts(items: Iterable[InterviewCounts]) -> InterviewCounts:
    total = InterviewCounts()
    for item in items:
        for channel, n in item.held.items():
            total.held[channel] += n
        total.no_shows += item.no_shows
    return total


@dataclass
class MemberRow:
    """One adviser's (or the whole team's) figures on the dashboard."""

    key: int | str | None  # user id; "team" for the total; None for unassigned clients
    name: str
    target: int
    role: str = ""  # Role value for members; "" for non-members, the total and unassigned
    is_member: bool = False
    caseload: int = 0
    due_soon: int = 0
    figures: Figures = field(default_factory=Figures)
    this_month: InterviewCounts = field(default_factory=InterviewCounts)
    last_month: InterviewCounts = field(default_factory=InterviewCounts)

    @property
    def required(self) -> int:
        return self.figures.required

    @property
    def covered(self) -> int:
        return self.figures.covered

    @property
    def overdue(self) -> int:
        return self.figures.overdue

    @property
    def coverage_pct(self) -> float | None:
        return self.figures.coverage_pct

    @property
    def load(self) -> float:
        """Caseload relative to the target (1.0 = exactly at target)."""
        return self.caseload / self.target if self.target else 0.0

    @property
    def load_pct(self) -> int:
        return round(100 * self.load)

    @property
    def over_target(self) -> bool:
        return self.caseload > self.target

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD


def suggest_receiver(rows: Iterable[MemberRow], *, exclude: Iterable = ()) -> MemberRow | None:
    """Who has most room: lowest load relative to target, then fewest overdue, then name."""
    excluded = set(exclude)
    candidates = [r for r in rows if r.is_member and r.key not in excluded]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (r.load, r.overdue, r.name.lower(), r.key))


def ordered_rows(rows: dict) -> list[MemberRow]:
    """Members (lead first, then by name), then former advisers; unassigned left out."""
    return sorted(
        (r for k, r in rows.items() if k is not None),
        key=lambda r: (not r.is_member, not r.is_lead, r.name.lower(), r.key),
    )
