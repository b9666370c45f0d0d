"""The home page: my accounts, my overdue actions, follow-ups and meetings, my pipeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.opportunities.models import Opportunity
from kam.plans.actions import do_add_action
from kam.plans.models import AccountPlan
from kam.touchpoints.models import Meeting
from kam.users.models import User

pytestmark = pytest.mark.django_db

# After the follow-up of ``acme_meeting`` (10 March 2026) and the due date of the action below.
TODAY = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def _get(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/home/")
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_a_kam_sees_her_accounts_overdue_actions_follow_ups_and_pipeline(
    acme_plan: AccountPlan, acme_meeting: Meeting, acme_retrofit: Opportunity, kam_alice: User
) -> None:
    do_add_action(
        acme_plan, title="Send the sizing study", owner=kam_alice, due_date=dt.date(2026, 3, 15), acting_user=kam_alice
    )

    client = Client()
    client.force_login(kam_alice)
    response = client.get("/home/")

    content = response.content.decode()
    rows = [row["account"].code for row in response.context["rows"]]
    assert rows == ["ACME", "ACME-IB", "BOREAL"]
    assert [action.title for action in response.context["overdue_actions"]] == ["Send the sizing study"]
    assert [meeting.pk for meeting in response.context["follow_ups"]] == [acme_meeting.pk]
    assert response.context["pipeline"].count == 1
    assert "data-overdue-count>1<" in content
    assert "Send the sizing study" in content


def test_a_director_sees_the_key_accounts(director: User, accounts: dict[str, Account]) -> None:
    client = Client()
    client.force_login(director)

    response = client.get("/home/")

    assert [row["account"].code for row in response.context["rows"]] == ["ACME", "ACME-IB", "COBALT"]


def test_someone_with_no_accounts_gets_an_empty_home(outsider_olga: User) -> None:
    content = _get(outsider_olga)

    assert "No account yet." in content
    assert "Nothing overdue." in content


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get("/home/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/home/"


def test_my_accounts_show_the_figures_of_their_latest_analysis(
    kam_alice: User, analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    client = Client()
    client.force_login(kam_alice)

    rows = client.get("/home/").context["rows"]

    latest = max(analyses)
    assert {row["account"].code: row["analysis"].as_of for row in rows if row["analysis"] is not None} == {
        analysis.account.code: latest for analysis in analyses[latest].accounts.filter(account__owner=kam_alice)
    }
    acme = next(row for row in rows if row["account"].code == "ACME")
    assert acme["analysis"].revenue == analyses[latest].accounts.get(account__code="ACME").revenue
