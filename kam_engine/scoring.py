"""Score accounts on the two axes of the key-account matrix and prepare the optimiser's candidates.

Every criterion of a :class:`~kam_engine.selection_policy.SelectionPolicy` turns one input
column into a score from 0 to 10 (see :class:`~kam_engine.selection_policy.Criterion`);
an axis is the weighted mean of its criteria, the matrix quadrant follows from the two
cut-offs. Besides the scores the engine explains them: each criterion's contribution to
its axis, and the smallest change of one criterion that would move the account to
another quadrant.

``direction = "lower"`` mirrors every scale's score as the policy says (10 − score); for
``thresholds`` it counts the thresholds the value is at or below instead. A missing value
(null, NaN or ±inf) scores the criterion's ``score_when_missing``.

Everything is computed on Arrow columns with numpy, one pass per criterion; nothing loops
over accounts, so 200,000 accounts score in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from kam_engine.selection_policy import AXES, Criterion, SelectionPolicy, SelectionPolicyError

__all__ = [
    "ScoringResult",
    "account_hours",
    "account_values",
    "mark_candidates",
    "prepare_candidates",
    "score_accounts",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Slack for float noise when a needed score lands on a scale's end or on a discrete level.
_TOLERANCE = 1e-12
# To drop below a cut-off an axis must end strictly below it.
_BELOW = 1e-9
# Indexed by 2 × (attractiveness is high) + (strength is high).
_QUADRANT_BY_CODE = ("streamline", "status", "star", "strategic")
_ENTRIES = ("small_company", "pareto", "profitable", "growing", "strategic")


@dataclass(frozen=True, slots=True)
class ScoringResult:
    """The scores of every account, how each criterion contributed, and what would move it.

    ``accounts``: account, attractiveness, strength, score, quadrant, phase, missing.
    ``contributions``: account, criterion, axis, value, score, weight, contribution, is_missing
    (one row per account and criterion, criteria in policy order).
    ``moves``: account, criterion, axis, to_quadrant, score_from, score_to, value_from,
    value_to (criterion null when no change of a single criterion moves the account).
    All three are sorted by account.
    """

    accounts: pa.Table
    contributions: pa.Table
    moves: pa.Table


# --- input columns -------------------------------------------------------------------------


def _account_column(figures: pa.Table) -> pa.ChunkedArray[Any]:
    if "account" not in figures.column_names:
        raise SelectionPolicyError(
            f"the account figures have no account column (columns: {', '.join(figures.column_names)})"
        )
    accounts = pc.cast(figures["account"], pa.string())
    if accounts.null_count:
        raise SelectionPolicyError("the account figures have rows without an account code")
    return accounts


def _check_unique(sorted_accounts: pa.ChunkedArray[Any]) -> None:
    if len(sorted_accounts) < 2:
        return
    flat = sorted_accounts.combine_chunks()
    same = pc.equal(flat.slice(1), flat.slice(0, len(flat) - 1)).to_numpy(zero_copy_only=False)
    repeated = np.flatnonzero(same)
    if repeated.size:
        code = flat[int(repeated[0])].as_py()
        raise SelectionPolicyError(f"account {code!r} appears more than once in the account figures")


def _require_column(figures: pa.Table, criterion: Criterion) -> None:
    if criterion.column not in figures.column_names:
        raise SelectionPolicyError(
            f"criterion {criterion.key!r} reads column {criterion.column!r}, which the account figures "
            f"do not have (columns: {', '.join(figures.column_names)})"
        )


def _floats(column: pa.ChunkedArray[Any], what: str) -> FloatArray:
    """The column as float64 with NaN where it is null or not finite."""
    kind = column.type
    if not (
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind)
    ):
        raise SelectionPolicyError(f"{what} must hold numbers, but it holds {kind}")
    # Arrow hands nulls of a float column to numpy as NaN.
    values = np.asarray(pc.cast(column, pa.float64()).to_numpy(), dtype=np.float64)
    return np.where(np.isfinite(values), values, np.nan)


def _optional_floats(figures: pa.Table, name: str, default: float) -> FloatArray:
    """A numeric column with ``default`` for nulls; all ``default`` when the column is absent."""
    if name not in figures.column_names:
        return np.full(figures.num_rows, default)
    values = _floats(figures[name], f"column {name!r}")
    return np.where(np.isnan(values), default, values)


def _aligned(figures: pa.Table, accounts: pa.ChunkedArray[Any]) -> pa.Table:
    """The figures' rows in the order of ``accounts`` (the scored, sorted accounts)."""
    codes = _account_column(figures)
    if len(codes) == len(accounts) and codes.equals(accounts):
        return figures
    positions = pc.index_in(accounts, value_set=codes.combine_chunks())
    if positions.null_count:
        absent = accounts.filter(pc.is_null(positions))[0].as_py()
        raise SelectionPolicyError(f"account {absent!r} was scored but is not in the account figures")
    return figures.take(positions)


