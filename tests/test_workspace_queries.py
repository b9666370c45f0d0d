"""The account workspace's pages run a bounded number of queries however large the account is.

ACME gets 200 more contacts (half reporting to its economic buyer), 50 opportunities and 100
meetings; each page's query count must not grow with them (no N+1).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from kam.key_accounts.actions import do_import_contacts
from kam.key_accounts.models import Account
from kam.key_accounts.tests.fixtures import CONTACT_FIELDS
from kam.opportunities.actions import do_create_opportunity
from kam.opportunities.tests.fixtures import opportunity_details
from kam.touchpoints.actions import do_log_meeting
from kam.touchpoints.tests.fixtures import meeting_details
from kam.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_acme(accounts: dict[str, Account], kam_alice: User) -> Account:
    acme = accounts["ACME"]
    rows = [
        {
            **dict.fromkeys(CONTACT_FIELDS),
            "account": "ACME",
            "code": f"X{number:03d}",
            "last_name": f"Person {number}",
            "reports_to": "MR" if number % 2 else None,
            "relationship_owner": "alice",
            "buying_role": "influencer",
            "influence": 3,
            "last_contact_at": dt.date(2025, 1, 1),
        }
        for number in range(200)
    ]
    do_import_contacts(rows, CONTACT_FIELDS, acting_user=None)
    buyer = acme.contacts.get(code="MR")
    for number in range(50):
        do_create_opportunity(
            acme,
            opportunity_details(name=f"Deal {number}", owner=kam_alice, buying_influences=[buyer]),
            acting_user=kam_alice,
        )
    start = timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0))
    for number in range(100):
        do_log_meeting(
            acme,
            meeting_details(
                held_at=start + dt.timedelta(days=number), our_attendees=[kam_alice], their_attendees=[buyer]
            ),
            acting_user=kam_alice,
        )
    return acme


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # +1 on the overview and the home page: their alerts (the top bar's unread count is fetched
        # by htmx after the page, so no page pays a query for it).
        # +3 on the overview: its history, the latest survey answer and our latest assessment.
        pytest.param("/accounts/ACME/", 16, id="overview_case"),
        pytest.param("/accounts/ACME/map/", 7, id="relationship_map_case"),
        pytest.param("/accounts/ACME/plan/", 7, id="plan_case"),
        pytest.param("/accounts/ACME/meetings/", 10, id="meetings_case"),
        pytest.param("/accounts/ACME/opportunities/", 10, id="opportunities_case"),
        pytest.param("/home/", 10, id="home_case"),
    ],
)
def test_a_large_account_is_served_in_a_fixed_number_of_queries(
    large_acme: Account,
    kam_alice: User,
    url: str,
    queries: int,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = Client()
    client.force_login(kam_alice)

    with django_assert_max_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
    assert large_acme.contacts.count() == 203
