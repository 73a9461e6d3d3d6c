"""The coverage report's columns and their definitions, as the page, the CSV and the XLSX
show them, and the names of the report's levels."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from interviews import rulesets
from interviews.choices import Channel

LEVEL_LABELS = {
    "office": gettext_lazy("Office"),
    "service_line": gettext_lazy("Service line"),
    "team": gettext_lazy("Team"),
    "adviser": gettext_lazy("Adviser"),
}
CHANNELS: tuple[str, ...] = tuple(Channel.values)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # "int", "pct" (a 0–1 share), "days", "text"
    definition: str


def columns() -> list[Column]:
    """The report's columns in order, with the definition shown on the page and exports."""
    # Every rule set so far has one interval; the one of the law in force today is shown.
    interval = rulesets.in_force(None, timezone.localdate()).interval_months
    c = []
    c.append(Column("label", _("Name"), "text", _("The office, service line, team or adviser.")))
    c.append(
        Column(
            "required",
            _("Must be interviewed"),
            "int",
            _(
                "Clients whose job-seeker status on the last day of the period needs "
                "job-search discussions under the interview rule in force that day, placed by "
                "their team and responsible adviser on that day."
            ),
        )
    )
    c.append(
        Column(
            "covered",
            _("Covered on time"),
            "int",
            _(
                "Of those, clients whose last held interview on or before the last day is at "
                "most %(months)d months old. No-shows and cancellations do not count."
            )
            % {"months": interval},
        )
    )
    c.append(
        Column(
            "coverage",
            _("Coverage"),
            "pct",
            _("Covered on time divided by must be interviewed (empty when nobody must be)."),
        )
    )
    c.append(
        Column(
            "overdue",
            _("Overdue at period end"),
            "int",
            _(
                "Clients who must be interviewed and whose next interview was due before the "
                "last day of the period (the interview rule as of that day)."
            ),
        )
    )
    c.append(
        Column(
            "held",
            _("Interviews held"),
            "int",
            _("Interviews held in the period with the row's clients, in any channel."),
        )
    )
    names = {
        Channel.PHONE: (_("Phone"), _("Phone share")),
        Channel.FACE_TO_FACE: (_("Face to face"), _("Face-to-face share")),
        Channel.VIDEO: (_("Video"), _("Video share")),
    }
    for channel in CHANNELS:
        count, share = names[channel]
        c.append(
            Column(
                f"held_{channel}",
                count,
                "int",
                _("Interviews held in the period in this channel."),
            )
        )
        c.append(
            Column(
                f"share_{channel}",
                share,
                "pct",
                _("This channel's interviews divided by all interviews held in the period."),
            )
        )
    c.append(
        Column(
            "no_shows",
            _("No-shows"),
            "int",
            _("Interview times in the period that the client did not attend."),
        )
    )
    c.append(
        Column(
            "cancellations",
            _("Cancellations"),
            "int",
            _(
                "Interviews recorded as cancelled in the period, plus booked appointments in "
                "the period that were cancelled without an interview record."
            ),
        )
    )
    c.append(
        Column(
            "median_interval_days",
            _("Median days between interviews"),
            "days",
            _(
                "For each interview held in the period, the days since the same client's "
                "previous held interview (which may be before the period); the median of "
                "these. A client's first held interview has no interval."
            ),
        )
    )
    c.append(
        Column(
            "to_work",
            _("Moved to work"),
            "int",
            _(
                "Clients whose status changed in the period from unemployed or laid off to "
                "employed or part-time employed."
            ),
        )
    )
    c.append(
        Column(
            "to_study",
            _("Moved to study"),
            "int",
            _(
                "Clients with a study action in progress or done in a plan version agreed in "
                "the period, where no earlier version of the plan had one (so a study is "
                "counted in the period it started)."
            ),
        )
    )
    c.append(
        Column(
            "to_work_trial",
            _("Moved to a work trial"),
            "int",
            _("As moved to study, for work-trial actions."),
        )
    )
    c.append(
        Column(
            "to_service",
            _("Moved to another service"),
            "int",
            _(
                "Clients whose status changed in the period from unemployed or laid off to in "
                "a service (training, trial, subsidy)."
            ),
        )
    )
    return c
