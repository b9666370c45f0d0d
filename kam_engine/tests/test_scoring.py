"""Key-account scoring on tiny tables whose every number can be checked by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.scoring import account_hours, account_values, mark_candidates, prepare_candidates, score_accounts
from kam_engine.selection_policy import SelectionPolicy, SelectionPolicyError, parse_selection_policy

STRENGTH = {"key": "mutuality", "weight": 100}
REVENUE = {"key": "revenue", "weight": 100}


def policy_of(*criteria: dict[str, Any], **sections: Any) -> SelectionPolicy:
    return parse_selection_policy({"criteria": list(criteria), **sections})


def criterion(key: str, scale: str, weight: float = 100, axis: str = "attractiveness", **extra: Any) -> dict[str, Any]:
    return {"key": key, "axis": axis, "weight": weight, "scale": scale, "column": key, **extra}


def scores_of(figures: pa.Table, policy: SelectionPolicy, key: str) -> list[float]:
    contributions = score_accounts(figures, policy).contributions
    return [row["score"] for row in contributions.to_pylist() if row["criterion"] == key]


def column(table: pa.Table, name: str) -> list[Any]:
    return table[name].to_pylist()


def test_it_scores_percentiles_with_average_ranks_for_ties_and_missing_values() -> None:
    figures = pa.table({"account": list("ABCDE"), "x": [10, 20, 20, 40, None], "mutuality": [5.0] * 5})

    assert scores_of(figures, policy_of(criterion("x", "percentile"), STRENGTH), "x") == [0.0, 5.0, 5.0, 10.0, 0.0]
    lower = policy_of(criterion("x", "percentile", direction="lower", missing_score=1.5), STRENGTH)
    assert scores_of(figures, lower, "x") == [10.0, 5.0, 5.0, 0.0, 1.5]


def test_it_scores_a_single_value_percentile_as_ten() -> None:
    figures = pa.table({"account": ["A", "B"], "x": [7.0, math.nan], "mutuality": [5.0, 5.0]})

    assert scores_of(figures, policy_of(criterion("x", "percentile"), STRENGTH), "x") == [10.0, 0.0]


def test_it_scores_minmax_in_both_directions() -> None:
    figures = pa.table({"account": list("ABCD"), "x": pa.array([2, 4, 10, None], pa.int32()), "mutuality": [5.0] * 4})

    assert scores_of(figures, policy_of(criterion("x", "minmax"), STRENGTH), "x") == [0.0, 2.5, 10.0, 0.0]
    lower = policy_of(criterion("x", "minmax", direction="lower"), STRENGTH)
    assert scores_of(figures, lower, "x") == [10.0, 7.5, 0.0, 0.0]


def test_it_scores_minmax_of_equal_values_as_ten() -> None:
    figures = pa.table({"account": ["A", "B"], "x": [3.0, 3.0], "mutuality": [5.0, 5.0]})

    assert scores_of(figures, policy_of(criterion("x", "minmax"), STRENGTH), "x") == [10.0, 10.0]


def test_it_scores_thresholds_reached_from_above_and_from_below() -> None:
    figures = pa.table({"account": list("ABCDEF"), "x": [1, 2, 3.5, 5, 7, None], "mutuality": [5.0] * 6})
    higher = policy_of(criterion("x", "thresholds", thresholds=[2, 3, 4, 5]), STRENGTH)
    lower = policy_of(criterion("x", "thresholds", thresholds=[2, 3, 4, 5], direction="lower"), STRENGTH)

    assert scores_of(figures, higher, "x") == [0.0, 2.5, 5.0, 10.0, 10.0, 0.0]
    assert scores_of(figures, lower, "x") == [10.0, 10.0, 5.0, 2.5, 0.0, 0.0]


def test_it_scores_ratings_clipped_to_one_to_ten_and_unrated_as_neutral() -> None:
    figures = pa.table({"account": list("ABCDE"), "x": [0.5, 1, 7.5, 12, None], "mutuality": [5.0] * 5})

    assert scores_of(figures, policy_of(criterion("x", "rating"), STRENGTH), "x") == [1.0, 1.0, 7.5, 10.0, 5.0]
    custom = policy_of(criterion("x", "rating", missing_score=2), STRENGTH)
    assert scores_of(figures, custom, "x")[-1] == 2.0


def test_it_scores_a_match_as_ten_or_zero_and_keeps_no_raw_value() -> None:
    figures = pa.table({"account": list("ABC"), "segment": ["retail", "steel", None], "mutuality": [5.0] * 3})
    policy = policy_of(criterion("segment", "match", targets=["retail", "food"]), STRENGTH)

    result = score_accounts(figures, policy)

    rows = [row for row in result.contributions.to_pylist() if row["criterion"] == "segment"]
    assert [row["score"] for row in rows] == [10.0, 0.0, 0.0]
    assert [row["value"] for row in rows] == [None, None, None]
    assert [row["is_missing"] for row in rows] == [False, False, True]
    assert column(result.accounts, "missing") == [0, 0, 1]


def test_it_places_an_account_exactly_at_a_cut_off_in_the_high_half() -> None:
    figures = pa.table({"account": list("DCBA"), "a": [4.9, 4.9, 5.0, 5.0], "s": [4.9, 5.0, 4.9, 5.0]})
    policy = policy_of(criterion("a", "rating"), criterion("s", "rating", axis="strength"))

    accounts = score_accounts(figures, policy).accounts

    assert column(accounts, "account") == ["A", "B", "C", "D"]
    assert column(accounts, "quadrant") == ["strategic", "star", "status", "streamline"]
    assert column(accounts, "phase") == ["growth", "growth", "maintenance", "cost_reduction"]
    assert column(accounts, "score") == [pytest.approx(score, rel=1e-9) for score in (5.0, 4.95, 4.95, 4.9)]


def test_it_sums_weighted_scores_to_the_axes_and_lists_contributions_in_policy_order() -> None:
    figures = pa.table(
        {
            "account": ["B", "A"],
            "revenue": [200.0, 100.0],
            "potential": [50.0, 10.0],
            "relationship_stage_score": [3, None],
            "mutuality": [8.0, None],
        }
    )
    policy = policy_of(
        {"key": "revenue", "weight": 60},
        {"key": "potential", "weight": 40, "scale": "minmax"},
        {"key": "relationship_stage", "weight": 50, "thresholds": [2, 3, 4, 5]},
        {"key": "mutuality", "weight": 50},
    )

    result = score_accounts(figures, policy)

    assert result.accounts.to_pylist() == [
        {
            "account": "A",
            "attractiveness": 0.0,
            "strength": 2.5,
            "score": 1.25,
            "quadrant": "streamline",
            "phase": "cost_reduction",
            "missing": 2,
        },
        {
            "account": "B",
            "attractiveness": 10.0,
            "strength": 6.5,
            "score": 8.25,
            "quadrant": "strategic",
            "phase": "growth",
            "missing": 0,
        },
    ]
    b_rows = result.contributions.slice(4).to_pylist()
    assert [(row["criterion"], row["axis"], row["value"], row["score"], row["contribution"]) for row in b_rows] == [
        ("revenue", "attractiveness", 200.0, 10.0, 6.0),
        ("potential", "attractiveness", 50.0, 10.0, 4.0),
        ("relationship_stage", "strength", 3.0, 5.0, 2.5),
        ("mutuality", "strength", 8.0, 8.0, 4.0),
    ]
    assert column(result.contributions, "account") == ["A"] * 4 + ["B"] * 4
    assert column(result.contributions, "is_missing")[:4] == [False, False, True, True]
    assert column(result.contributions, "value")[2:4] == [None, None]


def test_it_finds_the_smallest_single_criterion_change_that_moves_an_account() -> None:
    figures = pa.table({"account": ["P", "S"], "a1": [4.0, 2.0], "a2": [4.0, 2.0], "s1": [8.0, 6.0]})
    policy = policy_of(
        criterion("a1", "rating", 50), criterion("a2", "rating", 50), criterion("s1", "rating", axis="strength")
    )

    moves = score_accounts(figures, policy).moves.to_pylist()

    # P: raising a1 or a2 from 4 to 6 lifts attractiveness to 5 (a tie, so a1 comes first);
    # dropping s1 below 5 would take 3. S: dropping s1 just below 5 beats raising a1 by 6.
    assert moves[0] == {
        "account": "P",
        "criterion": "a1",
        "axis": "attractiveness",
        "to_quadrant": "strategic",
        "score_from": 4.0,
        "score_to": 6.0,
        "value_from": 4.0,
        "value_to": 6.0,
    }
    assert moves[1]["criterion"] == "s1"
    assert moves[1]["to_quadrant"] == "streamline"
    assert moves[1]["score_to"] == pytest.approx(5.0 - 1e-9, rel=1e-9)
    assert moves[1]["score_to"] < 5.0


def test_it_reports_no_move_for_an_account_no_single_criterion_can_move() -> None:
    figures = pa.table({"account": ["P", "Q"], "a1": [7.0, 1.0], "a2": [6.0, 1.0], "s1": [8.0, 1.0]})
    policy = policy_of(
        criterion("a1", "rating", 50),
        criterion("a2", "rating", 50),
        criterion("s1", "rating", axis="strength"),
        quadrants={"attractiveness_cutoff": 8.0, "strength_cutoff": 1.0},
    )

    moves = score_accounts(figures, policy).moves.to_pylist()

    # P needs +1.5 of attractiveness: a1 7 → 10 or a2 6 → 9, three points each; a1 comes first.
    assert (moves[0]["criterion"], moves[0]["score_to"], moves[0]["to_quadrant"]) == ("a1", 10.0, "strategic")
    # Q would need a rating of 15 to reach 8, and strength cannot drop below the lowest rating.
    assert moves[1] == {
        "account": "Q",
        "criterion": None,
        "axis": None,
        "to_quadrant": None,
        "score_from": None,
        "score_to": None,
        "value_from": None,
        "value_to": None,
    }


def test_it_inverts_percentiles_and_thresholds_to_the_value_that_moves_an_account() -> None:
    figures = pa.table(
        {
            "account": list("ACDE"),
            "revenue": [100.0, 300.0, 400.0, 500.0],
            "relationship_stage_score": [1.0, 3.5, 5.0, None],
        }
    )
    policy = policy_of(
        {"key": "relationship_stage", "weight": 100, "thresholds": [2, 3, 4, 5]}, {"key": "revenue", "weight": 100}
    )

    moves = {row["account"]: row for row in score_accounts(figures, policy).moves.to_pylist()}

    # A: stage 0 → 5 (reach 3) ties with revenue 0 → 5; the stage comes first in the policy.
    assert (moves["A"]["criterion"], moves["A"]["score_to"], moves["A"]["value_to"]) == ("relationship_stage", 5.0, 3.0)
    assert moves["A"]["to_quadrant"] == "status"
    # C: strength exactly at the cut-off would drop to 2.5 at best; revenue 10/3 → 5 is closer,
    # and the median of 100, 300, 400, 500 scores 5.
    assert (moves["C"]["criterion"], moves["C"]["to_quadrant"]) == ("revenue", "strategic")
    assert moves["C"]["score_from"] == pytest.approx(10 / 3, rel=1e-9)
    assert moves["C"]["score_to"] == pytest.approx(5.0, rel=1e-9)
    assert moves["C"]["value_to"] == pytest.approx(350.0, rel=1e-9)
    assert moves["C"]["value_to"] == pytest.approx(float(np.quantile([100, 300, 400, 500], 0.5)), rel=1e-9)
    # E has no stage (score 0): reaching 5 means a stage of at least 3.
    assert (moves["E"]["criterion"], moves["E"]["value_from"], moves["E"]["value_to"]) == (
        "relationship_stage",
        None,
        3.0,
    )
    assert moves["E"]["to_quadrant"] == "strategic"


def test_it_inverts_a_lower_is_better_minmax_by_mirroring_it() -> None:
    figures = pa.table({"account": ["A", "B", "C"], "cost": [30.0, 20.0, 10.0], "mutuality": [10.0] * 3})
    policy = policy_of(criterion("cost", "minmax", direction="lower"), STRENGTH)

    moves = score_accounts(figures, policy).moves.to_pylist()

    # A scores 0 on cost: reaching 5 means 30 − 5/10 × (30 − 10) = 20; dropping mutuality takes 5 + 1e-9.
    assert (moves[0]["criterion"], moves[0]["score_to"], moves[0]["value_to"]) == ("cost", 5.0, 20.0)
    # B sits exactly on the cut-off: the slightest rise in cost drops it.
    assert moves[1]["value_to"] == pytest.approx(20.0, rel=1e-9)
    assert moves[1]["value_to"] > 20.0


def test_it_makes_every_account_of_a_small_company_a_candidate() -> None:
    figures = pa.table({"account": ["A", "B"], "revenue": [0.0, -3.0]})
    scored = pa.table({"account": ["A", "B"], "quadrant": ["streamline", "streamline"]})

    pool = mark_candidates(figures, scored, SelectionPolicy())

    assert pool.to_pylist() == [
        {"account": "A", "is_candidate": True, "entry": "small_company"},
        {"account": "B", "is_candidate": True, "entry": "small_company"},
    ]


def test_it_enters_candidates_by_pareto_profit_growth_and_the_strategic_quadrant() -> None:
    figures = pa.table(
        {
            "account": list("FEDCBA"),
            "revenue": [0.0, -5.0, 0.0, 10.0, 40.0, 50.0],
            "customer_profit": [0.0, None, -1.0, 100.0, 5.0, 10.0],
            "growth_yoy": [0.0, 0.5, 0.3, None, 0.0, 0.0],
        }
    )
    scored = pa.table({"account": list("ABCDEF"), "quadrant": ["star"] * 4 + ["strategic", "status"]})
    policy = policy_of(REVENUE, STRENGTH, candidates={"profit_top_share": 0.2})

    pool = mark_candidates(figures, scored, policy)

    # B crosses 80 % (50 % before it, 90 % after) and still enters; C starts at 90 %. The top
    # ceil(0.2 × 6) = 2 by profit are C and A. E grows fast but its revenue is below 0.
    assert column(pool, "entry") == ["pareto", "pareto", "profitable", "growing", "strategic", None]
    assert column(pool, "is_candidate") == [True, True, True, True, True, False]


def test_it_skips_pool_rules_whose_column_is_absent_and_can_keep_strategic_accounts_out() -> None:
    figures = pa.table({"account": list("ABC"), "revenue": [90.0, 10.0, 0.0]})
    scored = pa.table({"account": list("ABC"), "quadrant": ["streamline", "streamline", "strategic"]})
    policy = policy_of(REVENUE, STRENGTH, candidates={"strategic_enters": False})

    assert column(mark_candidates(figures, scored, policy), "entry") == ["pareto", None, None]
    assert column(mark_candidates(figures, scored, SelectionPolicy()), "entry") == ["pareto", None, "strategic"]


def test_it_adds_business_units_and_contacts_to_the_base_hours_of_the_quadrant() -> None:
    figures = pa.table({"account": ["B", "A"], "business_units": [None, 2], "contacts": [3, 5]})
    scored = pa.table({"account": ["A", "B"], "quadrant": ["strategic", "streamline"]})

    assert column(account_hours(figures, scored, SelectionPolicy()), "hours") == [145.0, 43.0]
    bare = pa.table({"account": ["A", "B"]})
    assert column(account_hours(bare, scored, SelectionPolicy()), "hours") == [120.0, 40.0]


def test_it_values_accounts_by_score_profit_or_lifetime_value() -> None:
    figures = pa.table({"account": ["A", "B"], "customer_profit": [12.5, None], "lifetime_value": [900.0, 40.0]})
    scored = pa.table({"account": ["A", "B"], "score": [6.5, 2.0]})

    def values(objective: str) -> list[float]:
        policy = parse_selection_policy({"objective": {"value": objective}})
        return column(account_values(figures, scored, policy), "value")

    assert values("score") == [6.5, 2.0]
    assert values("profit") == [12.5, 0.0]
    assert values("lifetime_value") == [900.0, 40.0]


def test_it_says_the_lifetime_value_objective_needs_the_retention_analysis() -> None:
    figures = pa.table({"account": ["A"]})
    scored = pa.table({"account": ["A"], "score": [6.5]})
    policy = parse_selection_policy({"objective": {"value": "lifetime_value"}})

    with pytest.raises(SelectionPolicyError, match="needs the column 'lifetime_value'") as error:
        account_values(figures, scored, policy)
    assert "retention analysis" in str(error.value)


def test_it_names_the_criterion_and_column_the_figures_lack() -> None:
    figures = pa.table({"account": ["A"], "revenue": [1.0]})

    with pytest.raises(SelectionPolicyError) as error:
        score_accounts(figures, policy_of({"key": "potential", "weight": 100}, STRENGTH))
    assert str(error.value) == (
        "criterion 'potential' reads column 'potential', which the account figures do not have "
        "(columns: account, revenue)"
    )


def test_it_names_a_repeated_account_code() -> None:
    figures = pa.table({"account": ["B", "A", "B"], "mutuality": [1.0, 2.0, 3.0], "revenue": [1.0, 2.0, 3.0]})

    with pytest.raises(SelectionPolicyError, match="account 'B' appears more than once"):
        score_accounts(figures, policy_of(REVENUE, STRENGTH))


def test_it_refuses_text_where_a_criterion_needs_numbers() -> None:
    figures = pa.table({"account": ["A"], "revenue": ["lots"], "mutuality": [1.0]})

    with pytest.raises(SelectionPolicyError, match="reads column 'revenue', which must hold numbers"):
        score_accounts(figures, policy_of(REVENUE, STRENGTH))


def test_it_prepares_the_table_the_optimiser_reads() -> None:
    figures = pa.table(
        {
            "account": ["B", "A", "C"],
            "revenue": pa.array([10, 85, 5], pa.int64()),
            "mutuality": [2.0, 9.0, None],
            "current_kam": ["ana", None, "ben"],
            "contacts": [1, 2, 3],
        }
    )

    scoring, candidates = prepare_candidates(figures, policy_of(REVENUE, STRENGTH))

    assert candidates.column_names == [
        "account",
        "attractiveness",
        "strength",
        "score",
        "quadrant",
        "phase",
        "hours",
        "value",
        "is_candidate",
        "entry",
        "current_kam",
        "revenue",
    ]
    assert column(candidates, "account") == ["A", "B", "C"]
    assert column(candidates, "quadrant") == ["strategic", "star", "status"]
    assert column(candidates, "hours") == [122.0, 101.0, 63.0]
    assert column(candidates, "value") == column(scoring.accounts, "score")
    assert column(candidates, "entry") == ["pareto", None, None]
    assert column(candidates, "current_kam") == [None, "ana", "ben"]
    assert candidates.schema.field("revenue").type == pa.float64()
    _scoring, without_kams = prepare_candidates(figures.drop_columns(["current_kam"]), policy_of(REVENUE, STRENGTH))
    assert column(without_kams, "current_kam") == [None, None, None]


def test_it_scores_no_accounts_into_empty_tables() -> None:
    figures = pa.table({"account": pa.array([], pa.string()), "revenue": pa.array([], pa.float64())})

    scoring, candidates = prepare_candidates(
        figures.append_column("mutuality", pa.array([], pa.float64())), policy_of(REVENUE, STRENGTH)
    )

    assert (scoring.accounts.num_rows, scoring.contributions.num_rows, scoring.moves.num_rows) == (0, 0, 0)
    assert candidates.num_rows == 0


MIXED = policy_of(
    criterion("p", "percentile", 30),
    criterion("m", "minmax", 30, direction="lower"),
    criterion("t", "thresholds", 40, thresholds=[-1, 0, 2.5]),
    criterion("r", "rating", 50, axis="strength", missing_score=10),
    criterion("g", "match", 50, axis="strength", targets=["x"]),
)
maybe_numbers = st.one_of(st.none(), st.just(math.nan), st.floats(min_value=-1e6, max_value=1e6))
rows = st.tuples(maybe_numbers, maybe_numbers, maybe_numbers, maybe_numbers, st.sampled_from(["x", "y", None]))


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, min_size=1, max_size=40))
def test_it_keeps_axes_within_zero_to_ten_and_contributions_summing_to_them(data: list[tuple[Any, ...]]) -> None:
    figures = pa.table(
        {
            "account": [f"C{index:02d}" for index in range(len(data))],
            **{name: [row[position] for row in data] for position, name in enumerate(["p", "m", "t", "r"])},
            "g": pa.array([row[4] for row in data], pa.string()),
        }
    )

    result = score_accounts(figures, MIXED)

    accounts = result.accounts.to_pylist()
    contributions = result.contributions.to_pylist()
    for index, account in enumerate(accounts):
        rows_of_account = contributions[index * 5 : (index + 1) * 5]
        for axis in ("attractiveness", "strength"):
            assert 0.0 <= account[axis] <= 10.0
            total = sum(row["contribution"] for row in rows_of_account if row["axis"] == axis)
            assert abs(total - account[axis]) <= 1e-9
    weights = {row["criterion"]: row["weight"] for row in contributions}
    cutoff = 5.0
    for account, move in zip(accounts, result.moves.to_pylist(), strict=True):
        if move["criterion"] is None:
            continue
        # The move must carry its axis across the cut-off, in the direction it claims.
        after = account[move["axis"]] + weights[move["criterion"]] * (move["score_to"] - move["score_from"]) / 100
        assert (after >= cutoff - 1e-12) != (account[move["axis"]] >= cutoff)


def test_the_clv_and_probability_alive_criteria_score_accounts_by_the_retention_figures() -> None:
    figures = pa.table(
        {
            "account": list("ABCD"),
            "clv": [1_200.0, 300.0, 4_500.0, None],
            "probability_alive": [0.9, 0.2, 0.5, None],
            "mutuality": [5.0] * 4,
        }
    )
    policy = policy_of({"key": "clv", "weight": 60}, {"key": "probability_alive", "weight": 40}, STRENGTH)

    result = score_accounts(figures, policy)

    # CLV by percentile (D has none: 0); P(alive) min–max: (0.5 − 0.2) / 0.7 × 10 for C.
    assert scores_of(figures, policy, "clv") == [5.0, 0.0, 10.0, 0.0]
    assert scores_of(figures, policy, "probability_alive") == pytest.approx([10.0, 0.0, 30 / 7, 0.0], abs=1e-12)
    assert column(result.accounts, "attractiveness") == pytest.approx([7.0, 0.0, 6.0 + 12 / 7, 0.0], abs=1e-12)
    clv = policy.criteria[0]
    assert (clv.axis, clv.column, clv.scale, clv.direction) == ("attractiveness", "clv", "percentile", "higher")
