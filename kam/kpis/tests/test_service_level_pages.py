"""The service-level pages as each persona sees them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kam.key_accounts.models import Account
from kam.kpis.actions import do_take_snapshot
from kam.kpis.tests.service_fixtures import SNAPSHOT_DAY
from kam.kpis.tests.test_views import shown_account_codes, text_of
from kam.users.models import User

URL = "/service-levels/"


@pytest.fixture
def snapshot(service_history: dict[str, Account]) -> dict[str, Account]:
    do_take_snapshot(SNAPSHOT_DAY)
    return service_history


def scorecard(content: bytes) -> dict[str, list[str]]:
    """The comparison table as {figure: [key, other, all, difference]}; "!" marks key accounts not better."""
    table = re.search(r"<table[^>]*data-scorecard>(.*?)</table>", content.decode(), re.DOTALL)
    assert table is not None
    rows = {}
    for key, cells in re.findall(r'<tr data-figure="([^"]+)">(.*?)</tr>', table.group(1), re.DOTALL):
        values = [text_of(value) for value in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.DOTALL)]
        marked = "data-not-better" in cells
        difference = values[3].replace(" (key accounts not better)", "")
        rows[key] = [*values[:3], f"{difference}{' !' if marked else ''}".strip()]
    return rows


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={URL}")


def test_before_the_first_snapshot_the_page_says_how_to_take_one(client: Client, director: User) -> None:
    client.force_login(director)

    content = client.get(URL).content.decode()

    assert "No service-level snapshot yet" in content
    assert "<code>kam snapshot</code>" in content


@pytest.mark.usefixtures("snapshot")
def test_the_director_sees_key_accounts_against_the_rest(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(URL)

    assert response.status_code == 200
    content = response.content
    assert "As of Dec. 31, 2025" in text_of(content.decode())
    assert scorecard(content) == {
        "sla_attainment": ["66.7%", "100.0%", "80.0%", "-33.3 pts !"],
        "response_hours_median": ["4.0", "2.0", "3.0", "+2.0 !"],
        "response_hours_p90": ["5.6", "2.8", "5.2", "+2.8 !"],
        "resolution_hours_median": ["20.0", "6.5", "10.0", "+13.5 !"],
        "resolution_hours_p90": ["28.0", "7.7", "26.0", "+20.3 !"],
        "complaint_rate": ["13.3", "25.0", "15.8", "-11.7"],
        "negative_share": ["50.0%", "0.0%", "33.3%", "+50.0 pts !"],
        "otif_rate": ["25.0%", "0.0%", "20.0%", "+25.0 pts"],
        "cases": ["3", "2", "5", ""],
        "complaints": ["2", "1", "3", ""],
        "repeat_complaints": ["1", "0", "1", ""],
    }
    # The key accounts, fewest service levels met first; ACME-IB has nothing measured.
    assert shown_account_codes(content) == ["COBALT", "ACME", "ACME-IB"]
    assert '<a href="/service-levels/" aria-current="page">Service levels</a>' in content.decode()


@pytest.mark.usefixtures("snapshot")
def test_a_kam_sees_the_portfolio_groups_and_only_her_key_accounts(
    client: Client, director: User, kam_alice: User
) -> None:
    client.force_login(director)
    portfolio = scorecard(client.get(URL).content)
    client.force_login(kam_alice)

    content = client.get(URL).content

    assert scorecard(content) == portfolio
    assert shown_account_codes(content) == ["ACME", "ACME-IB"]


@pytest.mark.usefixtures("snapshot")
def test_the_navigation_links_the_page_for_directors_and_kams_only(
    client: Client, kam_bob: User, viewer_victor: User
) -> None:
    link = '<a href="/service-levels/"'
    client.force_login(kam_bob)
    assert link in client.get("/portfolio/").content.decode()
    client.force_login(viewer_victor)
    assert link not in client.get("/portfolio/").content.decode()


@pytest.mark.usefixtures("snapshot")
def test_the_account_page_lists_its_snapshots(client: Client, kam_alice: User) -> None:
    do_take_snapshot(SNAPSHOT_DAY.replace(day=1))
    client.force_login(kam_alice)

    response = client.get("/accounts/ACME/service-levels/")

    assert response.status_code == 200
    content = response.content.decode()
    assert re.findall(r'<tr data-as-of="([^"]+)">', content) == ["2025-12-31", "2025-12-01"]
    assert 'data-chart="trend"' in content
    assert '"dates": ["2025-12-01", "2025-12-31"]' in content


@pytest.mark.usefixtures("snapshot")
def test_the_account_page_is_a_404_for_accounts_the_user_cannot_see(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    assert client.get("/accounts/COBALT/service-levels/").status_code == 404
    assert client.get("/accounts/NOPE/service-levels/").status_code == 404
