"""Events of the key-account domain that alert the account team: a contact who leaves (a champion
lost is critical) and a relationship stage that drops in an import."""

from __future__ import annotations

import pytest
import time_machine

from kam.alerts.choices import AlertKind, Severity
from kam.alerts.models import Alert
from kam.key_accounts.actions import do_import_contacts, do_mark_contact_left
from kam.key_accounts.models import Account
from kam.key_accounts.tests.fixtures import account_row, import_accounts
from kam.users.models import User

pytestmark = pytest.mark.django_db


def test_a_contact_who_leaves_raises_contact_departed(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    marta = accounts["ACME"].contacts.get(code="MR")

    do_mark_contact_left(marta, acting_user=kam_alice)

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.event_key) == (
        AlertKind.CONTACT_DEPARTED,
        Severity.WARNING,
        f"contact:{marta.pk}:departed",
    )
    assert alert.title == "Contact departed: Marta Ruiz has left Acme Group"
    assert alert.detail == "Chief Procurement Officer · Economic buyer · Supporter"
    assert alert.link == "/accounts/ACME/map/"
    assert list(alert.notices.values_list("recipient__username", flat=True)) == ["tina"]


def test_a_champion_who_leaves_raises_champion_lost_as_critical(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    jorge = accounts["ACME"].contacts.get(code="JL")  # attitude: champion

    do_mark_contact_left(jorge, acting_user=kam_alice)

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.event_key) == (
        AlertKind.CHAMPION_LOST,
        Severity.CRITICAL,
        f"contact:{jorge.pk}:departed",
    )
    assert alert.title == "Champion lost: Jorge López has left Acme Group"


def test_a_contact_marked_inactive_by_an_import_departs_once(accounts: dict[str, Account], kam_alice: User) -> None:
    rows = [{"account": "ACME", "code": "PS", "is_active": False}]

    do_import_contacts(rows, ("account", "code", "is_active"), acting_user=None)
    do_import_contacts(rows, ("account", "code", "is_active"), acting_user=None)

    alert = Alert.objects.get()
    assert (alert.kind, alert.title) == (AlertKind.CONTACT_DEPARTED, "Contact departed: Paula Sanz has left Acme Group")
    assert list(alert.notices.values_list("recipient__username", flat=True)) == ["alice"]


@time_machine.travel("2026-03-05 09:00 +01:00", tick=False)
def test_a_relationship_stage_that_drops_in_an_import_raises_stage_drop(accounts: dict[str, Account]) -> None:
    acme = accounts["ACME"]  # cooperative

    import_accounts(account_row("ACME", "Acme Group", owner="alice", relationship_stage="basic"))
    import_accounts(account_row("ACME", "Acme Group", owner="alice", relationship_stage="interdependent"))

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.event_key, alert.title) == (
        AlertKind.STAGE_DROP,
        Severity.WARNING,
        f"account:{acme.pk}:stage:cooperative-basic:2026-03-05",
        "Relationship stage dropped from Cooperative to Basic",
    )
    assert alert.link == "/accounts/ACME/"


def test_falling_to_disintegrating_is_critical(accounts: dict[str, Account]) -> None:
    import_accounts(account_row("ACME", "Acme Group", owner="alice", relationship_stage="disintegrating"))

    assert Alert.objects.get().severity == Severity.CRITICAL


def test_a_stage_given_for_the_first_time_raises_nothing(accounts: dict[str, Account]) -> None:
    import_accounts(account_row("BOREAL", "Borealis Foods", owner="alice", relationship_stage="exploratory"))

    assert Alert.objects.count() == 0
