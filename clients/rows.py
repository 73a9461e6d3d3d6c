"""Client rows for bulk writes (the demo seed's COPY, the import's staging table), with the
derived due fields computed under the rule sets the client's office chose.

Both writers build a clients_client row with `ClientRowBuilder.row()`, so the derived
columns (birth date from the identity code, next-due date and due state from the interview
rule) are computed the same way, and the same way as the due engine would compute them.

The office's rule sets (interviews.models.OfficeRuleSet) are read once, in one query, when
the builder is made; a row costs no query and no settings look-up, so seeding a million
clients stays cheap.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping

from interviews import rules, rulesets

from . import identity
from .selectors import office_schedules

# The columns of clients_client a new client is written with, in row() order.
CLIENT_COLUMNS = [
    "id",
    "personal_identity_code",
    "first_name",
    "last_name",
    "birth_date",
    "language",
    "email",
    "phone",
    "address",
    "status",
    "status_since",
    "registered_on",
    "team",
    "responsible_adviser",
    "last_held_on",
    "last_channel",
    "next_due_date",
    "due_state",
    "created_at",
    "updated_at",
]


class _OfficeRules:
    """An office's rule sets by start date, resolved to RuleSet objects once."""

    def __init__(self, schedule: rulesets.Schedule) -> None:
        chosen = sorted(schedule)
        self.starts = [start for start, _code in chosen]
        self.rule_sets = [rulesets.get(code) for _start, code in chosen]
        self.law = {code: rulesets.get(code) for code in rulesets.LAW}

    def in_force(self, day: dt.date) -> rulesets.RuleSet:
        """rulesets.in_force() for this office, by bisection."""
        index = bisect.bisect_right(self.starts, day)
        return self.rule_sets[index - 1] if index else self.law[rulesets.law_code_on(day)]


class ClientRowBuilder:
    """Builds clients_client rows with their derived fields, for the offices given."""

    def __init__(self, *, today: dt.date, schedules: Mapping[int, rulesets.Schedule]) -> None:
        self.today = today
        self._default = _OfficeRules([])
        self._offices = {
            office_id: _OfficeRules(schedule) for office_id, schedule in schedules.items()
        }

    @classmethod
    def for_offices(cls, office_ids: Iterable[int], *, today: dt.date) -> ClientRowBuilder:
        """The builder for clients of these offices: their rule sets in one query."""
        return cls(today=today, schedules=office_schedules(office_ids=office_ids))

    def rule_set_on(self, office_id: int, day: dt.date) -> rulesets.RuleSet:
        """The rule set in force on `day` for the office (its choice, else the law's)."""
        return self._offices.get(office_id, self._default).in_force(day)

    def next_due_date(
        self, office_id: int, *, status: str, status_since: dt.date, last_held_on: dt.date | None
    ) -> dt.date | None:
        """rules.next_due_date() under the office's schedule, resolved once."""
        return rules.next_due_date_by(
            self._offices.get(office_id, self._default).in_force,
            status=status,
            status_since=status_since,
            last_held_on=last_held_on,
        )

    def row(
        self,
        *,
        office_id: int,
        pk: int | None,
        code: str,
        first_name: str,
        last_name: str,
        language: str,
        email: str,
        phone: str,
        address: str,
        status: str,
        status_since: dt.date,
        registered_on: dt.date,
        team_id: int,
        responsible_adviser_id: int | None,
        last_held_on: dt.date | None,
        last_channel: str,
        created_at: dt.datetime | str,
        updated_at: dt.datetime | str,
    ) -> tuple:
        """One row in CLIENT_COLUMNS order; `code` must be a valid identity code."""
        next_due = self.next_due_date(
            office_id, status=status, status_since=status_since, last_held_on=last_held_on
        )
        return (
            pk,
            code,
            first_name,
            last_name,
            identity.birth_date(code),
            language,
            email,
            phone,
            address,
            status,
            status_since,
            registered_on,
            team_id,
            responsible_adviser_id,
            last_held_on,
            last_channel if last_held_on else "",
            next_due,
            rules.due_state(next_due, self.today).value,
            created_at,
            updated_at,
        )
