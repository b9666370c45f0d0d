"""Tests of ``kam_engine.selection``: optima checked against brute-force enumeration."""

from __future__ import annotations

import itertools
from typing import Any
from unittest.mock import patch

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.selection import Conflict, PortfolioChoice, choose_portfolio, resolve_kams
from kam_engine.selection_policy import (
    CandidatePoolConfig,
    CapacityConfig,
    KamCapacity,
    ListEntry,
    ObjectiveConfig,
    SelectionPolicy,
)


def accounts(rows: list[tuple[str, float, float, bool, str | None]]) -> pa.Table:
    return pa.table(
        {
            "account": pa.array([r[0] for r in rows], pa.string()),
            "value": pa.array([r[1] for r in rows], pa.float64()),
            "hours": pa.array([r[2] for r in rows], pa.float64()),
            "is_candidate": pa.array([r[3] for r in rows], pa.bool_()),
            "current_kam": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def make_policy(
    *,
    max_accounts: int = 5,
    max_hours: float = 100.0,
    min_key: int = 0,
    max_key: int = 35,
    bonus: float = 0.0,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    max_candidates: int = 5000,
) -> SelectionPolicy:
    return SelectionPolicy(
        capacity=CapacityConfig(
            max_accounts_per_kam=max_accounts,
            max_hours_per_kam=max_hours,
            min_key_accounts=min_key,
            max_key_accounts=max_key,
        ),
        objective=ObjectiveConfig(stability_bonus=bonus, gap=0.0, time_limit_seconds=10.0),
        candidates=CandidatePoolConfig(max_candidates=max_candidates),
        must_include=tuple(ListEntry(code, "board") for code in include),
        must_exclude=tuple(ListEntry(code, "board") for code in exclude),
    )


def enumerate_optimum(table: pa.Table, kams: list[KamCapacity], policy: SelectionPolicy) -> float | None:
    """The best objective over every choose-and-assign possibility, ``None`` when none is feasible."""
    rows = table.to_pylist()
    resolved = resolve_kams(kams, policy)
    include = {e.code for e in policy.must_include}
    exclude = {e.code for e in policy.must_exclude}
    if include - {r["account"] for r in rows}:
        return None
    options = []
    for row in rows:
        allowed = row["account"] not in exclude and (row["is_candidate"] or row["account"] in include)
        choices = list(range(len(resolved))) if allowed else []
        options.append(choices if row["account"] in include else [-1, *choices])
    best: float | None = None
    for assignment in itertools.product(*options):
        count = [0] * len(resolved)
        hours = [0.0] * len(resolved)
        total = 0.0
        for row, k in zip(rows, assignment, strict=True):
            if k < 0:
                continue
            count[k] += 1
            hours[k] += row["hours"]
            keeps = row["current_kam"] == resolved[k][0]
            total += row["value"] * (1 + policy.objective.stability_bonus) if keeps else row["value"]
        chosen = sum(1 for k in assignment if k >= 0)
        if not policy.capacity.min_key_accounts <= chosen <= policy.capacity.max_key_accounts:
            continue
        if any(c > r[1] or h > r[2] + 1e-9 for c, h, r in zip(count, hours, resolved, strict=True)):
            continue
        if best is None or total > best:
            best = total
    return best


def selected(choice: PortfolioChoice) -> list[str]:
    return [row["account"] for row in choice.decisions.to_pylist() if row["selected"]]


def column(choice: PortfolioChoice, name: str) -> list[Any]:
    return choice.decisions.column(name).to_pylist()


TWO_KAMS = [KamCapacity("ann"), KamCapacity("bob")]


def test_it_matches_the_enumerated_optimum_when_hours_bind() -> None:
    table = accounts(
        [
            ("a", 10.0, 70.0, True, None),
            ("b", 8.0, 50.0, True, None),
            ("c", 7.0, 50.0, True, None),
            ("d", 6.0, 40.0, True, None),
            ("e", 3.0, 30.0, True, None),
        ]
    )
    policy = make_policy(max_hours=100.0)
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.status == "optimal"
    assert choice.method == "joint"
    assert choice.objective == enumerate_optimum(table, TWO_KAMS, policy) == 28.0
    assert selected(choice) == ["a", "b", "c", "e"]
    assert choice.gap == 0.0
    assert choice.conflicts == ()


def test_it_matches_the_enumerated_optimum_when_the_count_binds() -> None:
    table = accounts(
        [(code, value, 10.0, True, None) for code, value in zip("abcdef", [6, 5, 4, 3, 2, 1], strict=True)]
    )
    policy = make_policy(max_accounts=2)
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.objective == enumerate_optimum(table, TWO_KAMS, policy) == 18.0
    assert selected(choice) == ["a", "b", "c", "d"]
    assert column(choice, "reason") == ["selected"] * 4 + ["below_marginal"] * 2
    assert choice.marginal == {"account": "d", "value": 3.0}


def test_it_takes_a_worthless_account_to_reach_min_key_accounts() -> None:
    table = accounts([("a", 5.0, 10.0, True, None), ("b", 0.0, 10.0, True, None), ("c", -1.0, 10.0, True, None)])
    policy = make_policy(min_key=2)
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.objective == enumerate_optimum(table, TWO_KAMS, policy) == 5.0
    assert selected(choice) == ["a", "b"]
    assert column(choice, "reason") == ["selected", "selected", "no_value"]


def test_it_leaves_worthless_accounts_out_without_a_minimum() -> None:
    table = accounts([("a", 5.0, 10.0, True, None), ("b", 0.0, 10.0, True, None)])
    choice = choose_portfolio(table, TWO_KAMS, make_policy())
    assert selected(choice) == ["a"]
    assert column(choice, "reason") == ["selected", "no_value"]


def test_it_breaks_ties_deterministically_with_the_exact_objective() -> None:
    table = accounts([(code, 4.0, 60.0, True, None) for code in "abcd"])
    policy = make_policy(max_hours=100.0)
    first = choose_portfolio(table, TWO_KAMS, policy)
    second = choose_portfolio(table, TWO_KAMS, policy)
    assert first.objective == enumerate_optimum(table, TWO_KAMS, policy) == 8.0
    assert first.decisions.equals(second.decisions)
    assert len(selected(first)) == 2
    assert sorted(kam for kam in column(first, "kam") if kam) == ["ann", "bob"]


def test_it_keeps_current_pairs_for_the_stability_bonus() -> None:
    table = accounts([("a", 10.0, 60.0, True, "bob"), ("b", 10.0, 60.0, True, "ann"), ("c", 1.0, 40.0, True, "ann")])
    policy = make_policy(max_hours=100.0, bonus=0.5)
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.objective == enumerate_optimum(table, TWO_KAMS, policy) == 31.5
    assert column(choice, "kam") == ["bob", "ann", "ann"]


def test_it_honours_must_include_and_must_exclude() -> None:
    table = accounts([("a", 10.0, 50.0, True, None), ("b", 1.0, 50.0, False, None), ("c", 9.0, 50.0, True, None)])
    policy = make_policy(max_hours=100.0, max_accounts=1, include=("b",), exclude=("a",))
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.objective == enumerate_optimum(table, TWO_KAMS, policy) == 10.0
    assert column(choice, "reason") == ["must_exclude", "must_include", "selected"]
    assert choice.marginal == {"account": "c", "value": 9.0}


def test_it_never_selects_a_non_candidate() -> None:
    table = accounts([("a", 10.0, 50.0, False, None), ("b", 1.0, 50.0, True, None)])
    choice = choose_portfolio(table, TWO_KAMS, make_policy())
    assert selected(choice) == ["b"]
    assert column(choice, "reason") == ["not_candidate", "selected"]


def test_it_marks_an_account_larger_than_every_kam() -> None:
    table = accounts([("a", 10.0, 150.0, True, None), ("b", 1.0, 50.0, True, None)])
    choice = choose_portfolio(table, [KamCapacity("ann", max_hours=120.0), KamCapacity("bob")], make_policy())
    assert column(choice, "reason") == ["too_large", "selected"]
    assert choice.objective == 1.0


def test_it_preselects_the_most_valuable_candidates() -> None:
    table = accounts([(code, value, 10.0, True, None) for code, value in zip("abcd", [1, 4, 3, 2], strict=True)])
    policy = make_policy(max_candidates=2, include=("a",))
    choice = choose_portfolio(table, TWO_KAMS, policy)
    assert choice.preselected_out == 2
    assert column(choice, "reason") == ["must_include", "selected", "preselection", "preselection"]
    assert choice.objective == 5.0


def test_it_gives_every_reason_code_the_marginal_and_the_value_of_one_more_kam() -> None:
    table = accounts(
        [
            ("a", 9.0, 50.0, True, None),  # selected
            ("b", 2.0, 10.0, False, None),  # must_include although not a candidate
            ("c", 8.0, 10.0, True, None),  # must_exclude
            ("d", 5.0, 10.0, False, None),  # not_candidate
            ("e", 7.0, 500.0, True, None),  # too_large
            ("f", 0.0, 10.0, True, None),  # no_value
            ("g", 6.0, 90.0, True, None),  # capacity: worth more than the marginal, does not fit
            ("h", 3.0, 40.0, True, None),  # selected, the marginal account
            ("i", 1.0, 10.0, True, None),  # below_marginal
        ]
    )
    kams = [KamCapacity("ann", max_accounts=3)]
    policy = make_policy(max_hours=100.0, include=("b",), exclude=("c",))
    choice = choose_portfolio(table, kams, policy)
    assert column(choice, "reason") == [
        "selected",
        "must_include",
        "must_exclude",
        "not_candidate",
        "too_large",
        "no_value",
        "capacity",
        "selected",
        "below_marginal",
    ]
    assert choice.objective == 14.0 == enumerate_optimum(table, kams, policy)
    assert choice.marginal == {"account": "h", "value": 3.0}
    # One more KAM (5 accounts, 100 hours) takes g (6) and i (1).
    assert choice.value_of_one_more_kam == 7.0
    assert choice.kam_load.to_pylist() == [
        {"kam": "ann", "accounts": 3, "hours": 100.0, "max_accounts": 3, "max_hours": 100.0}
    ]


def infeasible(table: pa.Table, kams: list[KamCapacity], policy: SelectionPolicy) -> tuple[Conflict, ...]:
    choice = choose_portfolio(table, kams, policy)
    assert choice.status == "infeasible"
    assert choice.gap is None
    assert choice.value_of_one_more_kam is None
    assert set(column(choice, "reason")) == {"infeasible"}
    assert not any(column(choice, "selected"))
    return choice.conflicts


SMALL = accounts([("a", 5.0, 60.0, True, None), ("b", 4.0, 60.0, True, None), ("c", 3.0, 60.0, True, None)])


def test_it_reports_no_kams() -> None:
    assert infeasible(SMALL, [], make_policy()) == (Conflict("no_kams", {}),)


def test_it_reports_unknown_must_include_accounts() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(include=("z", "y", "a")))
    assert conflicts == (Conflict("must_include_unknown", {"accounts": ["y", "z"]}),)


def test_it_reports_must_include_above_max_key_accounts() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(include=("a", "b"), max_key=1, max_hours=200.0))
    assert conflicts == (Conflict("must_include_exceeds_max_key_accounts", {"count": 2, "max": 1}),)


