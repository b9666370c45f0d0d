"""Opportunity actions: who may change the pipeline, stage probabilities, closing, validation, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, ProductLine
from kam.opportunities.actions import (
    OpportunityError,
    do_close_opportunity,
    do_create_opportunity,
    do_update_opportunity,
)
from kam.opportunities.choices import Stage
from kam.opportunities.models import Opportunity
from kam.opportunities.tests.fixtures import opportunity_details
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _audit(opportunity: Opportunity) -> list[AuditRecord]:
    return list(
        AuditRecord.objects.filter(object_type="opportunities.opportunity", object_id=str(opportunity.pk)).order_by(
            "id"
        )
    )


def test_alice_adds_an_opportunity_with_the_stages_default_probability(
    acme_retrofit: Opportunity, kam_alice: User, product_lines: dict[str, ProductLine]
) -> None:
    assert (acme_retrofit.stage, acme_retrofit.probability) == (Stage.PROPOSAL, 50)
    assert acme_retrofit.weighted_amount == Decimal("50000.00")
    assert acme_retrofit.created_by == kam_alice
    assert list(acme_retrofit.product_lines.all()) == [product_lines["PUMPS"]]
    assert sorted(acme_retrofit.buying_influences.values_list("code", flat=True)) == ["JL", "MR"]
    (record,) = _audit(acme_retrofit)
    assert record.action == "opportunity.create"
    assert record.actor == kam_alice
    assert record.changes["stage"] == [None, "proposal"]
    assert record.changes["probability"] == [None, 50]
    assert record.changes["amount"] == [None, "100000.00"]


def test_a_probability_given_overrides_the_stages_default(accounts: dict[str, Account], director: User) -> None:
    opportunity = do_create_opportunity(
        accounts["ACME"], opportunity_details(stage=Stage.NEGOTIATION, probability=60), acting_user=director
    )

    assert opportunity.probability == 60


def test_team_tina_may_not_add_or_edit_an_opportunity_on_acme(acme_retrofit: Opportunity, team_tina: User) -> None:
    with pytest.raises(PermissionDenied):
        do_create_opportunity(acme_retrofit.account, opportunity_details(), acting_user=team_tina)
    with pytest.raises(PermissionDenied):
        do_update_opportunity(acme_retrofit, opportunity_details(name="Tina's"), acting_user=team_tina)
    with pytest.raises(PermissionDenied):
        do_close_opportunity(acme_retrofit, won=True, acting_user=team_tina)
    assert Opportunity.objects.get().name == "Plant retrofit"


@pytest.mark.parametrize("persona", ["kam_bob", "outsider_olga", "viewer_victor"])
def test_people_who_do_not_manage_the_account_may_not_add_opportunities(
    accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        do_create_opportunity(accounts["BOREAL"], opportunity_details(), acting_user=request.getfixturevalue(persona))


def test_a_buying_influence_of_another_account_is_refused_naming_the_field(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    anne = accounts["COBALT"].contacts.get(code="AD")

    with pytest.raises(OpportunityError, match=r"^Buying influences: Anne Dupont is not a contact of Acme Group\.$"):
        do_create_opportunity(accounts["ACME"], opportunity_details(buying_influences=[anne]), acting_user=kam_alice)
    assert Opportunity.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " "}, r"^Name: say what the opportunity is\.$"),
        ({"amount": Decimal("-1")}, r"^Amount: it cannot be negative\.$"),
        ({"probability": 101}, r"^Probability: a whole number from 0 to 100 \(got 101\)\.$"),
        ({"stage": "dreaming"}, r"^Stage: dreaming is not a stage\.$"),
    ],
)
def test_invalid_opportunities_are_refused_naming_the_field(
    accounts: dict[str, Account], kam_alice: User, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(OpportunityError, match=message):
        do_create_opportunity(accounts["ACME"], opportunity_details(**fields), acting_user=kam_alice)


def test_a_stage_change_is_audited_with_before_and_after_and_takes_the_new_default(
    acme_retrofit: Opportunity, kam_alice: User
) -> None:
    updated = do_update_opportunity(
        acme_retrofit,
        opportunity_details(
            stage=Stage.NEGOTIATION,
            owner=kam_alice,
            product_lines=list(acme_retrofit.product_lines.all()),
            buying_influences=list(acme_retrofit.buying_influences.all()),
        ),
        acting_user=kam_alice,
    )

    assert (updated.stage, updated.probability) == (Stage.NEGOTIATION, 75)
    record = _audit(acme_retrofit)[-1]
    assert record.action == "opportunity.update"
    assert record.changes == {"stage": ["proposal", "negotiation"], "probability": [50, 75]}


def test_an_overridden_probability_stays_while_the_stage_stays(acme_retrofit: Opportunity, kam_alice: User) -> None:
    do_update_opportunity(
        acme_retrofit, opportunity_details(stage=Stage.PROPOSAL, probability=40), acting_user=kam_alice
    )

    kept = do_update_opportunity(
        acme_retrofit, opportunity_details(stage=Stage.PROPOSAL, amount=Decimal("90000")), acting_user=kam_alice
    )

    assert (kept.probability, kept.amount) == (40, Decimal("90000"))


@time_machine.travel("2026-05-20 12:00 +0200", tick=False)
def test_closing_as_won_sets_probability_100_and_the_close_date(acme_retrofit: Opportunity, kam_alice: User) -> None:
    won = do_close_opportunity(acme_retrofit, won=True, acting_user=kam_alice)

    assert (won.stage, won.probability, won.closed_on) == (Stage.WON, 100, dt.date(2026, 5, 20))
    record = _audit(acme_retrofit)[-1]
    assert record.action == "opportunity.won"
    assert record.changes == {
        "stage": ["proposal", "won"],
        "probability": [50, 100],
        "closed_on": [None, "2026-05-20"],
    }


def test_closing_as_lost_sets_probability_0_and_cannot_be_repeated(acme_retrofit: Opportunity, director: User) -> None:
    lost = do_close_opportunity(acme_retrofit, won=False, acting_user=director)

    assert (lost.stage, lost.probability, lost.weighted_amount) == (Stage.LOST, 0, Decimal("0.00"))
    with pytest.raises(OpportunityError, match=r"^Stage: the opportunity is already closed \(Lost\)\.$"):
        do_close_opportunity(acme_retrofit, won=True, acting_user=director)


def test_moving_to_a_closed_stage_by_update_forces_its_probability(acme_retrofit: Opportunity, kam_alice: User) -> None:
    won = do_update_opportunity(
        acme_retrofit, opportunity_details(stage=Stage.WON, probability=30), acting_user=kam_alice
    )

    assert won.probability == 100
    assert won.closed_on is not None


def test_an_amount_given_without_its_decimals_is_no_change_in_the_audit_trail(
    acme_retrofit: Opportunity, kam_alice: User
) -> None:
    renamed = do_update_opportunity(
        acme_retrofit,
        opportunity_details(name="Plant retrofit, phase 1", stage=Stage.PROPOSAL, amount=Decimal("100000")),
        acting_user=kam_alice,
    )

    assert renamed.amount == Decimal("100000.00")
    record = _audit(acme_retrofit)[-1]
    assert record.action == "opportunity.update"
    assert record.changes["name"] == ["Plant retrofit", "Plant retrofit, phase 1"]
    assert "amount" not in record.changes


def test_an_amount_the_column_cannot_hold_is_refused_and_nothing_changes(
    acme_retrofit: Opportunity, kam_alice: User
) -> None:
    with pytest.raises(OpportunityError, match=r"^Amount: it must be less than 10,000,000,000,000,000\.$"):
        do_update_opportunity(acme_retrofit, opportunity_details(amount=Decimal("1e16")), acting_user=kam_alice)

    acme_retrofit.refresh_from_db()
    assert acme_retrofit.amount == Decimal("100000.00")
