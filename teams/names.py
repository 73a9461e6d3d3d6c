"""How a person is named on pages and in reports: import-free, so any layer may use it."""

from __future__ import annotations


def display_name(first: str | None, last: str | None, username: str | None) -> str:
    """First and last name, or the username when both are empty."""
    return f"{first or ''} {last or ''}".strip() or (username or "")
