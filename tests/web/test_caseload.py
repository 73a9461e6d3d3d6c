from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from clients.models import Status
from interviews.choices import Channel, DueState
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = reverse("clients:caseload")
FIND = reverse("clients:code_search")


def names(response) -> list[str]:
    return [c.last_name for c in response.context["page"].object_list]


@pytest.fixture
def caseload(team_a, adviser, teammate):
    today = timezone.localdate()
    return {
        "overdue": make_client(
            team_a,
            last_name="Overdue",
            responsible_adviser=adviser,
            last_held_on=today - dt.timedelta(days=120),
            last_channel=Channel.PHONE,
        ),
        "soon": make_client(
            team_a,
            last_name="Soon",
            responsible_adviser=teammate,
            last_held_on=today - dt.timedelta(days=85),
            last_channel=Channel.FACE_TO_FACE,
        ),
        "ok": make_client(
            team_a, last_name="Fine", first_name="Aino", last_held_on=today - dt.timedelta(days=10)
        ),
        "employed": make_client(team_a, last_name="Working", status=Status.EMPLOYED),
    }


def test_caseload_is_sorted_by_next_due_date_with_not_required_last(client, adviser, caseload):
    client.force_login(adviser)
    assert names(client.get(URL)) == ["Overdue", "Soon", "Fine", "Working"]


def test_caseload_shows_due_state_as_text_and_colour_class(client, adviser, caseload):
    client.force_login(adviser)
    html = client.get(URL).content.decode()
    assert '<span class="due due-overdue">Overdue</span>' in html
    assert '<span class="due due-due_soon">Due soon</span>' in html


def test_counts_per_due_state_follow_the_other_filters(client, adviser, caseload):
    client.force_login(adviser)
    counts = {v: n for v, _label, n, _q in client.get(URL).context["due_counts"]}
    assert counts == {"overdue": 1, "due_soon": 1, "ok": 1, "not_required": 1}
    response = client.get(URL, {"adviser": "mine", "due_state": "ok"})
    counts = {v: n for v, _label, n, _q in response.context["due_counts"]}
    assert counts == {"overdue": 1, "due_soon": 0, "ok": 0, "not_required": 0}
    assert names(response) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"due_state": DueState.OVERDUE}, ["Overdue"]),
        ({"status": Status.EMPLOYED}, ["Working"]),
        ({"adviser": "mine"}, ["Overdue"]),
        ({"adviser": "unassigned"}, ["Fine", "Working"]),
        ({"channel": Channel.FACE_TO_FACE}, ["Soon"]),
        ({"q": "fin"}, ["Fine"]),
        ({"q": "aino fine"}, ["Fine"]),
        ({"q": "aino soon"}, []),
        ({"due_state": DueState.DUE_SOON, "channel": Channel.PHONE}, []),
        ({"status": Status.UNEMPLOYED, "adviser": "unassigned"}, ["Fine"]),
    ],
)
def test_filters_combine(client, adviser, caseload, params, expected):
    client.force_login(adviser)
    assert names(client.get(URL, params)) == expected


def test_filter_by_a_teammate_by_id(client, adviser, teammate, caseload):
    client.force_login(adviser)
    assert names(client.get(URL, {"adviser": teammate.pk})) == ["Soon"]


