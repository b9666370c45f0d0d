"""The timeline tab: touchpoints and meetings merged newest first, filters, pages, logging with htmx."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from kam.key_accounts.models import Account
from kam.touchpoints.actions import do_log_meeting, do_log_touchpoint
from kam.touchpoints.choices import GoalMet
from kam.touchpoints.models import Meeting, Touchpoint
from kam.touchpoints.queries import account_timeline
from kam.touchpoints.tests.fixtures import meeting_details, touchpoint_details
from kam.users.models import User

pytestmark = pytest.mark.django_db

ACME_TIMELINE = "/accounts/ACME/timeline/"
HTMX = {"HX-Request": "true"}


def at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, 0))


def shown(content: bytes) -> list[str]:
    return re.findall(r'data-item="([^"]+)"', content.decode())


@pytest.fixture
def acme_timeline(accounts: dict[str, Account], kam_alice: User, team_tina: User) -> dict[str, str]:
    """ACME: a positive sales call (1 March), a met meeting (2 March), a negative delivery complaint
    taken by tina of logistics (3 March) and a neutral finance email (5 March); anchors by name."""
    acme = accounts["ACME"]
    marta = acme.contacts.get(code="MR")
    call = do_log_touchpoint(
        acme, touchpoint_details(happened_at=at(1), sentiment="positive", contact=marta), acting_user=kam_alice
    )
    meeting = do_log_meeting(
        acme,
        meeting_details(held_at=at(2), our_attendees=[kam_alice], their_attendees=[marta], goal_met=GoalMet.YES),
        acting_user=kam_alice,
    )
    complaint = do_log_touchpoint(
        acme,
        touchpoint_details(
            happened_at=at(3),
            department="logistics",
            type="complaint",
            channel="email",
            sentiment="negative",
            summary="Pallets arrived damaged",
        ),
        acting_user=team_tina,
    )
    invoice = do_log_touchpoint(
        acme,
        touchpoint_details(happened_at=at(5), department="finance", type="finance", channel="email"),
        acting_user=kam_alice,
    )
    return {
        "call": f"touchpoint-{call.pk}",
        "meeting": f"meeting-{meeting.pk}",
        "complaint": f"touchpoint-{complaint.pk}",
        "invoice": f"touchpoint-{invoice.pk}",
    }


def test_the_timeline_needs_a_login(client: Client, accounts: dict[str, Account]) -> None:
    response = client.get(ACME_TIMELINE)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={ACME_TIMELINE}"


@pytest.mark.parametrize("persona", ["outsider_olga", "viewer_victor"])
def test_people_who_do_not_see_the_account_get_404(
    client: Client, accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ACME_TIMELINE).status_code == 404
    assert client.post(ACME_TIMELINE, {"summary": "x"}).status_code == 404
    assert Touchpoint.objects.count() == 0


def test_touchpoints_and_meetings_are_merged_newest_first(
    client: Client, acme_timeline: dict[str, str], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.get(ACME_TIMELINE)

    assert response.status_code == 200
    assert shown(response.content) == [acme_timeline[name] for name in ("invoice", "complaint", "meeting", "call")]
    content = response.content.decode()
    assert '<a href="/accounts/ACME/timeline/" aria-current="page">Timeline</a>' in content
    assert "Log a touchpoint" in content
    assert f'class="timeline__item timeline__item--negative" data-item="{acme_timeline["complaint"]}"' in content
    assert content.count("timeline__item--negative") == 1
    assert "Pallets arrived damaged" in content
    assert "Meeting: Learn the customer&#x27;s needs" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("department=logistics", ["complaint"], id="logistics"),
        pytest.param("department=sales", ["meeting", "call"], id="sales_meeting_by_alice"),
        pytest.param("sentiment=positive", ["meeting", "call"], id="positive_met_meeting"),
        pytest.param("sentiment=neutral", ["invoice"], id="neutral"),
        pytest.param("department=sales&sentiment=negative", [], id="none"),
        pytest.param("department=nonsense", ["invoice", "complaint", "meeting", "call"], id="unknown_ignored"),
    ],
)
def test_the_timeline_filters_by_department_and_sentiment(
    client: Client, acme_timeline: dict[str, str], kam_alice: User, query: str, expected: list[str]
) -> None:
    client.force_login(kam_alice)

    response = client.get(f"{ACME_TIMELINE}?{query}")

    assert shown(response.content) == [acme_timeline[name] for name in expected]


def test_filtering_with_htmx_returns_only_the_list(
    client: Client, acme_timeline: dict[str, str], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.get(f"{ACME_TIMELINE}?sentiment=negative", headers=HTMX)

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="timeline-list"')
    assert "Log a touchpoint" not in content
    assert shown(response.content) == [acme_timeline["complaint"]]
    assert "HX-Request" in response["Vary"]


def _form(**fields: object) -> dict[str, object]:
    return {
        "happened_at": "2026-03-20T10:00",
        "department": "customer_service",
        "channel": "phone",
        "type": "support",
        "sentiment": "negative",
        "summary": "Line 3 stopped: spare part needed",
        **fields,
    }


def test_tina_logs_a_touchpoint_with_htmx_and_it_comes_first(
    client: Client, acme_timeline: dict[str, str], team_tina: User
) -> None:
    client.force_login(team_tina)

    response = client.post(ACME_TIMELINE, _form(user=team_tina.pk), headers=HTMX)

    assert response.status_code == 200
    touchpoint = Touchpoint.objects.get(type="support")
    assert (touchpoint.user, touchpoint.created_by, touchpoint.department) == (team_tina, team_tina, "customer_service")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="timeline" class="timeline">')
    assert "Touchpoint logged." in content
    assert shown(response.content)[0] == f"touchpoint-{touchpoint.pk}"
    assert len(shown(response.content)) == 5


def test_logging_without_javascript_redirects_to_the_timeline(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)
    marta = accounts["ACME"].contacts.get(code="MR")

    response = client.post(ACME_TIMELINE, _form(user=kam_alice.pk, contact=marta.pk))

    assert response.status_code == 302
    assert response["Location"] == ACME_TIMELINE
    assert Touchpoint.objects.get().contact == marta


def test_a_contact_of_another_account_cannot_be_chosen(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)
    cobalt_contact = accounts["COBALT"].contacts.get(code="AD")

    response = client.post(ACME_TIMELINE, _form(user=kam_alice.pk, contact=cobalt_contact.pk), headers=HTMX)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Touchpoint.objects.count() == 0


def _fill(account: Account, kam_alice: User, *, touchpoints: int, meetings: int) -> None:
    marta = account.contacts.get(code="MR")
    start = timezone.make_aware(dt.datetime(2026, 1, 1, 8, 0))
    for number in range(touchpoints):
        do_log_touchpoint(
            account,
            touchpoint_details(happened_at=start + dt.timedelta(hours=number), contact=marta),
            acting_user=kam_alice,
        )
    for number in range(meetings):
        do_log_meeting(
            account,
            meeting_details(
                held_at=start + dt.timedelta(hours=5 * number, minutes=30),  # among the touchpoints
                our_attendees=[kam_alice],
                their_attendees=[marta],
            ),
            acting_user=kam_alice,
        )


@pytest.mark.parametrize(
    ("touchpoints", "meetings"), [pytest.param(2, 1, id="3_items"), pytest.param(100, 20, id="120_items")]
)
def test_the_timeline_takes_a_fixed_number_of_queries(
    client: Client,
    accounts: dict[str, Account],
    kam_alice: User,
    touchpoints: int,
    meetings: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _fill(accounts["ACME"], kam_alice, touchpoints=touchpoints, meetings=meetings)
    client.force_login(kam_alice)

    # session, user, account, count, page, touchpoints, meetings, our attendees, their
    # attendees, the navigation's scorer check, form's people, form's contacts
    # (alice manages ACME, so no team lookup; a page without meetings takes 3 fewer)
    with django_assert_num_queries(12):
        response = client.get(ACME_TIMELINE)

    assert response.status_code == 200
    assert len(shown(response.content)) == min(touchpoints + meetings, 50)


def test_the_timeline_is_paginated_by_fifty(client: Client, accounts: dict[str, Account], kam_alice: User) -> None:
    acme = accounts["ACME"]
    _fill(acme, kam_alice, touchpoints=100, meetings=20)
    client.force_login(kam_alice)
    newest_first = [
        f"touchpoint-{pk}" if kind == "touchpoint" else f"meeting-{pk}"
        for kind, pk, _ in sorted(
            [("touchpoint", t.pk, t.happened_at) for t in Touchpoint.objects.all()]
            + [("meeting", m.pk, m.held_at) for m in Meeting.objects.all()],
            key=lambda row: row[2],
            reverse=True,
        )
    ]

    pages = [shown(client.get(f"{ACME_TIMELINE}?page={number}").content) for number in (1, 2, 3)]

    assert [len(page) for page in pages] == [50, 50, 20]
    assert pages[0] + pages[1] + pages[2] == newest_first
    last = client.get(f"{ACME_TIMELINE}?page=99").content
    assert shown(last) == pages[2]
    assert "Page 3 of 3" in last.decode()
    second = client.get(f"{ACME_TIMELINE}?page=2&sentiment=neutral", headers=HTMX).content.decode()
    assert 'href="/accounts/ACME/timeline/?page=3&amp;sentiment=neutral"' in second
    assert 'href="/accounts/ACME/timeline/?page=1&amp;sentiment=neutral"' in second
    assert account_timeline(acme, sentiment="neutral").paginator.count == 120
