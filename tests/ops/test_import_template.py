"""The import's template in the user's language, its translated column list, and the
optional adviser column (assigned when the adviser is in the row's team)."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from clients.models import Client
from importing.services import import_check, import_run
from tests.conftest import PASSWORD, make_user

from .test_import import HEADER, csv_bytes, row

pytestmark = pytest.mark.django_db
WITH_ADVISER = [*HEADER, "adviser"]


def _row(adviser: str, **over) -> list[str]:
    return [*row(**over), adviser]


def _check(manager, rows, header=WITH_ADVISER, sep=","):
    return import_check(
        user=manager,
        content=csv_bytes(rows, header=header, sep=sep),
        file_name="c.csv",
        source="command",
    )


def test_adviser_by_username_or_name_is_assigned_to_new_clients(manager, team_a, adviser):
    rows = [
        _row(adviser.username),
        _row(f" {adviser.first_name.upper()}  {adviser.last_name} "),
        _row(""),
    ]
    record = import_run(record=_check(manager, rows), user=manager)
    assert (record.created_count, record.rows_rejected) == (3, 0)
    advisers = dict(Client.objects.values_list("personal_identity_code", "responsible_adviser"))
    assert [advisers[r[0]] for r in rows] == [adviser.pk, adviser.pk, None]


def test_an_adviser_outside_the_rows_team_or_unknown_is_a_clear_row_error(
    manager, team_a, team_b, adviser, outsider
):
    rows = [
        _row(outsider.username),  # a member of team B, the row is for team A
        _row("nobody-such"),
        _row(outsider.username, team="Team B"),  # fine
    ]
    record = _check(manager, rows)
    assert record.rows_rejected == 2
    errors = [e["reason"] if isinstance(e, dict) else e for e in record.report["errors"]]
    text = " ".join(map(str, errors))
    assert f"adviser: “{outsider.username}” is not a member of the team “Team A”." in text
    assert "adviser: “nobody-such” is not a member of a team you can import into." in text


def test_same_name_twice_asks_for_the_username(manager, team_a, adviser):
    make_user("aino2", team=team_a, first_name=adviser.first_name, last_name=adviser.last_name)
    record = _check(manager, [_row(f"{adviser.first_name} {adviser.last_name}")])
    assert record.rows_rejected == 1 and "use the username" in str(record.report)


def test_finnish_and_swedish_headers_are_read(manager, team_a, adviser):
    from importing.parsing import template_headers

    for language in ("fi", "sv"):
        rows = [_row(adviser.username)]
        record = _check(manager, rows, header=template_headers(language), sep=";")
        assert (record.rows_total, record.rows_rejected) == (1, 0), record.report


@pytest.mark.parametrize(
    ("language", "first", "adviser"),
    [
        ("fi", "henkilötunnus", "asiantuntija"),
        ("sv", "personbeteckning", "sakkunnig"),
        ("en", "personal_identity_code", "adviser"),
    ],
)
def test_templates_are_in_the_users_language(client, manager, language, first, adviser):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.login(username=manager.username, password=PASSWORD)
    xlsx = client.get(reverse("clients_import:template_xlsx"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[0] == first and header[-1] == adviser and len(book.worksheets) == 2
    text = client.get(reverse("clients_import:template_csv")).content.decode("utf-8")
    sep = "," if language == "en" else ";"
    assert text.startswith("\ufeff") == (language != "en")
    assert next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep)) == header


def test_import_page_lists_the_columns_in_finnish(client, manager):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("clients_import:upload")).content.decode()
    table = page[page.index('id="import-columns"') :]
    assert (
        "<code>henkilötunnus</code>" in table and "(<code>personal_identity_code</code>)" in table
    )
    assert "<code>asiantuntija</code>" in table
    assert reverse("clients_import:template_xlsx") in page


def test_only_managers_get_the_template(client, adviser):
    client.login(username=adviser.username, password=PASSWORD)
    assert client.get(reverse("clients_import:template_csv")).status_code == 403