def test_identity_code_search_is_exact_and_never_partial(client, adviser, caseload):
    client.force_login(adviser)
    code = caseload["soon"].personal_identity_code
    assert names(client.post(FIND, {"code": code.lower()})) == ["Soon"]
    response = client.post(FIND, {"code": code[:7]})
    assert names(response) == []
    assert response.context["code_form"].errors["code"]
    assert 'aria-invalid="true"' in response.content.decode()
    # Posted through htmx, only the results are swapped: they say why they are empty.
    fragment = client.post(FIND, {"code": code[:7]}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert 'id="filters"' not in html
    assert str(response.context["code_form"].errors["code"][0]) in html.replace("&#x27;", "'")


def test_identity_code_search_is_posted_and_never_in_a_url(client, adviser, caseload):
    client.force_login(adviser)
    code = caseload["soon"].personal_identity_code
    html = client.get(URL).content.decode()
    form = html[html.index('<form id="code-search"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form
    assert f'hx-post="{FIND}"' in form and "hx-push-url" not in form
    # A code in the query string is no filter: it finds nothing by it and is not echoed.
    response = client.get(URL, {"code": code})
    assert len(names(response)) == 4 and f'value="{code}"' not in response.content.decode()
    # The result page shows the match, and its links carry no code.
    found = client.post(FIND, {"code": code})
    assert names(found) == ["Soon"]
    assert code not in "".join(q for *_rest, q in found.context["due_counts"])
    assert client.get(FIND).status_code == 405


def test_identity_code_search_needs_the_csrf_token(adviser, caseload):
    from django.test import Client as BrowserClient

    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(adviser)
    code = caseload["soon"].personal_identity_code
    assert browser.post(FIND, {"code": code}).status_code == 403


def test_identity_code_search_finds_no_client_of_another_team(client, outsider, caseload):
    client.force_login(outsider)
    assert names(client.post(FIND, {"code": caseload["soon"].personal_identity_code})) == []


def test_an_adviser_of_another_team_is_not_a_filter_choice(client, adviser, outsider, caseload):
    client.force_login(adviser)
    response = client.get(URL, {"adviser": outsider.pk})
    assert "adviser" in response.context["form"].errors
    assert len(names(response)) == 4


def test_htmx_filter_request_gets_the_results_fragment_only(client, adviser, caseload):
    client.force_login(adviser)
    response = client.get(URL, {"due_state": "overdue"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and "Overdue" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, adviser, caseload):
    client.force_login(adviser)
    response = client.get(
        URL,
        {"due_state": "overdue"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_filter_form_works_without_javascript_and_pushes_its_url(client, adviser, caseload):
    client.force_login(adviser)
    html = client.get(URL).content.decode()
    assert 'method="get"' in html and 'hx-push-url="true"' in html
    for label in ("Due state", "Status", "Responsible adviser", "Last interview channel", "Name"):
        assert f">{label}</label>" in html
    assert '<label for="id_code">Personal identity code</label>' in html


def test_pagination_keeps_the_filters(client, adviser, team_a):
    for i in range(55):
        make_client(team_a, last_name=f"Many{i:02d}")
    client.force_login(adviser)
    response = client.get(URL, {"q": "many"})
    page = response.context["page"]
    assert page.paginator.count == 55 and len(page.object_list) == 50
    assert "?q=many&amp;page=2" in response.content.decode()
    assert len(names(client.get(URL, {"q": "many", "page": 2}))) == 5


def test_caseload_query_count_does_not_grow_with_caseload_or_page(client, adviser, team_a):
    make_client(team_a, responsible_adviser=adviser)
    client.force_login(adviser)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, {"adviser": "mine"}).status_code == 200
    for i in range(120):
        make_client(
            team_a,
            responsible_adviser=adviser,
            last_held_on=timezone.localdate() - dt.timedelta(days=i),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL, {"adviser": "mine"}).status_code == 200
    with CaptureQueriesContext(connection) as page_three:
        assert client.get(URL, {"adviser": "mine", "page": 3}).status_code == 200
    assert len(one) == len(many) == len(page_three)
    # Session; user with membership, team and whether a manager; the advisers for the filter;
    # counts per due state; the page's rows; the one access-log INSERT for the page's clients;
    # the menu's count of my work (all its sections in one query).
    assert len(many) == 7, [q["sql"][:80] for q in many]


def test_caseload_rows_escape_names_and_show_each_cell(client, adviser, team_a):
    today = timezone.localdate()
    adviser.first_name, adviser.last_name = "Anna <i>", "A&B"
    adviser.save()
    made = make_client(
        team_a,
        first_name='Eeva "E"',
        last_name="<script>alert(1)</script>",
        responsible_adviser=adviser,
        last_held_on=today - dt.timedelta(days=120),
        last_channel=Channel.VIDEO,
    )
    make_client(team_a, last_name="Nobody")
    client.force_login(adviser)
    html = client.get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;, Eeva &quot;E&quot;" in html
    assert f'href="{reverse("clients:detail", args=[made.pk])}"' in html
    assert "Anna &lt;i&gt; A&amp;B" in html and "<i>" not in html
    with translation.override("en"):
        held = formats.date_format(made.last_held_on, "SHORT_DATE_FORMAT")
    assert f"<td>{held} · Video</td>" in html
    assert '<span class="due due-overdue">Overdue</span>' in html
    assert '<span class="muted">Unassigned</span>' in html  # Nobody has no adviser


def test_caseload_is_the_managers_landing_page(client, manager):
    client.force_login(manager)
    assert client.get("/")["Location"] == URL


def test_caseload_requires_sign_in(client):
    assert client.get(URL).status_code == 302


def test_caseload_is_get_only(client, adviser):
    client.force_login(adviser)
    assert client.post(URL).status_code == 405


# --- Sorting and the name search -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Fine", "Overdue", "Soon", "Working"]),
        ("-name", ["Working", "Soon", "Overdue", "Fine"]),
        ("due", ["Overdue", "Soon", "Fine", "Working"]),
        ("-due", ["Fine", "Soon", "Overdue", "Working"]),  # no due date: last either way
        ("last", ["Overdue", "Soon", "Fine", "Working"]),
        ("-last", ["Fine", "Soon", "Overdue", "Working"]),
        ("adviser", ["Overdue", "Soon", "Fine", "Working"]),  # Anna, Teemu, then unassigned
        ("bogus", ["Overdue", "Soon", "Fine", "Working"]),  # an unknown sort: by due date
    ],
)
def test_caseload_sorts_by_name_due_date_last_interview_and_adviser(
    client, adviser, teammate, caseload, sort, expected
):
    adviser.first_name, teammate.first_name = "Anna", "Teemu"
    adviser.save(update_fields=["first_name"])
    teammate.save(update_fields=["first_name"])
    client.force_login(adviser)
    assert names(client.get(URL, {"sort": sort})) == expected
    # htmx asks for the same order
    fragment = client.get(URL, {"sort": sort}, headers={"HX-Request": "true"})
    assert names(fragment) == expected


def test_sort_controls_say_their_order_and_keep_the_filters(client, adviser, caseload):
    client.force_login(adviser)
    html = client.get(URL, {"sort": "-name", "status": "unemployed"}).content.decode()
    assert html.count("aria-sort=") == 1
    assert '<th scope="col" aria-sort="descending"><a class="sort"' in html
    # The current column's link reverses it; another's sorts by it; both keep the filter.
    assert f'href="{URL}?status=unemployed&amp;sort=name"' in html
    assert f'href="{URL}?status=unemployed&amp;sort=due"' in html
    # The due-state links and the filter form keep the sort too.
    assert f'href="{URL}?status=unemployed&amp;sort=-name&amp;due_state=overdue"' in html
    assert '<input type="hidden" name="sort" value="-name" form="filters">' in html


def test_pages_keep_the_sort(client, adviser, team_a):
    for i in range(55):
        make_client(team_a, last_name=f"Many{i:02d}")
    client.force_login(adviser)
    first = client.get(URL, {"sort": "-name"})
    assert names(first)[0] == "Many54"
    assert "?sort=-name&amp;page=2" in first.content.decode()
    assert names(client.get(URL, {"sort": "-name", "page": 2}))[-1] == "Many00"


@pytest.mark.parametrize(
    "query",
    ["Niemi, Helmi", "helmi niemi", "NIEMI", "niemi,helmi", "niémi HELMI"],
)
def test_name_search_ignores_case_accents_order_and_the_comma(client, adviser, team_a, query):
    make_client(team_a, first_name="Helmi", last_name="Niemi")
    make_client(team_a, first_name="Helmi", last_name="Laine")
    client.force_login(adviser)
    assert names(client.get(URL, {"q": query})) == ["Niemi"]


@pytest.mark.parametrize("query", ["nystrom", "Nyström", "NYSTRÖM", "åsa nyst", "asa"])
def test_name_search_finds_nordic_letters_from_plain_ones_and_back(client, adviser, team_a, query):
    make_client(team_a, first_name="Åsa", last_name="Nyström")
    make_client(team_a, first_name="Olli", last_name="Nystedt")
    client.force_login(adviser)
    assert names(client.get(URL, {"q": query})) == ["Nyström"]


def test_name_pattern_matches_accents_both_ways_and_nothing_else():
    import re

    from teoffice.db import name_pattern

    pattern = re.compile(name_pattern("Nyström"), re.IGNORECASE)
    assert pattern.search("Åsa NYSTRÖM") and pattern.search("nystrom") and pattern.search("Nyström")
    assert not pattern.search("Nystedt")
    # A character that means something in a regular expression is only itself.
    assert re.compile(name_pattern("a.b"), re.IGNORECASE).search("axb") is None


def test_sorting_adds_no_query(client, adviser, caseload):
    client.force_login(adviser)
    client.get(URL)
    with CaptureQueriesContext(connection) as plain:
        client.get(URL)
    with CaptureQueriesContext(connection) as sorted_:
        client.get(URL, {"sort": "-adviser", "q": "öve"})
    assert len(plain) == len(sorted_)
