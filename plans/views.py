"""Plan pieces that pages show: the versions of a client's plan and what changed between them.

There is no plan page of its own: the client page shows the plan and the interview form
revises it. These helpers keep that presentation out of the client and interview views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clients.models import Client

from .models import PlanAction, PlanVersion
from .services import actions_with_referrals

_COMPARED_FIELDS = (
    "goal",
    "goal_details",
    "applications_per_month",
    "follow_up",
    "strengths",
    "needs",
)


@dataclass
class VersionChanges:
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # label, before, after
    added: list[PlanAction] = field(default_factory=list)
    changed: list[tuple[PlanAction, PlanAction]] = field(default_factory=list)  # before, after
    removed: list[PlanAction] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.added or self.changed or self.removed)


def _display(version: PlanVersion, name: str) -> str:
    getter = getattr(version, f"get_{name}_display", None)
    value = getter() if getter else getattr(version, name)
    return str(value) if value not in (None, "") else "–"


def version_changes(older: PlanVersion | None, newer: PlanVersion) -> VersionChanges:
    """What `newer` changed against `older` (actions are matched by type and description).

    Uses the prefetched actions only: no queries.
    """
    changes = VersionChanges()
    if older is None:
        changes.added = list(newer.actions.all())
        return changes
    for name in _COMPARED_FIELDS:
        if getattr(older, name) != getattr(newer, name):
            label = str(PlanVersion._meta.get_field(name).verbose_name)
            changes.fields.append((label, _display(older, name), _display(newer, name)))
    before = {(a.kind, a.description.strip().lower()): a for a in older.actions.all()}
    for action in newer.actions.all():
        previous = before.pop((action.kind, action.description.strip().lower()), None)
        if previous is None:
            changes.added.append(action)
        elif (previous.status, previous.due_date, previous.outcome) != (
            action.status,
            action.due_date,
            action.outcome,
        ):
            changes.changed.append((previous, action))
    changes.removed = list(before.values())
    return changes


def plan_history(client: Client) -> list[tuple[PlanVersion, VersionChanges]]:
    """All versions, newest first, each with what it changed: two queries in all (the
    actions come with the referrals they stand for)."""
    versions = list(
        PlanVersion.objects.filter(plan__client=client)
        .select_related("author", "interview")
        .prefetch_related(actions_with_referrals())
        .order_by("-number")
    )
    return [
        (version, version_changes(versions[i + 1] if i + 1 < len(versions) else None, version))
        for i, version in enumerate(versions)
    ]
