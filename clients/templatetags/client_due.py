"""The interview rule's due state for templates that list clients: the template asks the
model (Client.due_state_on, the rule in interviews.rules) instead of comparing dates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats
from django.utils.translation import gettext, ngettext

from clients.models import Client
from interviews import rules

register = template.Library()


@register.filter
def due_state_on(client: Client, today: dt.date) -> str:
    """{{ client|due_state_on:today }}: overdue, due_soon, ok or not_required."""
    return client.due_state_on(today)


def _day(day: dt.date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _reason(why: rules.DueExplanation) -> str:
    rule_set = why.rule_set
    assert rule_set is not None and why.kind != rules.DueKind.NOT_REQUIRED
    values = {"due": _day(why.due), "anchor": _day(why.anchor), "rule": rule_set.label}
    if why.kind == rules.DueKind.FIRST:
        count = rule_set.first_within_days
        if rule_set.first_in_working_days:
            text = ngettext(
                "Initial interview due %(due)s: %(count)s working day after the job seeking "
                "began on %(anchor)s (%(rule)s)",
                "Initial interview due %(due)s: %(count)s working days after the job seeking "
                "began on %(anchor)s (%(rule)s)",
                count,
            )
        else:
            text = ngettext(
                "First interview due %(due)s: %(count)s day after the status began on "
                "%(anchor)s (%(rule)s)",
                "First interview due %(due)s: %(count)s days after the status began on "
                "%(anchor)s (%(rule)s)",
                count,
            )
    elif why.kind == rules.DueKind.SUPPLEMENTARY:
        count = rule_set.supplementary_every_days or 0
        text = ngettext(
            "Supplementary discussion due %(due)s: %(count)s day after the discussion on "
            "%(anchor)s (%(rule)s)",
            "Supplementary discussion due %(due)s: %(count)s days after the discussion on "
            "%(anchor)s (%(rule)s)",
            count,
        )
    elif why.kind == rules.DueKind.REGULAR:
        count = rule_set.interval_months
        if rule_set.first_in_working_days:
            text = ngettext(
                "Job-search discussion due %(due)s: %(count)s month after the discussion on "
                "%(anchor)s (%(rule)s)",
                "Job-search discussion due %(due)s: %(count)s months after the discussion on "
                "%(anchor)s (%(rule)s)",
                count,
            )
        else:
            text = ngettext(
                "Interview due %(due)s: %(count)s month after the interview on %(anchor)s "
                "(%(rule)s)",
                "Interview due %(due)s: %(count)s months after the interview on %(anchor)s "
                "(%(rule)s)",
                count,
            )
    else:  # the first or the second conversation of an extra period
        every = rule_set.supplementary_every_days or 0
        count = every if why.kind == rules.DueKind.EXTRA_FIRST else 2 * every
        text = ngettext(
            "Supplementary discussion due %(due)s: %(count)s day after the period of extra "
            "discussions began on %(anchor)s (%(rule)s)",
            "Supplementary discussion due %(due)s: %(count)s days after the period of extra "
            "discussions began on %(anchor)s (%(rule)s)",
            count,
        )
    return text % {**values, "count": count}


@register.simple_tag
def due_explanation(why: rules.DueExplanation) -> str:
    """{% due_explanation why %}: one sentence saying why the next interview is due when it is
    (which deadline, counted from which day, under which rule set, moved to a working day),
    in the page's language and date format. `why` comes from clients.selectors.due_explanation."""
    if why.kind == rules.DueKind.NOT_REQUIRED:
        return gettext("No job-search discussions are required for this status.")
    if why.moved:
        return gettext("%(reason)s; moved from %(counted)s to the next working day.") % {
            "reason": _reason(why),
            "counted": _day(why.counted),
        }
    return f"{_reason(why)}."
