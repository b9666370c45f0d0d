"""The coverage rules of the relationship map, on hand-made people (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from kam.key_accounts.coverage import (
    Finding,
    OrgNode,
    coverage_findings,
    map_status,
    org_chart,
    stale_days_setting,
)

TODAY = dt.date(2025, 6, 30)


@dataclass(frozen=True)
class P:
    """A contact as the rules read it."""

    code: str
    buying_role: str = ""
    influence: int | None = None
    attitude: str = ""
    relationship_level: str = ""
    last_contact_at: dt.date | None = TODAY
    is_active: bool = True
    reports_to: str | None = None


def codes(people: list[P]) -> list[str]:
    return [finding.code for finding in coverage_findings(people, today=TODAY, stale_days=90)]


COVERED = [
    P("EB", buying_role="economic_buyer", influence=5, attitude="supporter"),
    P("CH", buying_role="user_buyer", influence=3, attitude="champion", relationship_level="in_depth"),
]


def test_a_covered_buying_centre_has_no_findings() -> None:
    assert coverage_findings(COVERED, today=TODAY, stale_days=90) == []


def test_no_contacts_means_no_economic_buyer_and_no_champion_but_not_single_threaded() -> None:
    assert codes([]) == ["no_economic_buyer", "no_champion"]


def test_an_economic_buyer_who_left_does_not_count() -> None:
    people = [P("EB", buying_role="economic_buyer", influence=5, is_active=False), *COVERED[1:], P("X", influence=4)]

    assert codes(people) == ["no_economic_buyer"]


def test_a_coach_by_buying_role_is_a_champion() -> None:
    people = [COVERED[0], P("CO", buying_role="coach", relationship_level="regular")]

    assert codes(people) == []


def test_nobody_coach_or_champion_is_no_champion() -> None:
    people = [COVERED[0], P("SU", attitude="supporter", relationship_level="regular")]

    assert codes(people) == ["no_champion"]


def test_one_strong_thread_is_single_threaded_and_names_that_person() -> None:
    people = [
        P("EB", buying_role="economic_buyer", influence=5),
        P("CH", attitude="champion", influence=3, relationship_level="brief"),
    ]

    assert coverage_findings(people, today=TODAY, stale_days=90) == [Finding("single_threaded", {"codes": ["EB"]})]


def test_active_contacts_without_any_strong_thread_are_single_threaded_with_nobody_named() -> None:
    people = [P("EB", buying_role="economic_buyer", influence=3), P("CH", attitude="champion", influence=2)]

    assert coverage_findings(people, today=TODAY, stale_days=90) == [Finding("single_threaded", {"codes": []})]


def test_a_strong_thread_who_left_does_not_carry_the_account() -> None:
    people = [*COVERED, P("GONE", influence=5, is_active=False)]
    people[1] = P("CH", attitude="champion", influence=3, relationship_level="brief")

    assert codes(people) == ["single_threaded"]


def test_a_contact_exactly_n_days_ago_is_not_stale_and_one_day_more_is() -> None:
    on_the_day = P("ON", last_contact_at=TODAY - dt.timedelta(days=90))
    one_more = P("OLD", last_contact_at=TODAY - dt.timedelta(days=91))

    findings = coverage_findings([*COVERED, on_the_day, one_more], today=TODAY, stale_days=90)

    assert findings == [Finding("stale_contacts", {"codes": ["OLD"], "days": 90})]


def test_the_stale_threshold_is_a_parameter() -> None:
    people = [*COVERED, P("OLD", last_contact_at=TODAY - dt.timedelta(days=31))]

    assert coverage_findings(people, today=TODAY, stale_days=30) == [
        Finding("stale_contacts", {"codes": ["OLD"], "days": 30})
    ]
    assert coverage_findings(people, today=TODAY, stale_days=31) == []


def test_never_contacted_and_departed_people_are_not_stale() -> None:
    people = [
        *COVERED,
        P("NEVER", last_contact_at=None),
        P("GONE", last_contact_at=dt.date(2020, 1, 1), is_active=False),
    ]

    assert codes(people) == []


def test_a_champion_who_left_is_champion_departed() -> None:
    people = [
        *COVERED,
        P("OLDCH", attitude="champion", is_active=False),
        P("OLDCOACH", buying_role="coach", is_active=False),
        P("OLDCRITIC", attitude="critic", is_active=False),
    ]

    assert coverage_findings(people, today=TODAY, stale_days=90) == [
        Finding("champion_departed", {"codes": ["OLDCH", "OLDCOACH"]})
    ]


def test_findings_come_in_a_fixed_order() -> None:
    people = [
        P("A", influence=2, last_contact_at=dt.date(2024, 1, 1)),
        P("B", attitude="champion", is_active=False),
    ]

    assert codes(people) == [
        "no_economic_buyer",
        "no_champion",
        "single_threaded",
        "stale_contacts",
        "champion_departed",
    ]


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ([], 0),
        ([P("GONE", buying_role="economic_buyer", influence=5, attitude="champion", is_active=False)], 0),
        ([P("A", influence=3, attitude="champion")], 1),
        ([P("A", influence=4, attitude="neutral"), P("B", influence=2, attitude="champion")], 2),
        ([P("A", buying_role="decision_maker", attitude="critic")], 2),
        ([P("A", buying_role="economic_buyer", influence=1, attitude="supporter")], 3),
        ([P("A", influence=5, attitude="champion")], 3),
    ],
    ids=[
        "no contacts",
        "only departed",
        "no key player",
        "key player neutral",
        "decision maker critic",
        "supportive economic buyer",
        "champion with influence 5",
    ],
)
def test_map_status_levels(people: list[P], expected: int) -> None:
    assert map_status(people) == expected


Tree = list[tuple[str, "Tree"]]


def show(nodes: list[OrgNode[P]]) -> Tree:
    return [(node.item.code, show(node.children)) for node in nodes]


def chart(people: list[P]) -> Tree:
    return show(org_chart(people, key=lambda p: p.code, parent=lambda p: p.reports_to))


def test_the_org_chart_nests_people_under_their_manager_in_the_given_order() -> None:
    people = [P("CEO"), P("CFO", reports_to="CEO"), P("BUYER", reports_to="CFO"), P("COO", reports_to="CEO")]

    assert chart(people) == [("CEO", [("CFO", [("BUYER", [])]), ("COO", [])])]


def test_someone_whose_manager_is_missing_is_a_root() -> None:
    assert chart([P("A", reports_to="NOBODY"), P("B", reports_to="A")]) == [("A", [("B", [])])]


def test_a_cycle_is_broken_and_everyone_appears_once() -> None:
    people = [P("A", reports_to="B"), P("B", reports_to="A"), P("SELF", reports_to="SELF")]

    assert chart(people) == [("SELF", []), ("A", [("B", [])])]


def test_the_stale_days_setting_defaults_to_90() -> None:
    assert stale_days_setting() == 90


@override_settings(CONTACT_STALE_DAYS="30")
def test_the_stale_days_setting_reads_the_configured_number() -> None:
    assert stale_days_setting() == 30


@pytest.mark.parametrize("raw", ["ninety", "0"])
def test_a_malformed_stale_days_setting_names_the_variable(raw: str) -> None:
    with override_settings(CONTACT_STALE_DAYS=raw), pytest.raises(ImproperlyConfigured, match="KAM_CONTACT_STALE_DAYS"):
        stale_days_setting()
