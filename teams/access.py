"""The gate: the one place that enforces the access policy on records that hold client data.

`teams/policy.py` decides who may see which teams' clients and who may work with them; this
module applies that decision to any record. Every page, htmx partial, API view, export, admin
page and template loads and checks a client's record here, so a view cannot forget a check:

- `scoped(user, queryset)`: only the rows the user may see (lists, exports, related fields);
- `record_for(user, queryset, pk=…)`: one row the user may see, or 404 ("not yours" and "does
  not exist" look the same); with `work=True` also 403 unless the user may work with it;
- `may_see` / `may_work_with` / `require_work_with`: the same questions about a loaded record.

A model says how its rows reach their client with a `client_path` class attribute ("" for the
client itself, "client" for an interview, "plan__client" for a plan version …); the client's
team decides. This module knows no other app's models, so every app may ask it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from . import policy

# The largest id a bigint primary key can hold: a larger one is "no such record" (404), not a
# database error.
MAX_ID = 2**63 - 1

WORK_DENIED = gettext_lazy("Only the client's team can do this.")


def client_path(model: type[Model]) -> str:
    """The lookup path from `model` to its client ("" for the client); an undeclared model is
    an error, never "visible to all"."""
    try:
        return model.client_path
    except AttributeError:
        raise TypeError(f"{model.__name__} does not declare client_path") from None


def team_lookup(model: type[Model]) -> str:
    """The lookup from `model` to the client's team id, e.g. "plan__client__team_id"."""
    path = client_path(model)
    return f"{path}__team_id" if path else "team_id"


def visible_q(user: policy.User, model: type[Model]) -> Q:
    """A filter over `model` for the rows whose client `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(**{f"{team_lookup(model)}__in": policy.team_ids_visible_to(user)})


def scoped[M: Model](user: policy.User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` whose client `user` may see."""
    return queryset.filter(visible_q(user, queryset.model))


def record_for[M: Model](
    user: policy.User,
    queryset: QuerySet[M],
    *,
    work: bool = False,
    denied: str | None = None,
    **lookup: Any,
) -> M:
    """The one row of `queryset` that `lookup` picks, if `user` may see it; otherwise 404.

    With `work=True` the user must also be able to work with it (the client's team), else
    PermissionDenied with `denied` as the reason.
    """
    for value in lookup.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise Http404
    record = get_object_or_404(scoped(user, queryset), **lookup)
    if work:
        require_work_with(user, record, denied)
    return record


def client_id_of(record: Model) -> int:
    """The id of the client `record` belongs to, without a query."""
    path = client_path(type(record))
    if not path:
        return record.pk
    *hops, last = path.split("__")
    for hop in hops:
        record = getattr(record, hop)
    return getattr(record, f"{last}_id")


def team_id_of(record: Model) -> int:
    """The id of the team of the client `record` belongs to."""
    path = client_path(type(record))
    for hop in path.split("__") if path else ():
        record = getattr(record, hop)
    return record.team_id


def may_see(user: policy.User, record: Model) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or team_id_of(record) in policy.team_ids_visible_to(user)


def may_work_with(user: policy.User, record: Model) -> bool:
    """Log interviews, book appointments, revise plans, refer: the client's team only."""
    return policy.can_work_with_team(user, team_id_of(record))


def require_work_with(user: policy.User, record: Model, denied: str | None = None) -> None:
    if not may_work_with(user, record):
        raise PermissionDenied(denied or WORK_DENIED)


def may_reveal_identity_code(user: policy.User, client: Model) -> bool:
    """The full personal identity code: only those who serve the client (its team) and
    administrators; everyone else who may see the client sees it masked."""
    return may_work_with(user, client)
