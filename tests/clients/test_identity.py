from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from clients import identity
from clients.models import Client
from tests.conftest import make_client

VALID_CODES = {
    # Each century sign in use since 2023.
    "-": "131052-308T",
    "Y": "131052Y308T",
    "X": "131052X308T",
    "W": "131052W308T",
    "V": "131052V308T",
    "U": "131052U308T",
    "A": "010105A1230",
    "B": "010105B1230",
    "C": "010105C1230",
    "D": "010105D1230",
    "E": "010105E1230",
    "F": "010105F1230",
    "+": "010199+123X",
}

INVALID = {
    "131052-308U": "checksum",  # wrong check character
    "310299-1234": "component",  # 31 February
    "290223-123H": "component",  # 29 Feb 1923 (not a leap year)
    "131052-000T": "component",  # individual number 000
    "010181-900C": "component",  # temporary number 900–999
    "131052308T": "format",  # too short (no century sign)
    "131052-308TT": "format",  # too long
    "131052G308T": "format",  # unknown century sign
    "131052-308t": "format",  # lower case is not a stored code
    "": "format",
    "13105-2308T": "format",
}


@pytest.mark.parametrize("sign,code", VALID_CODES.items())
def test_every_century_sign_is_accepted(sign, code):
    code = code[:10] + identity.CHECK_CHARACTERS[int(code[:6] + code[7:10]) % 31]
    identity.validate_hetu(code)
    assert identity.birth_date(code).year // 100 * 100 == identity.CENTURY[sign]


@pytest.mark.parametrize("code,reason", INVALID.items())
def test_invalid_codes_are_refused_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as exc:
        identity.validate_hetu(code)
    assert exc.value.code == reason


def test_normalize_upper_cases_and_trims_what_a_person_typed():
    assert identity.normalize("  131052-308t ") == "131052-308T"
    identity.validate_hetu(identity.normalize("131052-308t"))


def test_birth_date_and_mask():
    assert identity.birth_date("131052-308T") == dt.date(1952, 10, 13)
    assert identity.birth_date("010105B123X") == dt.date(2005, 1, 1)
    assert identity.mask("131052-308T") == "131052-****"


def test_make_hetu_makes_valid_codes():
    for day in (dt.date(1899, 12, 31), dt.date(1960, 2, 29), dt.date(2004, 7, 1)):
        for individual in (2, 123, 899):
            code = identity.make_hetu(day, individual)
            identity.validate_hetu(code)
            assert identity.birth_date(code) == day


def _passes(code: str) -> bool:
    try:
        identity.validate_hetu(code)
    except ValidationError:
        return False
    return True


def test_the_fast_check_agrees_with_the_validator():
    """is_valid_hetu (the import's) says yes exactly where validate_hetu (stdnum) does."""
    rng = random.Random(3)
    alphabet = "0123456789-+ABCDEFUVWXYGHJKLMNPRSTZ a"
    codes = [*VALID_CODES.values(), *INVALID]
    for _ in range(20000):
        born = dt.date(1850, 1, 1) + dt.timedelta(days=rng.randint(0, 70000))
        code = list(identity.make_hetu(born, rng.randint(2, 899)))
        for _change in range(rng.choice([0, 0, 1, 2])):
            code[rng.randrange(11)] = rng.choice(alphabet)
        codes.append("".join(code))
        codes.append("".join(rng.choice("0123456789") for _ in range(6)) + rng.choice("-+AG"))
        codes[-1] += f"{rng.randint(0, 999):03d}" + rng.choice(identity.CHECK_CHARACTERS + "GZ")
    assert sum(map(_passes, codes)) > 5000  # both kinds are well represented
    assert [c for c in codes if identity.is_valid_hetu(c) != _passes(c)] == []


# --- The database refuses bad rows even when the ORM's validation is bypassed ----------


def _insert(team, code: str, born: dt.date, **extra) -> None:
    with transaction.atomic():
        Client.objects.bulk_create(
            [
                Client(
                    personal_identity_code=code,
                    first_name="A",
                    last_name="B",
                    birth_date=born,
                    team=team,
                    status=extra.get("status", "unemployed"),
                    status_since=dt.date(2020, 1, 1),
                    registered_on=dt.date(2020, 1, 1),
                    language=extra.get("language", "fi"),
                )
            ]
        )


def test_database_accepts_a_good_row(team_a):
    _insert(team_a, "131052-308T", dt.date(1952, 10, 13))
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    "code,born,extra",
    [
        ("131052-308U", dt.date(1952, 10, 13), {}),  # check character
        ("131052-308t", dt.date(1952, 10, 13), {}),  # lower case
        ("131052_308T", dt.date(1952, 10, 13), {}),  # century sign
        ("131052-308T", dt.date(1952, 10, 14), {}),  # birth date does not match the code
        ("131052-308T", dt.date(2052, 10, 13), {}),  # century does not match the sign
        ("131052-308T", dt.date(1952, 10, 13), {"status": "on_holiday"}),
        ("131052-308T", dt.date(1952, 10, 13), {"language": "xx"}),
    ],
)
def test_database_rejects_bad_rows_when_orm_validation_is_bypassed(team_a, code, born, extra):
    with pytest.raises(IntegrityError):
        _insert(team_a, code, born, **extra)
    assert Client.objects.count() == 0


def test_database_rejects_a_duplicate_code(team_a):
    make_client(team_a, personal_identity_code="131052-308T")
    with pytest.raises(IntegrityError):
        _insert(team_a, "131052-308T", dt.date(1952, 10, 13))


def test_database_rejects_raw_sql_with_an_impossible_check_character(team_a):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO clients_client (personal_identity_code, first_name, last_name, "
            "birth_date, language, email, phone, address, status, status_since, registered_on, "
            "team_id, last_channel, due_state, created_at, updated_at) VALUES "
            "('131052-308A', 'A', 'B', '1952-10-13', 'fi', '', '', '', 'unemployed', "
            "'2020-01-01', '2020-01-01', %s, '', 'ok', '2020-01-01', '2020-01-01')",
            [team_a.pk],
        )