def test_it_reports_must_include_above_the_kam_slots() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(include=("a", "b", "c"), max_accounts=1, max_hours=200.0))
    assert conflicts == (Conflict("must_include_exceeds_kam_slots", {"count": 3, "slots": 2}),)


def test_it_reports_must_include_above_the_hours() -> None:
    conflicts = infeasible(SMALL, [KamCapacity("ann")], make_policy(include=("a", "b")))
    assert conflicts == (Conflict("must_include_exceeds_hours", {"hours": 120.0, "capacity": 100.0}),)


def test_it_reports_a_must_include_account_above_every_kam() -> None:
    conflicts = infeasible(
        SMALL, [KamCapacity("ann", max_hours=50.0), KamCapacity("bob")], make_policy(include=("a",), max_hours=40.0)
    )
    assert conflicts == (Conflict("account_exceeds_every_kam", {"account": "a", "hours": 60.0, "largest": 50.0}),)


def test_it_reports_min_key_accounts_above_the_candidates() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(min_key=4, exclude=("c",), max_key=10))
    assert conflicts == (Conflict("min_key_accounts_exceeds_candidates", {"min": 4, "candidates": 2}),)


def test_it_reports_min_key_accounts_above_the_slots() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(min_key=3, max_accounts=1, max_hours=200.0))
    assert conflicts == (Conflict("min_key_accounts_exceeds_slots", {"min": 3, "slots": 2}),)