def _strings(names: tuple[str, ...], codes: IntArray) -> pa.Array[Any]:
    """``names[code]`` per row; null where the code is negative."""
    indices = pa.array(np.maximum(codes, 0), type=pa.int64(), mask=codes < 0)
    return pa.array(names, type=pa.string()).take(indices)


# --- scales --------------------------------------------------------------------------------


def _percentile(values: FloatArray, present: BoolArray) -> FloatArray:
    """10 × (average rank − 1) / (n − 1) among the present values; 10 when only one is present."""
    scores = np.zeros(values.size)
    known = values[present]
    n = known.size
    if n == 1:
        scores[present] = 10.0
    if n < 2:
        return scores
    order = np.argsort(known, kind="stable")
    ordered = known[order]
    starts_group = np.empty(n, dtype=np.bool_)
    starts_group[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts_group[1:])
    group = np.cumsum(starts_group) - 1
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], n)
    # Zero-based average position of each group of ties: the mean of start … end − 1.
    average = (starts + ends - 1) / 2.0
    ranks = np.empty(n)
    ranks[order] = average[group]
    scores[present] = 10.0 * ranks / (n - 1)
    return scores


def _minmax(values: FloatArray, present: BoolArray) -> FloatArray:
    scores = np.zeros(values.size)
    known = values[present]
    if known.size == 0:
        return scores
    low, high = float(known.min()), float(known.max())
    scores[present] = 10.0 if high == low else 10.0 * (known - low) / (high - low)
    return scores


def _thresholds_reached(values: FloatArray, criterion: Criterion) -> FloatArray:
    thresholds = np.asarray(criterion.thresholds, dtype=np.float64)
    if criterion.direction == "lower":
        reached = thresholds.size - np.searchsorted(thresholds, values, side="left")
    else:
        reached = np.searchsorted(thresholds, values, side="right")
    return 10.0 * reached / thresholds.size


