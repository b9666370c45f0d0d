"""Surveys (the customer's rating of us), our assessment of the customer, and whether the feeling is mutual."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django import DjangoAssertNumQueries

from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_record_assessment, do_record_survey
from kam.key_accounts.models import Account, SurveyResponse
from kam.key_accounts.queries import mutuality_for
from kam.users.models import User

pytestmark = pytest.mark.django_db


def test_a_survey_answer_is_recorded_and_audited(accounts: dict[str, Account], kam_alice: User) -> None:
    acme = accounts["ACME"]
    marta = acme.contacts.get(code="MR")

    survey = do_record_survey(
        acme,
        code="S-1",
        answered_on=dt.date(2026, 2, 1),
        satisfaction=8,
        nps=9,
        contact=marta,
        comment=" Good service ",
        acting_user=kam_alice,
    )

    assert (survey.code, survey.satisfaction, survey.nps, survey.contact, survey.comment) == (
        "S-1",
        8,
        9,
        marta,
        "Good service",
    )
    assert AuditRecord.objects.get(action="survey_response.create").changes["satisfaction"] == [None, 8]


def test_a_survey_answer_out_of_range_or_of_another_account_is_refused(
    accounts: dict[str, Account], kam_alice: User, director: User
) -> None:
    anne = accounts["COBALT"].contacts.get(code="AD")

    with pytest.raises(ValidationError) as error:
        do_record_survey(
            accounts["ACME"],
            code="S-1",
            answered_on=dt.date(2026, 2, 1),
            satisfaction=11,
            nps=-1,
            contact=anne,
            acting_user=director,
        )

    assert error.value.message_dict == {
        "satisfaction": ["Satisfaction: must be a whole number from 1 to 10."],
        "nps": ["Likelihood to recommend: must be a whole number from 0 to 10."],
        "contact": ["Contact: must be a contact of the same account."],
    }
    with pytest.raises(PermissionDenied):
        do_record_survey(
            accounts["COBALT"], code="S-1", answered_on=dt.date(2026, 2, 1), satisfaction=5, acting_user=kam_alice
        )
    assert SurveyResponse.objects.count() == 0


def test_an_assessment_needs_a_rating_from_1_to_10_and_a_manager(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    with pytest.raises(ValidationError) as error:
        do_record_assessment(accounts["ACME"], rating=0, acting_user=kam_alice)
    with pytest.raises(PermissionDenied):
        do_record_assessment(accounts["ACME"], rating=5, acting_user=team_tina)

    assert error.value.message_dict == {"rating": ["Rating: must be a whole number from 1 to 10."]}
    assessment = do_record_assessment(
        accounts["ACME"], rating=6, note="Engaged", assessed_on=dt.date(2026, 3, 1), acting_user=kam_alice
    )
    assert (assessment.rating, assessment.assessed_by, assessment.note) == (6, kam_alice, "Engaged")


def test_mutuality_takes_the_latest_of_each_and_flags_a_gap_of_three(
    accounts: dict[str, Account], kam_alice: User, kam_bob: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    acme, boreal, cobalt, delta = (accounts[code] for code in ("ACME", "BOREAL", "COBALT", "DELTA"))
    for code, day, satisfaction in (("S-1", 1, 9), ("S-2", 20, 4), ("S-3", 10, 10)):
        do_record_survey(
            acme, code=code, answered_on=dt.date(2026, 2, day), satisfaction=satisfaction, acting_user=kam_alice
        )
    do_record_assessment(acme, rating=3, assessed_on=dt.date(2026, 1, 1), acting_user=kam_alice)
    do_record_assessment(acme, rating=7, assessed_on=dt.date(2026, 3, 1), acting_user=kam_alice)
    do_record_survey(boreal, code="B-1", answered_on=dt.date(2026, 2, 1), satisfaction=6, acting_user=kam_alice)
    do_record_assessment(boreal, rating=8, assessed_on=dt.date(2026, 3, 1), acting_user=kam_alice)
    do_record_assessment(cobalt, rating=5, assessed_on=dt.date(2026, 3, 1), acting_user=kam_bob)

    with django_assert_num_queries(2):
        result = mutuality_for([acme, boreal, cobalt, delta])

    assert {
        account.code: (result[account.pk].satisfaction, result[account.pk].our_rating, result[account.pk].gap)
        for account in (acme, boreal, cobalt, delta)
    } == {
        "ACME": (4, 7, -3),
        "BOREAL": (6, 8, -2),
        "COBALT": (None, 5, None),
        "DELTA": (None, None, None),
    }
    assert [result[account.pk].not_mutual for account in (acme, boreal, cobalt, delta)] == [True, False, False, False]
    latest = result[acme.pk].survey
    assert latest is not None
    assert latest.code == "S-2"