def test_it_reports_must_include_accounts_that_cannot_be_packed() -> None:
    conflicts = infeasible(SMALL, TWO_KAMS, make_policy(include=("a", "b", "c"), max_hours=100.0))
    assert conflicts == (Conflict("must_include_cannot_be_packed", {"accounts": ["a", "b", "c"]}),)


def test_it_decomposes_a_larger_instance_within_capacity() -> None:
    rng = np.random.default_rng(7)
    n = 300
    codes = [f"A{i:03d}" for i in range(n)]
    kams = [KamCapacity(f"k{k:02d}", max_accounts=6, max_hours=float(rng.integers(300, 600))) for k in range(20)]
    current = [f"k{int(rng.integers(20)):02d}" if rng.random() < 0.3 else None for _ in range(n)]
    table = pa.table(
        {
            "account": codes,
            "value": rng.lognormal(2.0, 1.0, n),
            "hours": rng.integers(40, 200, n).astype(float),
            "is_candidate": rng.random(n) < 0.9,
            "current_kam": pa.array(current, pa.string()),
        }
    )
    policy = SelectionPolicy(
        capacity=CapacityConfig(max_key_accounts=80),
        objective=ObjectiveConfig(stability_bonus=0.05, time_limit_seconds=4.0, gap=0.02),
        must_include=(ListEntry("A000", "board"),),
    )
    choice = choose_portfolio(table, kams, policy)
    assert choice.method == "choose_then_assign"
    assert choice.bound is not None
    assert choice.objective <= choice.bound + 1e-6
    assert choice.gap is not None
    assert choice.gap <= 0.05
    assert_within_capacity(choice, table, kams, policy)


