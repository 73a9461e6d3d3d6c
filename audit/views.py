"""The access-log search for managers: "who viewed this client last month"."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.mail import mailers
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clients.models import Client
from notifications import delivery
from teams import policy

from .forms import (
    AccessLogSearchForm,
    ClientByIdentityCodeForm,
    TruthfulPasswordResetForm,
    last_month,
    this_month,
)
from .models import AccessLog
from .services import access_action_for, access_record


def _require_manager(request: HttpRequest) -> None:
    if not policy.may_search_access_log(request.user):
        raise PermissionDenied(_("Only managers can search the access log."))


def _ranges() -> list[tuple[str, str, str]]:
    """Shortcuts for the date fields: (label, since, until) as ISO dates."""
    today = timezone.localdate()
    last_start, last_end = last_month(today)
    this_start, this_end = this_month(today)
    return [
        (_("Last month"), last_start.isoformat(), last_end.isoformat()),
        (_("This month"), this_start.isoformat(), this_end.isoformat()),
    ]


@require_GET
def access_log_search(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = AccessLogSearchForm(request.GET or None)
    rows = AccessLog.objects.visible_to(request.user)
    client = None
    if form.is_valid():
        data = form.cleaned_data
        if data["client"]:
            client = (
                Client.objects.visible_to(request.user)
                .select_related("team")
                .filter(pk=data["client"])
                .first()
            )
            if client is None:
                form.add_error("client", _("No such client among the teams you follow."))
                rows = rows.none()
            else:
                rows = AccessLog.objects.visible_to(request.user, client_visible=True).for_client(
                    client.pk
                )
        if data["user"]:
            user = get_user_model().objects.filter(username=data["user"]).first()
            if user is None:
                form.add_error("user", _("No such user."))
                rows = rows.none()
            else:
                rows = rows.filter(user=user)
        rows = rows.between(data["since"], data["until"])
    elif form.is_bound:
        rows = rows.none()
    page = Paginator(rows.select_related("user").order_by("-at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    # Client names for the rows shown, in one query, and only of clients the manager may see.
    shown_ids = {cid for row in page for cid in row.first_client_ids(20)}
    names = {
        pk: f"{last}, {first}"
        for pk, first, last in Client.objects.visible_to(request.user)
        .filter(pk__in=shown_ids)
        .values_list("pk", "first_name", "last_name")
    }
    for row in page:
        row.shown = [(cid, names.get(cid)) for cid in row.first_client_ids(20)]
    if client is not None:
        access_record(request=request, clients=[client], action=access_action_for(request))
    return render(
        request,
        "audit/access_log.html",
        {
            "form": form,
            "page": page,
            "client": client,
            "find_form": ClientByIdentityCodeForm(),
            "ranges": _ranges(),
        },
    )


@require_POST
def access_log_find_client(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ClientByIdentityCodeForm(request.POST)
    if form.is_valid():
        client = (
            Client.objects.visible_to(request.user)
            .filter(personal_identity_code=form.cleaned_data["personal_identity_code"])
            .only("pk")
            .first()
        )
        if client is not None:
            return redirect(f"{reverse('audit:access_log')}?client={client.pk}")
        form.add_error(
            "personal_identity_code", _("No client with that code among the teams you follow.")
        )
    return render(
        request,
        "audit/access_log.html",
        {
            "form": AccessLogSearchForm(),
            "page": None,
            "client": None,
            "find_form": form,
            "ranges": _ranges(),
        },
        status=400,
    )


# --- Password reset: the page says whether a mail was sent --------------------------------

password_reset_log = logging.getLogger("teoffice.password_reset")
NO_MAIL_HERE = gettext_lazy(
    "This installation does not send e-mail, so no reset link can be sent. Ask your team "
    "lead or the administrator to set a new password."
)
MAIL_FAILED = gettext_lazy(
    "The e-mail could not be sent just now, so no reset link is on its way. Try again "
    "later, or ask your team lead or the administrator to set a new password."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, truthful about the e-mail.

    - The mail backend only writes to the log (notifications.delivery; a console backend
      chosen with ALLOW_CONSOLE_NOTIFICATIONS): nothing is sent, since a reset link in the
      log hands the account to whoever reads it, and the page says e-mail is not sent here.
    - The mail server cannot be reached (checked before looking the address up, so the
      answer does not tell whether an account has that address) or refuses the mail: the
      page says the mail was not sent.
    Either way the page answers 503 and asks the person to contact their team lead."""

    form_class = TruthfulPasswordResetForm

    def form_valid(self, form):
        if not (delivery.backends().mail_delivers or settings.DEBUG or settings.TESTING):
            return self._not_sent(form, "mail backend only writes to the log", NO_MAIL_HERE)
        try:
            with mailers.default as connection:
                form.connection = connection
                return super().form_valid(form)
        except (smtplib.SMTPException, OSError) as exc:
            return self._not_sent(form, type(exc).__name__, MAIL_FAILED)

    def _not_sent(self, form, reason: str, message) -> HttpResponse:
        password_reset_log.warning("password reset mail not sent: %s", reason)
        form.add_error("email", message)
        return self.render_to_response(self.get_context_data(form=form), status=503)
