"""Reads of partner work that build pages: the closing reports an adviser has to review."""

from __future__ import annotations

from django.db.models import QuerySet

from clients.models import Client

from .models import Referral


def closing_reports_to_review(*, clients: QuerySet[Client]) -> QuerySet[Referral]:
    """Referrals of these clients whose partner filed a closing report that no adviser has
    reviewed yet, oldest first, with the client, partner and service."""
    return (
        Referral.objects.filter(client__in=clients, needs_review=True)
        .select_related("client", "partner", "service")
        .order_by("ended_at", "id")
    )
