"""The buying-influence coverage check: every uncovered Miller Heiman role is a red flag."""

from __future__ import annotations

from kam.opportunities.choices import CoverageGap
from kam.opportunities.coverage import Influence, coverage_gaps


def test_no_influences_leave_every_role_uncovered() -> None:
    assert coverage_gaps([]) == [
        CoverageGap.NO_ECONOMIC_BUYER,
        CoverageGap.NO_COACH,
        CoverageGap.NO_TECHNICAL_BUYER,
        CoverageGap.NO_USER_BUYER,
    ]


def test_economic_technical_and_user_buyers_and_a_coach_cover_the_sale() -> None:
    influences = [
        Influence("economic_buyer"),
        Influence("technical_buyer"),
        Influence("user_buyer"),
        Influence("coach"),
    ]

    assert coverage_gaps(influences) == []


def test_a_champion_of_any_role_is_the_coach() -> None:
    influences = [Influence("economic_buyer", "supporter"), Influence("user_buyer", "champion")]

    assert coverage_gaps(influences) == [CoverageGap.NO_TECHNICAL_BUYER]


def test_a_supporter_is_not_a_coach() -> None:
    influences = [Influence("economic_buyer"), Influence("technical_buyer"), Influence("user_buyer", "supporter")]

    assert coverage_gaps(influences) == [CoverageGap.NO_COACH]


def test_decision_makers_and_influencers_cover_no_miller_heiman_role() -> None:
    influences = [Influence("decision_maker", "neutral"), Influence("influencer"), Influence("gatekeeper")]

    assert coverage_gaps(influences) == [
        CoverageGap.NO_ECONOMIC_BUYER,
        CoverageGap.NO_COACH,
        CoverageGap.NO_TECHNICAL_BUYER,
        CoverageGap.NO_USER_BUYER,
    ]


def test_the_flags_read_as_sentences() -> None:
    assert str(CoverageGap.NO_ECONOMIC_BUYER.label) == (
        "No economic buyer is among the buying influences: who releases the money?"
    )