def assert_within_capacity(
    choice: PortfolioChoice, table: pa.Table, kams: list[KamCapacity], policy: SelectionPolicy
) -> None:
    rows = {row["account"]: row for row in table.to_pylist()}
    decisions = choice.decisions.to_pylist()
    chosen = [d for d in decisions if d["selected"]]
    for code, max_accounts, max_hours in resolve_kams(kams, policy):
        mine = [d for d in chosen if d["kam"] == code]
        assert len(mine) <= max_accounts
        assert sum(d["hours"] for d in mine) <= max_hours + 1e-6
    assert policy.capacity.min_key_accounts <= len(chosen) <= policy.capacity.max_key_accounts
    codes = {d["account"] for d in chosen}
    assert {e.code for e in policy.must_include} <= codes
    assert not codes & {e.code for e in policy.must_exclude}
    assert all(rows[c]["is_candidate"] or c in {e.code for e in policy.must_include} for c in codes)
    assert [d["account"] for d in decisions] == sorted(rows)


@st.composite
def instances(draw: st.DrawFn) -> tuple[pa.Table, list[KamCapacity], SelectionPolicy]:
    n = draw(st.integers(1, 5))
    k = draw(st.integers(1, 3))
    kam_codes = [f"k{i}" for i in range(k)]
    codes = [f"a{i}" for i in range(n)]
    rows = [
        (
            code,
            float(draw(st.integers(-2, 10))),
            float(draw(st.integers(0, 100))),
            draw(st.booleans()),
            draw(st.sampled_from([None, "nobody", *kam_codes])),
        )
        for code in codes
    ]
    kams = [
        KamCapacity(
            code,
            draw(st.one_of(st.none(), st.integers(0, 3))),
            draw(st.one_of(st.none(), st.integers(0, 150).map(float))),
        )
        for code in kam_codes
    ]
    min_key = draw(st.integers(0, 2))
    listed = draw(st.lists(st.sampled_from(codes), unique=True, max_size=3))
    cut = draw(st.integers(0, len(listed)))
    policy = make_policy(
        max_accounts=draw(st.integers(0, 3)),
        max_hours=float(draw(st.integers(0, 150))),
        min_key=min_key,
        max_key=draw(st.integers(min_key, 5)),
        bonus=draw(st.sampled_from([0.0, 0.1, 0.5])),
        include=tuple(listed[:cut]),
        exclude=tuple(listed[cut:]),
    )
    return accounts(rows), kams, policy


