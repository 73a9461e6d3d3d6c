"""Validating one row of an import file against the teams the importing user may see."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from clients import identity
from clients.models import Language, Status
from interviews.choices import Channel
from plans.models import Goal
from teams import policy
from teams.models import Membership, Team

from .parsing import COLUMNS, Table
from .report import ImportResult, RowError

EMAIL_MAX_LENGTH = 254  # Client.email's column

STATUS_ALIASES = {
    "työtön": Status.UNEMPLOYED,
    "lomautettu": Status.LAID_OFF,
    "osa-aikatyössä": Status.PART_TIME,
    "palvelussa": Status.IN_SERVICE,
    "työllistynyt": Status.EMPLOYED,
    "työssä": Status.EMPLOYED,
    "ei työnhakija": Status.NOT_JOB_SEEKER,
}
CHANNEL_ALIASES = {
    "puhelin": Channel.PHONE,
    "kasvokkain": Channel.FACE_TO_FACE,
    "face to face": Channel.FACE_TO_FACE,
    "video": Channel.VIDEO,
}
GOAL_ALIASES = {
    "työ": "work",
    "koulutus": "training",
    "yritystoiminta": "business",
    "kuntoutus": "rehabilitation",
    "muu": "other",
}


@dataclass(slots=True)
class ValidRow:
    row: int
    code: str
    first_name: str
    last_name: str
    team: Team
    status: str
    registered_on: dt.date
    status_since: dt.date
    language: str
    email: str
    phone: str
    last_interview_on: dt.date | None
    last_interview_channel: str
    plan_goal: str
    adviser_id: int | None = None


def _text(value) -> str:
    if value is None:
        return ""
    if value.__class__ is str:  # every CSV cell: the common case first
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@functools.lru_cache(maxsize=4096)
def _date_from_text(text: str) -> dt.date | None:
    """A date written as 2024-03-01 or 1.3.2024; None if it is not one. Cached: a file
    repeats the same few thousand dates."""
    try:
        if "." in text:  # Finnish: 1.3.2024
            day, month, year = (int(p) for p in text.split("."))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date(value, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    day = _date_from_text(text)
    if day is None:
        raise ValidationError(
            _("%(column)s: “%(value)s” is not a date (use 2024-03-01 or 1.3.2024).")
            % {"column": column, "value": text[:20]}
        )
    return day


def _lookup(choices, aliases: dict) -> tuple[dict[str, str], str]:
    """Values, labels (in the current language) and aliases, lower-cased, to a value."""
    table = {str(label).lower(): str(v) for v, label in choices.choices}
    table.update({k: str(v) for k, v in aliases.items()})
    table.update({v.lower(): str(v) for v in choices.values})
    return table, ", ".join(choices.values)


def _choice(value: str, lookup: tuple[dict[str, str], str], column: str) -> str:
    found = lookup[0].get(value.strip().lower())
    if not found:
        raise ValidationError(
            _("%(column)s: “%(value)s” is not one of %(allowed)s.")
            % {"column": column, "value": value[:30], "allowed": lookup[1]}
        )
    return found


class RowValidator:
    """Validates rows against the teams the importing user may see (loaded once)."""

    def __init__(self, user: AbstractBaseUser, today: dt.date):
        self.statuses = _lookup(Status, STATUS_ALIASES)
        self.channels = _lookup(Channel, CHANNEL_ALIASES)
        self.goals = _lookup(Goal, GOAL_ALIASES)
        self.languages = _lookup(Language, {"suomi": "fi", "ruotsi": "sv", "svenska": "sv"})
        self.today = today
        self.teams_by_id: dict[str, Team] = {}
        self.teams_by_name: dict[str, list[Team]] = {}
        for team in policy.teams_visible_to(user):  # with service_line__office
            self.teams_by_id[str(team.pk)] = team
            self.teams_by_name.setdefault(team.name.strip().lower(), []).append(team)
        # The members of those teams, by username and by full name: (user id, team id).
        self.advisers: dict[str, list[tuple[int, int]]] = {}
        members = Membership.objects.filter(
            team__in=self.teams_by_id.values(), user__is_active=True
        ).values_list("user_id", "team_id", "user__username", "user__first_name", "user__last_name")
        for user_id, team_id, username, first, last in members:
            for key in {username.lower(), f"{first} {last}".strip().lower()} - {""}:
                self.advisers.setdefault(key, []).append((user_id, team_id))

    def adviser(self, value: str, team: Team | None) -> int | None:
        """The responsible adviser named in the row (username or full name), who must be a
        member of the row's team; None when the cell is empty."""
        if not value:
            return None
        found = self.advisers.get(" ".join(value.split()).lower(), [])
        if not found:
            raise ValidationError(
                _("adviser: “%(value)s” is not a member of a team you can import into.")
                % {"value": value[:50]}
            )
        if len({user_id for user_id, _team in found}) > 1:
            raise ValidationError(
                _("adviser: more than one person is called “%(value)s”; use the username.")
                % {"value": value[:50]}
            )
        user_id, team_id = found[0]
        if team is not None and team_id != team.pk:
            raise ValidationError(
                _("adviser: “%(value)s” is not a member of the team “%(team)s”.")
                % {"value": value[:50], "team": team.name}
            )
        return user_id

    def team(self, value: str) -> Team:
        if not value:
            raise ValidationError(_("team is missing."))
        found = self.teams_by_name.get(value.lower(), [])
        if len(found) > 1:
            raise ValidationError(
                _("team: more than one team is called “%(value)s”; use the team's number.")
                % {"value": value}
            )
        team = found[0] if found else self.teams_by_id.get(value)
        if team is None:
            raise ValidationError(
                _("team: “%(value)s” is not a team you can import into.") % {"value": value[:50]}
            )
        return team

    def validate(self, row_number: int, columns: list[str], cells: list) -> ValidRow | RowError:
        """One row: a ValidRow, or a RowError with every problem found in it."""
        raw = dict.fromkeys(COLUMNS)
        for name, cell in zip(columns, cells, strict=False):
            if name:
                raw[name] = cell
        code = identity.normalize(_text(raw["personal_identity_code"]))
        masked = identity.mask(code) if len(code) == 11 else ""
        problems: list[str] = []

        def check(fn, *args):
            try:
                return fn(*args)
            except ValidationError as exc:
                problems.extend(exc.messages)
                return None

        if not code:
            problems.append(_("personal identity code is missing."))
        elif not identity.is_valid_hetu(code):
            check(identity.validate_hetu, code)  # for the reason
        first_name = _text(raw["first_name"])[:101]
        last_name = _text(raw["last_name"])[:101]
        if not first_name or not last_name:
            problems.append(_("first and last name are required."))
        elif len(first_name) > 100 or len(last_name) > 100:
            problems.append(_("a name is longer than 100 characters."))
        team = check(self.team, _text(raw["team"]))
        status_text = _text(raw["status"])
        status = check(_choice, status_text, self.statuses, "status") if status_text else None
        if not status_text:
            problems.append(_("status is missing."))
        registered_on = check(_date, raw["registered_on"], "registered_on")
        if registered_on is None and not any(p.startswith("registered_on") for p in problems):
            problems.append(_("registered_on is missing."))
        status_since = check(_date, raw["status_since"], "status_since") or registered_on
        for name, day in (("registered_on", registered_on), ("status_since", status_since)):
            if day and day > self.today:
                problems.append(_("%(column)s is in the future.") % {"column": name})
        if registered_on and status_since and status_since < registered_on:
            problems.append(_("status_since is before registered_on."))
        language_text = _text(raw["language"])
        language = (
            check(_choice, language_text, self.languages, "language")
            if language_text
            else Language.FI
        )
        email = _text(raw["email"])
        if email:
            try:
                if len(email) > EMAIL_MAX_LENGTH:  # the database would refuse the import
                    raise ValidationError("")
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("email: “%(value)s” is not an e-mail address.") % {"value": email[:60]}
                )
        phone = _text(raw["phone"])
        if len(phone) > 32:
            problems.append(_("phone is longer than 32 characters."))
        last_on = check(_date, raw["last_interview_on"], "last_interview_on")
        channel_text = _text(raw["last_interview_channel"])
        channel = (
            check(_choice, channel_text, self.channels, "last_interview_channel")
            if channel_text
            else ""
        )
        if last_on and last_on > self.today:
            problems.append(_("last_interview_on is in the future."))
        if last_on and not channel_text:
            problems.append(_("last_interview_channel is required with last_interview_on."))
        if channel_text and not last_on:
            problems.append(_("last_interview_channel is given without last_interview_on."))
        goal_text = _text(raw["plan_goal"])
        goal = check(_choice, goal_text, self.goals, "plan_goal") if goal_text else ""
        adviser_id = check(self.adviser, _text(raw["adviser"]), team)
        if problems:
            return RowError(row_number, masked, " ".join(str(p) for p in problems))
        return ValidRow(
            row=row_number,
            code=code,
            first_name=first_name,
            last_name=last_name,
            team=team,
            status=status,
            registered_on=registered_on,
            status_since=status_since,
            language=language,
            email=email,
            phone=phone,
            last_interview_on=last_on,
            last_interview_channel=channel or "",
            plan_goal=goal or "",
            adviser_id=adviser_id,
        )


def _is_blank(cells: list) -> bool:
    return all(_text(c) == "" for c in cells)


def validated_rows(
    table: Table, validator: RowValidator, result: ImportResult
) -> Iterator[ValidRow]:
    """Yield every valid row; record every rejected one. (Duplicates are found in the stage.)"""
    for number, cells in table.rows:
        if _is_blank(cells):
            continue
        result.rows_total += 1
        row = validator.validate(number, table.columns, cells)
        if isinstance(row, RowError):
            result.reject(row)
            continue
        yield row
