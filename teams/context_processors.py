from __future__ import annotations

from . import policy


def membership(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    member = policy.membership_of(user)
    return {
        "membership": member,
        "is_manager": policy.is_manager(user),
        "may_see_reports": policy.may_see_reports(user),
        "may_search_access_log": policy.may_search_access_log(user),
    }
