"""Touchpoint actions: who may log an interaction with the account, what is refused, what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.touchpoints.actions import TouchpointError, do_log_touchpoint
from kam.touchpoints.choices import Channel, Sentiment, TouchpointType
from kam.touchpoints.models import Touchpoint
from kam.touchpoints.tests.fixtures import TOUCHPOINT_AT, touchpoint_details
from kam.users.choices import Department
from kam.users.models import User

pytestmark = pytest.mark.django_db


def test_alice_logs_a_touchpoint_on_acme_and_it_is_audited(accounts: dict[str, Account], kam_alice: User) -> None:
    acme = accounts["ACME"]
    marta = acme.contacts.get(code="MR")

    touchpoint = do_log_touchpoint(
        acme, touchpoint_details(contact=marta, summary="  Order confirmed  "), acting_user=kam_alice
    )

    touchpoint.refresh_from_db()
    assert (touchpoint.account, touchpoint.contact, touchpoint.user) == (acme, marta, kam_alice)
    assert (touchpoint.department, touchpoint.channel, touchpoint.type) == ("sales", "phone", "order")
    assert touchpoint.happened_at == TOUCHPOINT_AT
    assert touchpoint.summary == "Order confirmed"
    assert touchpoint.sentiment == Sentiment.NEUTRAL
    assert touchpoint.created_by == kam_alice
    assert str(touchpoint) == "ACME 2026-03-01 Order"
    (record,) = AuditRecord.objects.filter(object_type="touchpoints.touchpoint", object_id=str(touchpoint.pk))
    assert record.action == "touchpoint.log"
    assert record.actor == kam_alice
    assert record.changes["contact"] == [None, marta.pk]
    assert record.changes["sentiment"] == [None, "neutral"]
    assert record.changes["summary"] == [None, "Order confirmed"]


def test_team_tina_may_log_a_touchpoint_on_acme_as_herself(accounts: dict[str, Account], team_tina: User) -> None:
    touchpoint = do_log_touchpoint(
        accounts["ACME"],
        touchpoint_details(department=Department.LOGISTICS, type=TouchpointType.DELIVERY, sentiment="negative"),
        acting_user=team_tina,
    )

    assert touchpoint.user == team_tina
    assert touchpoint.created_by == team_tina
    assert touchpoint.department == "logistics"


def test_the_system_logs_a_touchpoint_for_a_named_person(accounts: dict[str, Account], kam_alice: User) -> None:
    touchpoint = do_log_touchpoint(accounts["ACME"], touchpoint_details(user=kam_alice), acting_user=None)

    assert touchpoint.user == kam_alice
    assert touchpoint.created_by is None


@pytest.mark.parametrize("persona", ["viewer_victor", "outsider_olga", "kam_bob"])
def test_people_off_the_account_may_not_log_a_touchpoint(
    accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        do_log_touchpoint(accounts["ACME"], touchpoint_details(), acting_user=user)
    assert Touchpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"happened_at": dt.datetime(2026, 3, 1, 9, 30)}, "When:", id="naive_time"),
        pytest.param({"department": "legal"}, "Department: legal", id="department"),
        pytest.param({"channel": "fax"}, "Channel: fax", id="channel"),
        pytest.param({"type": "gossip"}, "Type: gossip", id="type"),
        pytest.param({"sentiment": "angry"}, "Sentiment: angry", id="sentiment"),
        pytest.param({"summary": "   "}, "Summary:", id="summary"),
    ],
)
def test_an_invalid_touchpoint_is_refused_naming_the_field(
    accounts: dict[str, Account], kam_alice: User, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(TouchpointError, match=f"^{message}"):
        do_log_touchpoint(accounts["ACME"], touchpoint_details(**fields), acting_user=kam_alice)
    assert Touchpoint.objects.count() == 0
    assert not AuditRecord.objects.filter(object_type="touchpoints.touchpoint").exists()


def test_the_contact_must_be_of_the_same_account(accounts: dict[str, Account], kam_alice: User) -> None:
    cobalt_contact = accounts["COBALT"].contacts.get(code="AD")

    with pytest.raises(TouchpointError, match=r"^Contact: .* is not a contact of Acme Group"):
        do_log_touchpoint(accounts["ACME"], touchpoint_details(contact=cobalt_contact), acting_user=kam_alice)
    assert Touchpoint.objects.count() == 0


def test_our_person_must_be_active(accounts: dict[str, Account], kam_alice: User, team_tina: User) -> None:
    team_tina.is_active = False
    team_tina.save()

    with pytest.raises(TouchpointError, match=r"^Our person: .* is no longer active"):
        do_log_touchpoint(
            accounts["ACME"], touchpoint_details(user=team_tina, channel=Channel.EMAIL), acting_user=kam_alice
        )


def test_the_system_must_name_our_person(accounts: dict[str, Account]) -> None:
    with pytest.raises(TouchpointError, match=r"^Our person:"):
        do_log_touchpoint(accounts["ACME"], touchpoint_details(), acting_user=None)