@settings(max_examples=40, deadline=None)
@given(instances())
def test_it_respects_every_constraint_and_finds_the_enumerated_optimum(
    instance: tuple[pa.Table, list[KamCapacity], SelectionPolicy],
) -> None:
    table, kams, policy = instance
    choice = choose_portfolio(table, kams, policy)
    optimum = enumerate_optimum(table, kams, policy)
    if choice.status == "infeasible":
        assert optimum is None
        assert choice.conflicts
        return
    assert optimum is not None
    assert_within_capacity(choice, table, kams, policy)
    assert choice.bound is not None
    assert choice.objective <= choice.bound + 1e-6
    if choice.status == "optimal":
        assert abs(choice.objective - optimum) <= 1e-6
    assert choice.value_of_one_more_kam is not None
    assert choice.value_of_one_more_kam >= 0.0


def test_it_chooses_nothing_from_an_empty_table() -> None:
    choice = choose_portfolio(accounts([]), TWO_KAMS, make_policy())
    assert (choice.status, choice.objective, choice.gap, choice.marginal) == ("optimal", 0.0, 0.0, None)
    assert choice.decisions.num_rows == 0
    assert choice.kam_load.column("accounts").to_pylist() == [0, 0]


def test_it_rejects_a_kam_listed_twice() -> None:
    with pytest.raises(ValueError, match="KAM more than once"):
        choose_portfolio(SMALL, [KamCapacity("ann"), KamCapacity("ann")], make_policy())


@settings(max_examples=40, deadline=None)
@given(instances())
def test_it_bounds_the_enumerated_optimum_when_it_decomposes(
    instance: tuple[pa.Table, list[KamCapacity], SelectionPolicy],
) -> None:
    table, kams, policy = instance
    with patch("kam_engine.selection.JOINT_PAIR_LIMIT", -1):
        choice = choose_portfolio(table, kams, policy)
    optimum = enumerate_optimum(table, kams, policy)
    if choice.status == "infeasible":
        assert optimum is None
        return
    assert optimum is not None
    assert_within_capacity(choice, table, kams, policy)
    assert choice.bound is not None
    assert choice.objective <= optimum + 1e-6
    assert optimum <= choice.bound + 1e-6
    if choice.method == "choose_then_assign" and choice.status == "optimal":
        assert abs(choice.objective - optimum) <= 1e-6


def test_its_bound_knows_that_large_accounts_do_not_pack_into_a_kam() -> None:
    # Four 60-hour accounts and two KAMs of 100 hours: 240 hours would fit 200 in aggregate
    # three at a time, but a KAM holds only one of them, so two is the optimum and the bound.
    table = accounts([(code, 1.0, 60.0, True, None) for code in ("a", "b", "c", "d")])
    with patch("kam_engine.selection.JOINT_PAIR_LIMIT", -1):
        choice = choose_portfolio(
            table, [KamCapacity("ann"), KamCapacity("bob")], make_policy(max_hours=100.0), value_of_one_more_kam=False
        )

    assert choice.method == "choose_then_assign"
    assert (choice.status, choice.objective, choice.bound, choice.gap) == ("optimal", 2.0, 2.0, 0.0)
