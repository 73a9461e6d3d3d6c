"""Writes to clients: creation, status changes, the due columns and moving clients between
advisers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ChangeEvent, ChangeEventKind
from audit.services import change_record, changes_between, changes_record, field_labels
from interviews import rules, rulesets
from teams import access
from teams.models import Membership, Team
from teams.policy import can_move_between_teams
from teoffice.idempotency import first_with_key
from teoffice.signals import history_changed

from . import identity
from .models import Assignment, Client, Language, Status, StatusChange
from .selectors import office_schedule_of_team


def client_due_refresh(*, client: Client, today: dt.date | None = None) -> None:
    """Recompute one client's next-due date and due state at once (not only nightly), from
    its status and its last held interview as the client row has them (the caller sets
    last_held_on and last_channel), under the rule sets of its office."""
    today = today or timezone.localdate()
    client.next_due_date = rules.next_due_date(
        status=client.status,
        status_since=client.cycle_start,
        last_held_on=client.last_held_on,
        schedule=office_schedule_of_team(team_id=client.team_id),
    )
    client.due_state = rules.due_state(client.next_due_date, today)
    if client.next_due_date is None:  # the cycle's start is kept only while it is used
        client.cycle_since = None
    client.save(
        update_fields=[
            "last_held_on",
            "last_channel",
            "cycle_since",
            "next_due_date",
            "due_state",
            "updated_at",
        ]
    )


def _cycle_since(client: Client) -> dt.date | None:
    """The start of the client's job-search cycle from its status history (re-entry:
    interviews.rules.cycle_start), None when it is the status start."""
    schedule = office_schedule_of_team(team_id=client.team_id)
    changes = list(
        client.status_changes.order_by("effective_on", "id").values_list(
            "effective_on", "new_status"
        )
    )
    start = rules.cycle_start(changes, lambda day: rulesets.in_force(schedule, day))
    return None if start in (None, client.status_since) else start


@transaction.atomic
def client_create(
    *,
    personal_identity_code: str,
    first_name: str,
    last_name: str,
    team: Team,
    status: str = Status.UNEMPLOYED,
    registered_on: dt.date | None = None,
    status_since: dt.date | None = None,
    responsible_adviser: AbstractBaseUser | None = None,
    language: str = "fi",
    email: str = "",
    phone: str = "",
    address: str = "",
    created_by: AbstractBaseUser | None = None,
) -> Client:
    code = identity.normalize(personal_identity_code)
    identity.validate_hetu(code)
    registered_on = registered_on or timezone.localdate()
    client = Client(
        personal_identity_code=code,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=identity.birth_date(code),
        team=team,
        status=status,
        registered_on=registered_on,
        status_since=status_since or registered_on,
        responsible_adviser=responsible_adviser,
        language=language,
        email=email,
        phone=phone,
        address=address,
    )
    client.full_clean()
    client.save()
    StatusChange.objects.create(
        client=client, new_status=status, effective_on=client.status_since, changed_by=created_by
    )
    client_due_refresh(client=client)
    history_changed.send(sender=Client, since=client.status_since, client_ids=[client.pk])
    recorded = ["first_name", "last_name", "status", "registered_on", "team", "responsible_adviser"]
    change_record(
        client=client,
        kind=ChangeEventKind.CLIENT_CREATED,
        changed_by=created_by,
        changes=changes_between(
            {},
            {
                **{f: getattr(client, f) for f in recorded},
                "status": client.status,  # a key: the history translates it when read
            },
            labels=field_labels(Client, recorded),
        ),
    )
    return client


class ClientExists(ValidationError):
    """The identity code is already a client's. `client` is that client when the user may
    see it (the page opens it); otherwise None, and the message does not say whose."""

    def __init__(self, client: Client | None) -> None:
        self.client = client
        if client is None:
            message = _("This person is already a client of another team.")
        else:
            message = _("This person is already a client: %(name)s.") % {"name": client.full_name}
        super().__init__({"personal_identity_code": [message]}, code="exists")


_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,30}")


def _contact_check(*, phone: str, email: str) -> None:
    if phone and not _PHONE.fullmatch(phone):
        raise ValidationError(
            {"phone": _("Enter a phone number in digits, e.g. +358 40 123 4567.")}
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None


@transaction.atomic
def client_register(
    *,
    user: AbstractBaseUser,
    personal_identity_code: str,
    first_name: str,
    last_name: str,
    team: Team,
    responsible_adviser: AbstractBaseUser | None = None,
    language: str = "fi",
    status: str = Status.UNEMPLOYED,
    registered_on: dt.date | None = None,
    email: str = "",
    phone: str = "",
    address: str = "",
) -> Client:
    """Register a new client in `team` (the browser's form and the API alike).

    1. The identity code must be valid (python-stdnum's hetu).
    2. A code that is already a client's raises ClientExists: with the client when `user`
       may see it, else without saying whose.
    3. Only a member of `team` registers its clients (PermissionDenied); the responsible
       adviser must be a member of it too.
    4. The registration date is not in the future nor before the birth date.
    """
    code = identity.normalize(personal_identity_code)
    try:
        identity.validate_hetu(code)
    except ValidationError as error:
        raise ValidationError({"personal_identity_code": error.messages}) from None
    existing = Client.objects.filter(personal_identity_code=code).first()
    if existing is not None:
        raise ClientExists(access.scoped(user, Client.objects.filter(pk=existing.pk)).first())
    if not access.may_work_with(user, Client(team=team)):
        raise PermissionDenied(_("Only members of the team can add its clients."))
    if (
        responsible_adviser is not None
        and not Membership.objects.filter(user=responsible_adviser, team=team).exists()
    ):
        raise ValidationError(
            {"responsible_adviser": [_("The adviser is not a member of that team.")]}
        )
    today = timezone.localdate()
    registered_on = registered_on or today
    if registered_on > today:
        raise ValidationError({"registered_on": _("A registration date cannot be in the future.")})
    if registered_on < identity.birth_date(code):
        raise ValidationError(
            {"registered_on": _("A registration date cannot be before the birth date.")}
        )
    _contact_check(phone=phone.strip(), email=email.strip())
    try:
        with transaction.atomic():
            return client_create(
                personal_identity_code=code,
                first_name=first_name,
                last_name=last_name,
                team=team,
                status=status,
                registered_on=registered_on,
                responsible_adviser=responsible_adviser,
                language=language,
                email=email.strip(),
                phone=phone.strip(),
                address=address.strip(),
                created_by=user,
            )
    except IntegrityError:
        # Registered at the same moment by someone else: the unique code decided.
        existing = Client.objects.filter(personal_identity_code=code).first()
        if existing is None:
            raise
        raise ClientExists(
            access.scoped(user, Client.objects.filter(pk=existing.pk)).first()
        ) from None


_CONTACT_FIELDS = ["first_name", "last_name", "language", "phone", "email", "address"]


@transaction.atomic
def client_contact_update(
    *,
    client: Client,
    changed_by: AbstractBaseUser,
    first_name: str,
    last_name: str,
    language: str,
    phone: str,
    email: str,
    address: str,
) -> Client:
    """Change the client's name, preferred language and contact details; what changed goes
    into the history (one event, nothing when nothing changed)."""
    if language not in Language.values:
        raise ValidationError({"language": _("Unknown language.")})
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "language": language,
        "phone": phone.strip(),
        "email": email.strip(),
        "address": address.strip(),
    }
    for field in ("first_name", "last_name"):
        if not values[field]:
            raise ValidationError({field: _("A name cannot be empty.")})
    _contact_check(phone=values["phone"], email=values["email"])

    def shown(c: Client) -> dict:
        return {f: getattr(c, f) for f in _CONTACT_FIELDS} | {"language": c.get_language_display()}

    before = shown(client)
    for field, value in values.items():
        setattr(client, field, value)
    changes = changes_between(before, shown(client), labels=field_labels(Client, _CONTACT_FIELDS))
    if not changes:
        return client
    client.save(update_fields=[*_CONTACT_FIELDS, "updated_at"])
    change_record(
        client=client, kind=ChangeEventKind.CLIENT_CHANGED, changed_by=changed_by, changes=changes
    )
    return client


@transaction.atomic
def client_status_change(
    *,
    client: Client,
    status: str,
    effective_on: dt.date,
    changed_by: AbstractBaseUser,
    submission_key: uuid.UUID | None = None,
) -> Client:
    """Change the job-seeker status; the due date follows from the rule for the new status.

    One change per intent: a repeated `submission_key` changes nothing more, and the client
    row is locked so that two changes at once see each other (the second to the same status
    is a no-op)."""
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if effective_on > timezone.localdate():
        raise ValidationError({"effective_on": _("A status change cannot start in the future.")})
    current = Client.objects.select_for_update().only("status", "status_since").get(pk=client.pk)
    client.status, client.status_since = current.status, current.status_since
    if first_with_key(StatusChange, submission_key) is not None:
        return client
    if effective_on < client.registered_on:
        raise ValidationError(
            {"effective_on": _("A status cannot start before the client registered.")}
        )
    if effective_on < client.status_since:
        # The history must stay a sequence: a new status starts on or after the current one.
        raise ValidationError(
            {"effective_on": _("A new status cannot start before the current status began.")}
        )
    if status == client.status:
        return client
    StatusChange.objects.create(
        client=client,
        old_status=client.status,
        new_status=status,
        effective_on=effective_on,
        changed_by=changed_by,
        submission_key=submission_key,
    )
    old = {"status": client.status, "status_since": client.status_since}
    client.status = status
    client.status_since = effective_on
    client.cycle_since = _cycle_since(client)
    client.save(update_fields=["status", "status_since", "cycle_since", "updated_at"])
    change_record(
        client=client,
        kind=ChangeEventKind.STATUS_CHANGED,
        changed_by=changed_by,
        changes=changes_between(
            old,
            {"status": client.status, "status_since": effective_on},
            labels=field_labels(Client, ["status", "status_since"]),
        ),
    )
    client_due_refresh(client=client)
    history_changed.send(sender=Client, since=effective_on, client_ids=[client.pk])
    return client


@transaction.atomic
def clients_reassign(
    *,
    client_ids: Iterable[int],
    to_adviser: AbstractBaseUser | None,
    to_team: Team,
    moved_by: AbstractBaseUser,
) -> int:
    """Move clients to another adviser (and team) in one action; every move is recorded.

    Set-based: one read, one bulk insert of Assignment rows, one UPDATE per source team.
    Raises PermissionDenied if the mover may not move any one of them.
    """
    if (
        to_adviser is not None
        and not Membership.objects.filter(user=to_adviser, team=to_team).exists()
    ):
        raise ValidationError({"to_adviser": _("The adviser is not a member of that team.")})
    clients = list(
        Client.objects.filter(pk__in=list(client_ids))
        .select_related("team")
        .select_for_update(of=("self",))
        .only("pk", "team", "responsible_adviser_id")
    )
    if not clients:
        return 0
    for team in {c.team for c in clients}:
        if not can_move_between_teams(moved_by, team, to_team):
            raise PermissionDenied(_("You may not move clients of %(team)s.") % {"team": team})
    batch = uuid.uuid4()
    _moves_record(clients=clients, to_team=to_team, to_adviser=to_adviser, moved_by=moved_by)
    Assignment.objects.bulk_create(
        Assignment(
            client_id=c.pk,
            from_team_id=c.team_id,
            to_team=to_team,
            from_adviser_id=c.responsible_adviser_id,
            to_adviser=to_adviser,
            moved_by=moved_by,
            batch=batch,
        )
        for c in clients
    )
    return Client.objects.filter(pk__in=[c.pk for c in clients]).update(
        team=to_team, responsible_adviser=to_adviser, updated_at=timezone.now()
    )


def _moves_record(
    *,
    clients: list[Client],
    to_team: Team,
    to_adviser: AbstractBaseUser | None,
    moved_by: AbstractBaseUser,
) -> None:
    """One change event per moved client, in one INSERT (the advisers' names in one query)."""
    from django.contrib.auth import get_user_model

    advisers = get_user_model().objects.in_bulk(
        {c.responsible_adviser_id for c in clients if c.responsible_adviser_id}
    )
    labels = field_labels(Client, ["team", "responsible_adviser"])
    changes_record(
        events=(
            ChangeEvent(
                client_id=c.pk,
                kind=ChangeEventKind.CLIENT_MOVED,
                changed_by=moved_by,
                changes=changes_between(
                    {"team": c.team, "responsible_adviser": advisers.get(c.responsible_adviser_id)},
                    {"team": to_team, "responsible_adviser": to_adviser},
                    labels=labels,
                ),
            )
            for c in clients
        )
    )
