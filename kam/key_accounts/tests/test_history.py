"""The account's history: every change of phase, stages, tier, key-account flag and KAM is recorded,
by imports and by the phase and stage changes of the account page; a stage that drops alerts once a day."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from kam.alerts.choices import AlertKind, Severity
from kam.alerts.models import Alert
from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_add_team_member, do_change_phase, do_change_stage
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account, AccountChange
from kam.key_accounts.tests.fixtures import account_row, import_accounts
from kam.users.models import User

pytestmark = pytest.mark.django_db


def history(account: Account) -> list[tuple[Any, ...]]:
    """The account's history rows, oldest first, as (field, old, new, by, reason, source)."""
    return [
        (change.field, change.old_value, change.new_value, change.changed_by, change.reason, change.source)
        for change in account.changes.select_related("changed_by").order_by("id")
    ]


def test_creating_accounts_records_no_history(accounts: dict[str, Account]) -> None:
    assert AccountChange.objects.count() == 0


def test_an_import_records_every_tracked_field_it_changes(accounts: dict[str, Account]) -> None:
    # ACME: growth, cooperative → interdependent target, strategic, key, alice
    import_accounts(
        account_row(
            "ACME",
            "Acme Group",
            owner="bob",
            is_key_account=True,
            tier="strategic",
            phase="maintenance",
            relationship_stage="basic",
            target_stage="interdependent",
        ),
        account_row("DELTA", "Delta Logistics", owner="bob", tier="streamline", phase="cost_reduction"),
        account_row("NEW", "New Account", phase="growth"),
    )

    assert history(accounts["ACME"]) == [
        ("phase", "growth", "maintenance", None, "import", "import"),
        ("relationship_stage", "cooperative", "basic", None, "import", "import"),
        ("owner", "alice", "bob", None, "import", "import"),
    ]
    assert AccountChange.objects.exclude(account=accounts["ACME"]).count() == 0


def test_the_same_import_again_records_nothing_more(accounts: dict[str, Account]) -> None:
    row = account_row("BOREAL", "Borealis Foods", owner="alice", tier="strategic", is_key_account=True)

    import_accounts(row)
    import_accounts(row)

    assert history(accounts["BOREAL"]) == [
        ("phase", "maintenance", "", None, "import", "import"),
        ("tier", "status", "strategic", None, "import", "import"),
        ("is_key_account", "false", "true", None, "import", "import"),
    ]


@time_machine.travel("2026-03-05 09:00 +01:00", tick=False)
def test_changing_the_phase_and_stage_records_them_with_the_reason(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    acme = accounts["ACME"]

    do_change_phase(acme, "maintenance", reason="Budget frozen for a year", acting_user=kam_alice)
    do_change_stage(acme, "interdependent", reason="Joint roadmap signed", acting_user=kam_alice)

    acme.refresh_from_db()
    assert (acme.phase, acme.relationship_stage) == ("maintenance", "interdependent")
    assert history(acme) == [
        ("phase", "growth", "maintenance", kam_alice, "Budget frozen for a year", "ui"),
        ("relationship_stage", "cooperative", "interdependent", kam_alice, "Joint roadmap signed", "ui"),
    ]
    audit = AuditRecord.objects.get(action="account.change_phase")
    assert (audit.actor, audit.changes) == (
        kam_alice,
        {"phase": ["growth", "maintenance"], "reason": [None, "Budget frozen for a year"]},
    )
    assert Alert.objects.count() == 0


def test_a_change_needs_a_reason_a_known_value_and_a_new_value(accounts: dict[str, Account], kam_alice: User) -> None:
    acme = accounts["ACME"]

    with pytest.raises(ValidationError) as blank:
        do_change_phase(acme, "maintenance", reason="  ", acting_user=kam_alice)
    with pytest.raises(ValidationError) as unknown:
        do_change_stage(acme, "married", reason="Why not", acting_user=kam_alice)
    with pytest.raises(ValidationError) as same:
        do_change_phase(acme, "growth", reason="Still growing", acting_user=kam_alice)

    assert blank.value.message_dict == {
        "reason": ["Reason: say why the account changes; it is kept in the account's history."]
    }
    assert unknown.value.message_dict == {"relationship_stage": ["Relationship stage: married is not a known choice."]}
    assert same.value.message_dict == {"phase": ["Phase: the account already has this value."]}
    assert AccountChange.objects.count() == 0


@pytest.mark.parametrize("persona", ["kam_bob", "team_tina", "viewer_victor"])
def test_only_those_who_manage_the_account_change_it(
    accounts: dict[str, Account], request: pytest.FixtureRequest, persona: str
) -> None:
    # bob owns other accounts; tina is on ACME's team; victor is a viewer on ACME's team
    user = request.getfixturevalue(persona)
    do_add_team_member(
        accounts["ACME"], request.getfixturevalue("viewer_victor"), role=TeamRole.OTHER, acting_user=None
    )

    with pytest.raises(PermissionDenied):
        do_change_phase(accounts["ACME"], "maintenance", reason="Mine now", acting_user=user)
    with pytest.raises(PermissionDenied):
        do_change_stage(accounts["ACME"], "basic", reason="Mine now", acting_user=user)

    assert AccountChange.objects.count() == 0


def test_a_director_may_change_any_account(accounts: dict[str, Account], director: User) -> None:
    do_change_stage(accounts["COBALT"], "exploratory", reason="New buyer", acting_user=director)

    assert history(accounts["COBALT"]) == [("relationship_stage", "", "exploratory", director, "New buyer", "ui")]


@time_machine.travel("2026-03-05 09:00 +01:00", tick=False)
def test_a_stage_moved_down_raises_one_alert_however_often_on_the_same_day(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    acme = accounts["ACME"]  # cooperative

    do_change_stage(acme, "basic", reason="Lost the tender", acting_user=kam_alice)
    do_change_stage(acme, "cooperative", reason="Tender re-run", acting_user=kam_alice)
    do_change_stage(acme, "basic", reason="Lost it again", acting_user=kam_alice)

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.event_key, alert.title) == (
        AlertKind.STAGE_DROP,
        Severity.WARNING,
        f"account:{acme.pk}:stage:cooperative-basic:2026-03-05",
        "Relationship stage dropped from Cooperative to Basic",
    )
    assert list(alert.notices.values_list("recipient__username", flat=True)) == ["tina"]
    assert AccountChange.objects.filter(account=acme).count() == 3


def test_the_import_and_the_page_share_the_stage_drop_alert(accounts: dict[str, Account], kam_alice: User) -> None:
    acme = accounts["ACME"]
    with time_machine.travel("2026-03-05 09:00 +01:00", tick=False):
        import_accounts(account_row("ACME", "Acme Group", owner="alice", relationship_stage="basic"))
        do_change_stage(acme, "cooperative", reason="Recovered", acting_user=kam_alice)
        do_change_stage(acme, "basic", reason="Lost again", acting_user=kam_alice)

    assert list(Alert.objects.values_list("event_key", flat=True)) == [
        f"account:{acme.pk}:stage:cooperative-basic:2026-03-05"
    ]


def test_moving_to_disintegrating_is_critical_and_moving_up_raises_nothing(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    acme = accounts["ACME"]  # cooperative

    do_change_stage(acme, "integrated", reason="Shared plant", acting_user=kam_alice)
    assert Alert.objects.count() == 0

    do_change_stage(acme, "disintegrating", reason="They are leaving", acting_user=kam_alice)
    assert Alert.objects.get().severity == Severity.CRITICAL
    do_change_stage(acme, "exploratory", reason="Starting again", acting_user=kam_alice)
    assert Alert.objects.count() == 1
