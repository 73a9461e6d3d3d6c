from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from teams import policy

from .models import Client


def get_client_for_user(request: HttpRequest, pk: int) -> Client:
    """The one way pages load a client: the access policy, then 404 for anything else."""
    return get_object_or_404(
        policy.clients_visible_to(request.user).select_related(
            "team__service_line__office", "responsible_adviser"
        ),
        pk=pk,
    )


@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    clients = (
        policy.clients_visible_to(request.user).with_list_columns().order_by("next_due_date", "id")
    )
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    return render(request, "clients/caseload.html", {"page": page})


@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_user(request, pk)
    return render(request, "clients/detail.html", {"client": client})