def _score_criterion(figures: pa.Table, criterion: Criterion) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Raw value (NaN when missing or for ``match``), score 0–10 and whether the value was missing."""
    column = figures[criterion.column]
    if criterion.scale == "match":
        text = pc.cast(column, pa.string())
        missing = np.asarray(pc.is_null(text).to_numpy(zero_copy_only=False), dtype=np.bool_)
        # is_in answers false, never null, for a null value.
        hits = pc.is_in(text, value_set=pa.array(criterion.targets, type=pa.string()))
        scores = np.where(np.asarray(hits.to_numpy(), dtype=np.bool_), 10.0, 0.0)
        values = np.full(figures.num_rows, np.nan)
    else:
        values = _floats(column, f"criterion {criterion.key!r} reads column {criterion.column!r}, which")
        missing = np.isnan(values)
        present = ~missing
        if criterion.scale == "percentile":
            scores = _percentile(values, present)
        elif criterion.scale == "minmax":
            scores = _minmax(values, present)
        elif criterion.scale == "thresholds":
            scores = _thresholds_reached(values, criterion)
        else:
            scores = np.clip(values, 1.0, 10.0)
    if criterion.direction == "lower" and criterion.scale != "thresholds":
        scores = 10.0 - scores
    # rounding in the scales can leave a score a hair outside 0–10 (10.000000000000002)
    scores = np.where(missing, criterion.score_when_missing, np.clip(scores, 0.0, 10.0))
    return values, scores, missing


# --- what would move an account ----------------------------------------------------------


def _steps(criterion: Criterion) -> int:
    """How many equal steps a discrete scale has between 0 and 10 (0: the scale is continuous)."""
    if criterion.scale == "thresholds":
        return len(criterion.thresholds)
    return 1 if criterion.scale == "match" else 0


def _score_range(criterion: Criterion) -> tuple[float, float]:
    if criterion.scale != "rating":
        return 0.0, 10.0
    return (0.0, 9.0) if criterion.direction == "lower" else (1.0, 10.0)


def _reachable(
    criterion: Criterion, scores: FloatArray, needed: FloatArray, rising: BoolArray
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """The score the criterion must take, whether it can, and for discrete scales the level index."""
    steps = _steps(criterion)
    if steps:
        step = 10.0 / steps
        # Round to the level that still crosses: up when rising, down when falling.
        level = np.where(rising, np.ceil(needed / step - _TOLERANCE), np.floor(needed / step + _TOLERANCE))
        feasible = (level >= 0) & (level <= steps)
        reached = level * step
    else:
        low, high = _score_range(criterion)
        feasible = (needed >= low - _TOLERANCE) & (needed <= high + _TOLERANCE)
        reached = np.clip(needed, low, high)
        level = np.zeros(needed.size)
    feasible &= np.where(rising, reached > scores, reached < scores)
    return reached, feasible, level


def _quantiles(ordered: FloatArray, quantile: FloatArray) -> FloatArray:
    """``np.quantile(ordered, quantile)`` (its default, linear method) for values already sorted.

    np.quantile re-sorts the values and deduplicates the quantiles for every call, which
    for 200,000 accounts took over a second per scoring.
    """
    position = quantile * (ordered.size - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, ordered.size - 1)
    fraction = position - below
    low, high = ordered[below], ordered[above]
    # numpy's interpolation, which lands exactly on the upper value when fraction is 1.
    return np.where(fraction >= 0.5, high - (high - low) * (1.0 - fraction), low + (high - low) * fraction)


def _value_for(
    criterion: Criterion, values: FloatArray, reached: FloatArray, rising: BoolArray, level: FloatArray
) -> FloatArray:
    """Invert the scale: the raw value that scores ``reached`` (NaN when it cannot be inverted)."""
    known = values[~np.isnan(values)]
    lower = criterion.direction == "lower"
    if criterion.scale == "match" or (known.size == 0 and criterion.scale in ("percentile", "minmax")):
        return np.full(reached.size, np.nan)
    if criterion.scale == "percentile":
        quantile = np.clip(reached / 10.0, 0.0, 1.0)
        return _quantiles(np.sort(known), 1.0 - quantile if lower else quantile)
    if criterion.scale == "minmax":
        low, high = float(known.min()), float(known.max())
        if lower:
            return high - reached / 10.0 * (high - low)
        return low + reached / 10.0 * (high - low)
    if criterion.scale == "thresholds":
        thresholds = np.asarray(criterion.thresholds, dtype=np.float64)
        count = thresholds.size
        # Rising: the threshold to reach; falling: the one the value must leave behind.
        index = np.where(rising, count - level, count - level - 1) if lower else np.where(rising, level - 1, level)
        return np.asarray(thresholds[np.clip(index, 0, count - 1).astype(np.int64)], dtype=np.float64)
    return 10.0 - reached if lower else reached


def _moves(
    policy: SelectionPolicy,
    accounts: pa.ChunkedArray[Any],
    values: FloatArray,
    scores: FloatArray,
    axis_scores: dict[str, FloatArray],
    high: dict[str, BoolArray],
) -> pa.Table:
    n = scores.shape[0]
    cutoffs = {
        "attractiveness": policy.quadrants.attractiveness_cutoff,
        "strength": policy.quadrants.strength_cutoff,
    }
    best = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.inf)
    score_to = np.full(n, np.nan)
    value_to = np.full(n, np.nan)
    for index, criterion in enumerate(policy.criteria):
        axis_now = axis_scores[criterion.axis]
        rising = ~high[criterion.axis]
        target = np.where(rising, cutoffs[criterion.axis], cutoffs[criterion.axis] - _BELOW)
        needed = scores[:, index] + (target - axis_now) * 100.0 / criterion.weight
        reached, feasible, level = _reachable(criterion, scores[:, index], needed, rising)
        change = np.abs(reached - scores[:, index])
        # Strictly smaller, so ties keep the criterion that comes first in the policy.
        better = feasible & (change < distance)
        if not better.any():
            continue
        best[better] = index
        distance[better] = change[better]
        score_to[better] = reached[better]
        value_to[better] = _value_for(criterion, values[:, index], reached[better], rising[better], level[better])
    moved = best >= 0
    rows = np.arange(n)
    chosen = np.maximum(best, 0)
    axis_codes = np.array([AXES.index(criterion.axis) for criterion in policy.criteria], dtype=np.int64)
    chosen_axis = np.where(moved, axis_codes[chosen], -1)
    high_attractiveness = high["attractiveness"] ^ (chosen_axis == 0)
    high_strength = high["strength"] ^ (chosen_axis == 1)
    to_quadrant = np.where(moved, 2 * high_attractiveness.astype(np.int64) + high_strength, -1)
    score_from = scores[rows, chosen]
    value_from = values[rows, chosen]
    return pa.table(
        {
            "account": accounts,
            "criterion": _strings(tuple(criterion.key for criterion in policy.criteria), best),
            "axis": _strings(AXES, chosen_axis),
            "to_quadrant": _strings(_QUADRANT_BY_CODE, to_quadrant),
            "score_from": pa.array(score_from, mask=~moved),
            "score_to": pa.array(score_to, mask=~moved),
            "value_from": pa.array(value_from, mask=~moved | np.isnan(value_from)),
            "value_to": pa.array(value_to, mask=~moved | np.isnan(value_to)),
        }
    )


# --- public functions ----------------------------------------------------------------------


def score_accounts(figures: pa.Table, policy: SelectionPolicy) -> ScoringResult:
    """Score every account on both axes, place it in a quadrant and explain the scores.

    Parameters
    ----------
    figures : pa.Table
        One row per account: ``account`` (unique codes) and every column a criterion reads.
        Numeric columns may be any integer or float type, with nulls; ``match`` criteria
        read text.
    policy : SelectionPolicy
        The criteria, their weights and scales, and the quadrant cut-offs.

    Returns
    -------
    ScoringResult
        ``accounts`` (scores, quadrant, phase, number of missing values), ``contributions``
        (per account and criterion) and ``moves`` (the smallest change of one criterion's
        score that changes the quadrant), each sorted by account.

    Raises
    ------
    SelectionPolicyError
        When a criterion's column is absent or not numeric, or an account code is repeated.

    Examples
    --------
    >>> from kam_engine.selection_policy import parse_selection_policy
    >>> policy = parse_selection_policy(
    ...     {"criteria": [{"key": "revenue", "weight": 100}, {"key": "share_of_wallet", "weight": 100}]}
    ... )
    >>> figures = pa.table(
    ...     {"account": ["B", "A", "C"], "revenue": [300, 100, 200], "share_of_wallet": [0.2, 0.6, None]}
    ... )
    >>> result = score_accounts(figures, policy)
    >>> for row in result.accounts.select(["account", "attractiveness", "strength", "quadrant"]).to_pylist():
    ...     print(row)
    {'account': 'A', 'attractiveness': 0.0, 'strength': 10.0, 'quadrant': 'status'}
    {'account': 'B', 'attractiveness': 10.0, 'strength': 0.0, 'quadrant': 'star'}
    {'account': 'C', 'attractiveness': 5.0, 'strength': 0.0, 'quadrant': 'star'}
    >>> move = result.moves.to_pylist()[0]
    >>> move["criterion"], move["to_quadrant"], move["score_to"], move["value_to"]
    ('revenue', 'strategic', 5.0, 200.0)
    """
    accounts = _account_column(figures)
    for criterion in policy.criteria:
        _require_column(figures, criterion)
    needed = [
        "account",
        *dict.fromkeys(criterion.column for criterion in policy.criteria if criterion.column != "account"),
    ]
    order = pc.sort_indices(accounts)
    table = figures.select(needed).take(order)
    accounts = accounts.take(order)
    _check_unique(accounts)
    n, count = table.num_rows, len(policy.criteria)
    values = np.empty((n, count))
    scores = np.empty((n, count))
    missing = np.empty((n, count), dtype=np.bool_)
    for index, criterion in enumerate(policy.criteria):
        values[:, index], scores[:, index], missing[:, index] = _score_criterion(table, criterion)
    weights = np.array([criterion.weight for criterion in policy.criteria], dtype=np.float64)
    contributions = scores * weights / 100.0
    axis_of = np.array([criterion.axis for criterion in policy.criteria])
    axis_scores: dict[str, FloatArray] = {axis: contributions[:, axis_of == axis].sum(axis=1) for axis in AXES}
    high = {
        "attractiveness": axis_scores["attractiveness"] >= policy.quadrants.attractiveness_cutoff,
        "strength": axis_scores["strength"] >= policy.quadrants.strength_cutoff,
    }
    quadrant_code = 2 * high["attractiveness"].astype(np.int64) + high["strength"]
    phases = tuple(policy.quadrants.phases[quadrant] for quadrant in _QUADRANT_BY_CODE)
    scored = pa.table(
        {
            "account": accounts,
            "attractiveness": pa.array(axis_scores["attractiveness"], type=pa.float64()),
            "strength": pa.array(axis_scores["strength"], type=pa.float64()),
            "score": pa.array((axis_scores["attractiveness"] + axis_scores["strength"]) / 2.0, type=pa.float64()),
            "quadrant": _strings(_QUADRANT_BY_CODE, quadrant_code),
            "phase": _strings(phases, quadrant_code),
            "missing": pa.array(missing.sum(axis=1).astype(np.int64), type=pa.int64()),
        }
    )
    row_of = np.repeat(np.arange(n, dtype=np.int64), count)
    criterion_of = np.tile(np.arange(count, dtype=np.int64), n)
    flat_values = values.ravel()
    explained = pa.table(
        {
            "account": accounts.take(row_of),
            "criterion": _strings(tuple(criterion.key for criterion in policy.criteria), criterion_of),
            "axis": _strings(AXES, np.array([AXES.index(a) for a in axis_of], dtype=np.int64)[criterion_of]),
            "value": pa.array(flat_values, type=pa.float64(), mask=np.isnan(flat_values)),
            "score": pa.array(scores.ravel(), type=pa.float64()),
            "weight": pa.array(np.tile(weights, n), type=pa.float64()),
            "contribution": pa.array(contributions.ravel(), type=pa.float64()),
            "is_missing": pa.array(missing.ravel(), type=pa.bool_()),
        }
    )
    moves = _moves(policy, accounts, values, scores, axis_scores, high)
    return ScoringResult(accounts=scored, contributions=explained, moves=moves)


def mark_candidates(figures: pa.Table, scored: pa.Table, policy: SelectionPolicy) -> pa.Table:
    """Mark the candidate pool and say by which rule each candidate entered.

    A company with at most ``all_key_up_to`` accounts makes every one a candidate
    (``small_company``). Otherwise the rules are tried in this order: ``pareto`` (by revenue
    descending, ties by account, an account enters while the share of positive revenue
    before it is below ``revenue_share``; revenue ≤ 0 never enters), ``profitable`` (among
    the first ceil(``profit_top_share`` × accounts) by customer profit with a profit above
    0), ``growing`` (``growth_yoy`` ≥ ``growth_at_least`` and revenue ≥
    ``min_revenue_for_growth``), ``strategic`` (with ``strategic_enters``, the strategic
    quadrant). Null revenue counts as 0; a rule whose column is absent is skipped.
    ``must_include`` and ``must_exclude`` are the optimiser's business.

    Returns
    -------
    pa.Table
        account, is_candidate, entry (null when not a candidate), in ``scored``'s order.
    """
    accounts = scored["account"]
    table = _aligned(figures, accounts)
    if "revenue" not in table.column_names:
        raise SelectionPolicyError(
            f"the candidate pool needs the column 'revenue' in the account figures "
            f"(columns: {', '.join(table.column_names)})"
        )
    pool = policy.candidates
    n = table.num_rows
    entry = np.full(n, -1, dtype=np.int64)

    def enter(rule: str, members: BoolArray) -> None:
        entry[(entry < 0) & members] = _ENTRIES.index(rule)

    revenue = _optional_floats(table, "revenue", 0.0)
    if n <= pool.all_key_up_to:
        enter("small_company", np.ones(n, dtype=np.bool_))
    else:
        # The rows are in account order, so a stable sort breaks ties by account.
        by_revenue = np.argsort(-revenue, kind="stable")
        positive = np.maximum(revenue[by_revenue], 0.0)
        total = float(positive.sum())
        if total > 0:
            before = (np.cumsum(positive) - positive) / total
            pareto = np.zeros(n, dtype=np.bool_)
            pareto[by_revenue] = (revenue[by_revenue] > 0) & (before < pool.revenue_share)
            enter("pareto", pareto)
        if "customer_profit" in table.column_names:
            profit = _optional_floats(table, "customer_profit", -np.inf)
            # round() keeps 0.1 × 30 from becoming 3.0000000000000004 and so 4 accounts.
            top = math.ceil(round(pool.profit_top_share * n, 9))
            profitable = np.zeros(n, dtype=np.bool_)
            profitable[np.argsort(-profit, kind="stable")[:top]] = True
            enter("profitable", profitable & (profit > 0))
        if "growth_yoy" in table.column_names:
            growth = _optional_floats(table, "growth_yoy", -np.inf)
            enter("growing", (growth >= pool.growth_at_least) & (revenue >= pool.min_revenue_for_growth))
        if pool.strategic_enters:
            quadrant = pc.equal(scored["quadrant"], pa.scalar("strategic")).to_numpy(zero_copy_only=False)
            enter("strategic", np.asarray(quadrant, dtype=np.bool_))
    return pa.table(
        {
            "account": accounts,
            "is_candidate": pa.array(entry >= 0, type=pa.bool_()),
            "entry": _strings(_ENTRIES, entry),
        }
    )


def account_hours(figures: pa.Table, scored: pa.Table, policy: SelectionPolicy) -> pa.Table:
    """Yearly KAM hours per account: base hours of its quadrant plus its complexity.

    ``hours = base_hours[quadrant] + hours_per_business_unit × business_units +
    hours_per_contact × contacts``; an absent or null ``business_units`` or ``contacts``
    counts as 0.

    Returns
    -------
    pa.Table
        account, hours, in ``scored``'s order.
    """
    table = _aligned(figures, scored["account"])
    workload = policy.workload
    base_hours = np.zeros(table.num_rows)
    for quadrant, hours_of_quadrant in workload.base_hours.items():
        in_quadrant = pc.equal(scored["quadrant"], pa.scalar(quadrant, type=pa.string())).to_numpy()
        base_hours[np.asarray(in_quadrant, dtype=np.bool_)] = hours_of_quadrant
    hours = (
        base_hours
        + workload.hours_per_business_unit * _optional_floats(table, "business_units", 0.0)
        + workload.hours_per_contact * _optional_floats(table, "contacts", 0.0)
    )
    return pa.table({"account": scored["account"], "hours": pa.array(hours, type=pa.float64())})


_VALUE_COLUMNS = {
    "profit": ("customer_profit", "customer profit comes from the profitability analysis"),
    "lifetime_value": ("lifetime_value", "lifetime value comes from the retention analysis"),
}


def account_values(figures: pa.Table, scored: pa.Table, policy: SelectionPolicy) -> pa.Table:
    """What the optimiser gains by making each account key, per ``policy.objective.value``.

    ``score``: the account's score (0–10); ``profit``: its ``customer_profit``;
    ``lifetime_value``: its ``lifetime_value``. A null figure counts as 0.

    Returns
    -------
    pa.Table
        account, value, in ``scored``'s order.

    Raises
    ------
    SelectionPolicyError
        When the figures lack the column the objective needs.
    """
    objective = policy.objective.value
    if objective == "score":
        value = np.asarray(scored["score"].to_numpy(), dtype=np.float64)
    else:
        table = _aligned(figures, scored["account"])
        column, origin = _VALUE_COLUMNS[objective]
        if column not in table.column_names:
            raise SelectionPolicyError(
                f"objective.value = {objective!r} needs the column {column!r} in the account figures ({origin})"
            )
        value = _optional_floats(table, column, 0.0)
    return pa.table({"account": scored["account"], "value": pa.array(value, type=pa.float64())})


def prepare_candidates(figures: pa.Table, policy: SelectionPolicy) -> tuple[ScoringResult, pa.Table]:
    """Score the accounts and build the one table the optimiser reads.

    Returns
    -------
    tuple[ScoringResult, pa.Table]
        The scoring, and per account (sorted): account, attractiveness, strength, score,
        quadrant, phase, hours, value, is_candidate, entry, current_kam (null when the
        figures have no ``current_kam``), revenue.
    """
    scoring = score_accounts(figures, policy)
    scored = scoring.accounts
    accounts = scored["account"]
    # Align once so the three helpers below take the fast path instead of matching codes.
    table = _aligned(figures, accounts)
    pool = mark_candidates(table, scored, policy)
    hours = account_hours(table, scored, policy)
    values = account_values(table, scored, policy)
    if "current_kam" in table.column_names:
        current_kam: pa.Array[Any] | pa.ChunkedArray[Any] = pc.cast(table["current_kam"], pa.string())
    else:
        current_kam = pa.nulls(table.num_rows, type=pa.string())
    candidates = pa.table(
        {
            "account": accounts,
            "attractiveness": scored["attractiveness"],
            "strength": scored["strength"],
            "score": scored["score"],
            "quadrant": scored["quadrant"],
            "phase": scored["phase"],
            "hours": hours["hours"],
            "value": values["value"],
            "is_candidate": pool["is_candidate"],
            "entry": pool["entry"],
            "current_kam": current_kam,
            "revenue": pc.cast(table["revenue"], pa.float64()),
        }
    )
    return scoring, candidates
