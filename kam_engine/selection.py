"""Choose the key accounts and assign each to a KAM, within the capacity the company really has.

``choose_portfolio`` maximises the value of the chosen accounts (plus the policy's stability
bonus for every account that keeps its current KAM) subject to each KAM's hours and number of
accounts, the portfolio's size limits and the must-include / must-exclude lists.

Small instances (at most ``JOINT_PAIR_LIMIT`` account × KAM pairs) are solved as one MILP.
Larger ones are decomposed, because one binary per account × KAM makes HiGHS slow: stage 1
chooses the accounts under the aggregate capacity (its optimum is an upper bound of the real
problem), stage 2 assigns them to KAMs (dropping what does not fit) and fills the leftover
capacity greedily. The reported ``gap`` is measured against stage 1's proven bound.

Impossible policies are diagnosed before solving; ``conflicts`` names each one with a code and
its numbers, which the web app turns into sentences.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from kam_engine.selection_policy import KamCapacity, SelectionPolicy

__all__ = ["JOINT_PAIR_LIMIT", "Conflict", "PortfolioChoice", "choose_portfolio", "resolve_kams"]

# Above this many account × KAM pairs the joint model gets slow in HiGHS (measured: 1,000 × 30
# pairs took 37 s to reach 0.8 %), so the choose-then-assign decomposition takes over.
JOINT_PAIR_LIMIT = 4000

# The main solve's share of the time limit; pricing one more KAM re-solves in what is left.
_MAIN_SHARE = 0.6
# The extra KAM's code cannot clash with a username.
_EXTRA_KAM = "\x00extra_kam"
_EPS = 1e-9
# Stage 1 is usually done in a tenth of a second, but once stalled for seconds near its tolerance.
_CHOOSE_SHARE = 0.25
# Stage 2's assignment MILP gets this share of the time left; the improvement search the rest.
_ASSIGN_SHARE = 0.3
# The improvement search re-solves _GROUP KAMs at a time with the _OUTSIDERS densest unchosen
# accounts; small enough for HiGHS to find a good packing within _SUB_SECONDS.
_GROUP = 2
_OUTSIDERS = 30
_SUB_SECONDS = 0.1
_SUB_GAP = 1e-3

Status = Literal["optimal", "feasible", "infeasible"]
Method = Literal["joint", "choose_then_assign"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One reason the policy cannot be met: a code and the numbers that explain it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PortfolioChoice:
    """The chosen key accounts, their KAMs, how good the choice is proven to be and why.

    ``status`` is ``"optimal"`` when the objective is proven within ``objective.gap`` of the
    best possible (the meaning HiGHS gives it), ``"feasible"`` when the time limit came first.
    """

    status: Status
    gap: float | None
    objective: float
    bound: float | None
    method: Method
    solve_seconds: float
    preselected_out: int
    decisions: pa.Table
    marginal: dict[str, Any] | None
    value_of_one_more_kam: float | None
    kam_load: pa.Table
    conflicts: tuple[Conflict, ...]


def resolve_kams(kams: Sequence[KamCapacity], policy: SelectionPolicy) -> list[tuple[str, int, float]]:
    """Each KAM's code, maximum number of accounts and maximum hours, defaults filled in.

    Parameters
    ----------
    kams : Sequence[KamCapacity]
        The KAMs available; a ``None`` limit takes the policy's default.
    policy : SelectionPolicy
        Supplies ``capacity.max_accounts_per_kam`` and ``capacity.max_hours_per_kam``.

    Returns
    -------
    list[tuple[str, int, float]]
        ``(code, max_accounts, max_hours)`` in the order given.
    """
    capacity = policy.capacity
    return [
        (
            kam.code,
            capacity.max_accounts_per_kam if kam.max_accounts is None else kam.max_accounts,
            float(capacity.max_hours_per_kam if kam.max_hours is None else kam.max_hours),
        )
        for kam in kams
    ]


# --- the model -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Model:
    """The accounts that may be chosen (indices into the sorted table) and the KAMs' capacity."""

    rows: np.ndarray  # row of each model account in the sorted table
    value: np.ndarray
    hours: np.ndarray
    current: np.ndarray  # index of the current KAM, -1 when none (or not among the KAMs)
    forced: np.ndarray
    max_accounts: np.ndarray
    max_hours: np.ndarray
    min_total: int
    max_total: int
    bonus: float

    @property
    def size(self) -> int:
        return len(self.rows)

    def gain(self, account: int, kam: int) -> float:
        keeps = self.current[account] == kam
        return float(self.value[account] * (1.0 + self.bonus) if keeps else self.value[account])


@dataclass(slots=True)
class _Outcome:
    assign: np.ndarray  # KAM index per model account, -1 when not chosen
    bound: float | None
    method: Method


def _objective(model: _Model, assign: np.ndarray) -> float:
    return sum(model.gain(i, int(k)) for i, k in enumerate(assign) if k >= 0)


def _options(deadline: float, gap: float, presolve: bool = True) -> dict[str, Any]:
    return {"time_limit": max(deadline - time.perf_counter(), 0.05), "mip_rel_gap": gap, "presolve": presolve}


def _fits(model: _Model, hours: float, kam: int, load: np.ndarray, count: np.ndarray) -> bool:
    return bool(count[kam] < model.max_accounts[kam] and load[kam] + hours <= model.max_hours[kam] + _EPS)


def _best_kam(model: _Model, account: int, load: np.ndarray, count: np.ndarray) -> int:
    """The current KAM when it has room, else the KAM whose hours it fills most tightly; -1 when none."""
    hours = model.hours[account]
    current = int(model.current[account])
    if current >= 0 and _fits(model, hours, current, load, count):
        return current
    room = model.max_hours - load - hours
    possible = (count < model.max_accounts) & (room >= -_EPS)
    if not possible.any():
        return -1
    # Best fit keeps the large remainders for the large accounts that may still come.
    return int(np.argmin(np.where(possible, room, np.inf)))


def _place(model: _Model, assign: np.ndarray, account: int, kam: int, load: np.ndarray, count: np.ndarray) -> None:
    assign[account] = kam
    load[kam] += model.hours[account]
    count[kam] += 1


def _loads(model: _Model, assign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    chosen = assign >= 0
    kams = len(model.max_hours)
    load = np.bincount(assign[chosen], weights=model.hours[chosen], minlength=kams).astype(float)
    count = np.bincount(assign[chosen], minlength=kams).astype(np.int64)
    return load, count


def _fill(model: _Model, assign: np.ndarray) -> None:
    """Give leftover capacity to the most valuable accounts not chosen yet, then swap in better ones."""
    load, count = _loads(model, assign)
    total = int(count.sum())
    order = sorted(range(model.size), key=lambda i: (-model.value[i], i))
    for account in order:
        if total >= model.max_total or model.value[account] <= 0:
            break
        if assign[account] >= 0:
            continue
        kam = _best_kam(model, account, load, count)
        if kam >= 0:
            _place(model, assign, account, kam, load, count)
            total += 1
    # One pass of single swaps inside a KAM: an outsider replaces a less valuable member it fits for.
    for account in order:
        if assign[account] >= 0 or model.value[account] <= 0:
            continue
        members = np.flatnonzero((assign >= 0) & ~model.forced)
        if not len(members):
            break
        their_kams = assign[members]
        gain_in = model.value[account] * (1.0 + model.bonus * (model.current[account] == their_kams))
        gain_out = model.value[members] * (1.0 + model.bonus * (model.current[members] == their_kams))
        room = model.max_hours[their_kams] - load[their_kams] + model.hours[members] - model.hours[account]
        delta = np.where(room >= -_EPS, gain_in - gain_out, -np.inf)
        best = int(np.argmax(delta))
        if delta[best] > _EPS * max(1.0, abs(float(model.value[account]))):
            member = int(members[best])
            target = int(assign[member])
            load[target] += model.hours[account] - model.hours[member]
            assign[member] = -1
            assign[account] = target


def _drop_worthless(model: _Model, assign: np.ndarray) -> None:
    """Drop chosen accounts worth nothing (kept only to reach ``min_key_accounts``) beyond the minimum."""
    total = int((assign >= 0).sum())
    worthless = [i for i in range(model.size) if assign[i] >= 0 and not model.forced[i] and model.value[i] <= 0]
    for account in sorted(worthless, key=lambda i: (model.value[i], -i)):
        if total <= model.min_total:
            break
        assign[account] = -1
        total -= 1


def _assignment_milp(
    model: _Model, accounts: np.ndarray, deadline: float, gap: float
) -> tuple[np.ndarray | None, float | None, bool, bool]:
    """Assign ``accounts`` to KAMs (each at most once, forced ones exactly once) maximising the gain.

    Returns the assignment (or ``None``), HiGHS's upper bound, whether the time limit came first
    and whether the model is proven infeasible.
    """
    kams = len(model.max_hours)
    pair_account: list[int] = []
    pair_kam: list[int] = []
    for i in accounts:
        for k in range(kams):
            if model.max_accounts[k] > 0 and model.hours[i] <= model.max_hours[k] + _EPS:
                pair_account.append(int(i))
                pair_kam.append(k)
    assign = np.full(model.size, -1, dtype=np.int64)
    if not pair_account:
        infeasible = bool(model.forced[accounts].any()) or model.min_total > 0
        return (None, None, False, True) if infeasible else (assign, 0.0, False, False)
    pa_idx = np.asarray(pair_account)
    pk_idx = np.asarray(pair_kam)
    pairs = len(pa_idx)
    gains = np.array([model.gain(i, k) for i, k in zip(pair_account, pair_kam, strict=True)])
    local = {int(i): j for j, i in enumerate(accounts)}
    local_idx = np.array([local[i] for i in pair_account])
    n = len(accounts)
    columns = np.arange(pairs)
    matrix = sparse.vstack(
        [
            sparse.coo_array((np.ones(pairs), (local_idx, columns)), shape=(n, pairs)),
            sparse.coo_array((model.hours[pa_idx], (pk_idx, columns)), shape=(kams, pairs)),
            sparse.coo_array((np.ones(pairs), (pk_idx, columns)), shape=(kams, pairs)),
            sparse.coo_array(np.ones((1, pairs))),
        ]
    ).tocsr()
    lower = np.concatenate([model.forced[accounts].astype(float), np.full(2 * kams, -np.inf), [float(model.min_total)]])
    upper = np.concatenate([np.ones(n), model.max_hours, model.max_accounts.astype(float), [float(model.max_total)]])
    result = milp(
        c=-gains,
        integrality=np.ones(pairs),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, lower, upper),
        options=_options(deadline, gap),
    )
    if result.status == 2:
        return None, None, False, True
    bound = (
        None if result.mip_dual_bound is None or not math.isfinite(result.mip_dual_bound) else -result.mip_dual_bound
    )
    if result.x is None:
        return None, bound, True, False
    chosen = result.x > 0.5
    assign[pa_idx[chosen]] = pk_idx[chosen]
    return assign, bound, result.status != 0, False


# At most this many large-account cuts in stage 1: enough to capture the per-KAM packing limits
# (every H / k of the KAMs' capacities), few enough to keep the knapsack fast.
_MAX_CUTS = 40


def _large_account_cuts(model: _Model) -> tuple[sparse.coo_array, np.ndarray]:
    """Valid inequalities that bring the per-KAM packing into the aggregate choice.

    An account needing more than ``t`` hours takes more than ``t`` of a KAM's ``H`` hours, so a
    KAM holds fewer than ``H / t`` of them: at most ``min(max_accounts, ceil(H / t) − 1)``. Hence
    Σ_{hours > t} chosen ≤ Σ_KAMs that number, for any ``t`` — true of every real assignment, so
    the bound stays valid, and far tighter when accounts are large next to a KAM's hours (five
    accounts of 130 hours do not fit 600 hours, although 40 of them fit 8 × 600 in aggregate).
    """
    n = model.size
    thresholds = sorted(
        {
            float(hours) / k
            for hours, accounts in zip(model.max_hours, model.max_accounts, strict=True)
            for k in range(1, int(accounts) + 1)
            if hours > 0
        }
    )
    rows: list[np.ndarray] = []
    limits: list[float] = []
    for threshold in thresholds:
        larger = model.hours > threshold + _EPS
        if not larger.any():
            continue
        per_kam = np.minimum(model.max_accounts, np.ceil(model.max_hours / threshold - _EPS) - 1)
        limit = float(np.maximum(per_kam, 0).sum())
        if limit >= larger.sum():
            continue  # the cut could never bind
        rows.append(larger.astype(float))
        limits.append(limit)
    if len(rows) > _MAX_CUTS:
        # Keep an even spread over the range of thresholds.
        keep = np.linspace(0, len(rows) - 1, _MAX_CUTS).round().astype(int)
        rows, limits = [rows[i] for i in keep], [limits[i] for i in keep]
    if not rows:
        return sparse.coo_array((0, n)), np.zeros(0)
    return sparse.coo_array(np.vstack(rows)), np.asarray(limits, dtype=float)


def _choose_milp(model: _Model, deadline: float, gap: float) -> tuple[np.ndarray | None, float | None, bool, bool]:
    """Stage 1: choose accounts under the aggregate capacity; its bound is a bound of the real problem.

    The bonus goes to ``kept`` variables limited, KAM by KAM, to what the current KAM could hold;
    any real assignment satisfies these constraints, so the relaxation stays valid and is tighter
    than counting the bonus for every account.
    """
    n = model.size
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0.0, False, model.min_total > 0
    kams = len(model.max_hours)
    keepers = [
        i
        for i in range(n)
        if model.bonus > 0
        and model.value[i] > 0
        and model.current[i] >= 0
        and model.hours[i] <= model.max_hours[model.current[i]] + _EPS
    ]
    m = len(keepers)
    keep_idx = np.asarray(keepers, dtype=np.int64)
    keep_kam = model.current[keep_idx] if m else np.zeros(0, dtype=np.int64)
    keep_cols = n + np.arange(m)
    blocks = [
        sparse.coo_array(np.concatenate([model.hours, np.zeros(m)])[None, :]),
        sparse.coo_array(np.concatenate([np.ones(n), np.zeros(m)])[None, :]),
        # kept ≤ chosen
        sparse.coo_array(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (np.tile(np.arange(m), 2), np.concatenate([keep_cols, keep_idx])),
            ),
            shape=(m, n + m),
        ),
        sparse.coo_array((model.hours[keep_idx], (keep_kam, keep_cols)), shape=(kams, n + m)),
        sparse.coo_array((np.ones(m), (keep_kam, keep_cols)), shape=(kams, n + m)),
    ]
    cut_rows, cut_limits = _large_account_cuts(model)
    if cut_rows.shape[0]:
        blocks.append(sparse.hstack([cut_rows, sparse.coo_array((cut_rows.shape[0], m))]))
    slots = min(int(model.max_accounts.sum()), model.max_total)
    lower = np.concatenate([[-np.inf, float(model.min_total)], np.full(m + 2 * kams + len(cut_limits), -np.inf)])
    upper = np.concatenate(
        [
            [float(model.max_hours.sum()), float(slots)],
            np.zeros(m),
            model.max_hours,
            model.max_accounts.astype(float),
            cut_limits,
        ]
    )
    c = -np.concatenate([model.value, model.bonus * model.value[keep_idx]])
    result = milp(
        c=c,
        integrality=np.ones(n + m),
        bounds=Bounds(np.concatenate([model.forced.astype(float), np.zeros(m)]), np.ones(n + m)),
        constraints=LinearConstraint(sparse.vstack(blocks).tocsr(), lower, upper),
        options=_options(deadline, gap, presolve=False),
    )
    if result.status == 2:
        return None, None, False, True
    bound = (
        None if result.mip_dual_bound is None or not math.isfinite(result.mip_dual_bound) else -result.mip_dual_bound
    )
    if result.x is None:
        return None, bound, True, False
    return np.flatnonzero(result.x[:n] > 0.5), bound, result.status != 0, False


def _greedy_assign(model: _Model, accounts: np.ndarray) -> np.ndarray | None:
    """Forced accounts first, then the rest by hours (first-fit decreasing, current KAM preferred)."""
    assign = np.full(model.size, -1, dtype=np.int64)
    load = np.zeros(len(model.max_hours))
    count = np.zeros(len(model.max_hours), dtype=np.int64)
    order = sorted((int(i) for i in accounts), key=lambda i: (not model.forced[i], -model.hours[i], i))
    for account in order:
        kam = _best_kam(model, account, load, count)
        if kam < 0:
            if model.forced[account]:
                return None
            continue
        _place(model, assign, account, kam, load, count)
    return assign


def _submodel(model: _Model, accounts: np.ndarray, kams: np.ndarray, outside: int) -> _Model:
    position = np.full(len(model.max_hours), -1, dtype=np.int64)
    position[kams] = np.arange(len(kams))
    current = model.current[accounts]
    return _Model(
        rows=accounts,
        value=model.value[accounts],
        hours=model.hours[accounts],
        current=np.where(current >= 0, position[np.maximum(current, 0)], -1),
        forced=model.forced[accounts],
        max_accounts=model.max_accounts[kams],
        max_hours=model.max_hours[kams],
        min_total=max(model.min_total - outside, 0),
        max_total=model.max_total - outside,
        bonus=model.bonus,
    )


def _improve(model: _Model, assign: np.ndarray, bound: float, deadline: float, gap: float) -> None:
    """Large-neighbourhood search: re-solve a few KAMs at a time with their members and the best outsiders.

    HiGHS finds poor packings of a few hundred accounts into forty KAMs, but a good one for two
    KAMs and a few dozen accounts within a tenth of a second; a new grouping each round lets
    accounts move between any two KAMs. Only improvements are kept, until the policy's gap is
    reached, a round brings nothing or time runs out.
    """
    kams = len(model.max_hours)
    group = min(_GROUP, kams)
    target = (1.0 - gap) * bound if bound > 0 else bound
    density = model.value / np.maximum(model.hours, 1e-9)
    rng = np.random.default_rng(0)  # fixed, so a run with time to spare is reproducible
    for round_ in range(50):
        improved = False
        order = np.arange(kams) if round_ == 0 else rng.permutation(kams)
        for first in range(0, kams, group):
            if time.perf_counter() >= deadline or _objective(model, assign) >= target - _EPS:
                return
            members = order[first : first + group]
            if len(members) < group:
                members = np.concatenate([members, order[: group - len(members)]])
            inside = np.isin(assign, members)
            outsiders = np.flatnonzero(
                (assign < 0) & (model.value > 0) & (model.hours <= model.max_hours[members].max())
            )
            outsiders = outsiders[np.argsort(-density[outsiders], kind="stable")[:_OUTSIDERS]]
            accounts = np.concatenate([np.flatnonzero(inside), outsiders])
            sub = _submodel(model, accounts, members, int((assign >= 0).sum() - inside.sum()))
            old = np.full(len(accounts), -1, dtype=np.int64)
            for j, i in enumerate(accounts):
                if assign[i] >= 0:
                    old[j] = int(np.flatnonzero(members == assign[i])[0])
            result, _, _, _ = _assignment_milp(
                sub, np.arange(len(accounts)), min(deadline, time.perf_counter() + _SUB_SECONDS), _SUB_GAP
            )
            if result is None:
                continue
            if _objective(sub, result) > _objective(sub, old) + 1e-9 * max(1.0, abs(bound)):
                assign[accounts] = np.where(result >= 0, members[np.maximum(result, 0)], -1)
                improved = True
        if not improved:
            return


def _solve(model: _Model, deadline: float, gap: float) -> _Outcome | None:
    """The best assignment found before ``deadline``; ``None`` when proven infeasible."""
    pairs = int(((model.hours[:, None] <= model.max_hours[None, :] + _EPS) & (model.max_accounts[None, :] > 0)).sum())
    if pairs <= JOINT_PAIR_LIMIT:
        return _joint(model, deadline, gap)
    # Stage 1 is cheap but its gap adds to the final one, so it is solved tighter.
    now = time.perf_counter()
    chosen, bound, _, infeasible = _choose_milp(model, now + _CHOOSE_SHARE * (deadline - now), gap / 4)
    if infeasible:
        return None
    if chosen is None or bound is None:
        return _joint(model, deadline, gap)
    found: list[np.ndarray] = []
    greedy = _greedy_assign(model, chosen)
    if greedy is not None and int((greedy >= 0).sum()) >= model.min_total:
        _fill(model, greedy)
        found.append(greedy)
    # HiGHS rarely proves a packing of a few hundred accounts optimal, but its incumbent after a
    # short while, once filled, beats the greedy packing; a slice of the time is all it gets.
    now = time.perf_counter()
    share = _ASSIGN_SHARE if found else 1.0
    assigned, _, _, _ = _assignment_milp(model, chosen, now + share * (deadline - now), gap / 2)
    if assigned is not None:
        _fill(model, assigned)
        found.append(assigned)
    if not found:
        return _joint(model, deadline, gap)
    assign = max(found, key=lambda a: _objective(model, a))
    _improve(model, assign, bound, deadline, gap)
    _drop_worthless(model, assign)
    return _Outcome(assign, bound, "choose_then_assign")


def _joint(model: _Model, deadline: float, gap: float) -> _Outcome | None:
    assign, bound, _, infeasible = _assignment_milp(model, np.arange(model.size), deadline, gap)
    if infeasible or assign is None:
        return None if infeasible else _Outcome(np.full(model.size, -1, dtype=np.int64), bound, "joint")
    _drop_worthless(model, assign)
    return _Outcome(assign, bound, "joint")


# --- the policy around the model ---------------------------------------------------------------


@dataclass(slots=True)
class _Accounts:
    codes: list[str]
    value: np.ndarray
    hours: np.ndarray
    candidate: np.ndarray
    current: list[str | None]


@dataclass(slots=True)
class _Run:
    status: Status
    gap: float | None
    objective: float
    bound: float | None
    method: Method
    preselected_out: int
    reasons: list[str]
    kam_of: list[str | None]
    conflicts: tuple[Conflict, ...]
    load: tuple[np.ndarray, np.ndarray]
    marginal: dict[str, Any] | None


def _read(candidates: pa.Table) -> _Accounts:
    missing = {"account", "value", "hours", "is_candidate", "current_kam"} - set(candidates.column_names)
    if missing:
        raise ValueError(f"candidates lacks column(s) {', '.join(sorted(missing))}")
    table = candidates.sort_by("account")
    codes = [str(code) for code in table.column("account").to_pylist()]
    if len(set(codes)) != len(codes):
        raise ValueError("candidates lists an account more than once")
    values = table.column("value").to_pylist()
    hours = table.column("hours").to_pylist()
    if any(v is None or not math.isfinite(v) for v in values) or any(
        h is None or not math.isfinite(h) or h < 0 for h in hours
    ):
        raise ValueError("candidates needs a finite value and non-negative hours for every account")
    return _Accounts(
        codes=codes,
        value=np.asarray(values, dtype=float),
        hours=np.asarray(hours, dtype=float),
        candidate=np.asarray([bool(c) for c in table.column("is_candidate").to_pylist()]),
        current=[None if c is None else str(c) for c in table.column("current_kam").to_pylist()],
    )


def _run(data: _Accounts, kam_list: list[tuple[str, int, float]], policy: SelectionPolicy, deadline: float) -> _Run:
    n = len(data.codes)
    capacity = policy.capacity
    include = {entry.code for entry in policy.must_include}
    exclude = {entry.code for entry in policy.must_exclude}
    max_accounts = np.asarray([k[1] for k in kam_list], dtype=np.int64)
    max_hours = np.asarray([k[2] for k in kam_list], dtype=float)
    largest = float(max_hours[max_accounts > 0].max()) if (max_accounts > 0).any() else 0.0
    slots = int(max_accounts.sum())
    forced = np.asarray([code in include for code in data.codes])

    reasons: list[str] = [""] * n
    for i, code in enumerate(data.codes):
        if code in exclude:
            reasons[i] = "must_exclude"
        elif not forced[i] and not data.candidate[i]:
            reasons[i] = "not_candidate"
    pool = [i for i in range(n) if not reasons[i] and not forced[i]]
    room = max(policy.candidates.max_candidates - int(forced.sum()), 0)
    preselected_out = 0
    if int(forced.sum()) + len(pool) > policy.candidates.max_candidates:
        for i in sorted(pool, key=lambda i: (-data.value[i], data.codes[i]))[room:]:
            reasons[i] = "preselection"
            preselected_out += 1
    for i in range(n):
        if not reasons[i] and not forced[i] and data.hours[i] > largest + _EPS:
            reasons[i] = "too_large"
    # Worthless accounts only enter the model when the minimum portfolio size may need them.
    eligible = [i for i in range(n) if not reasons[i]]
    for i in eligible:
        if not forced[i] and data.value[i] <= 0 and capacity.min_key_accounts == 0:
            reasons[i] = "no_value"
    model_rows = np.asarray([i for i in eligible if not reasons[i]], dtype=np.int64)

    conflicts: list[Conflict] = []
    if not kam_list:
        conflicts.append(Conflict("no_kams", {}))
    unknown = sorted(include - set(data.codes))
    if unknown:
        conflicts.append(Conflict("must_include_unknown", {"accounts": unknown}))
    must = np.flatnonzero(forced)
    if len(include) > capacity.max_key_accounts:
        conflicts.append(
            Conflict("must_include_exceeds_max_key_accounts", {"count": len(include), "max": capacity.max_key_accounts})
        )
    if kam_list and len(include) > slots:
        conflicts.append(Conflict("must_include_exceeds_kam_slots", {"count": len(include), "slots": slots}))
    must_hours = float(data.hours[must].sum())
    if kam_list and must_hours > float(max_hours.sum()) + _EPS:
        conflicts.append(
            Conflict("must_include_exceeds_hours", {"hours": must_hours, "capacity": float(max_hours.sum())})
        )
    for i in must.tolist():
        if kam_list and data.hours[i] > largest + _EPS:
            conflicts.append(
                Conflict(
                    "account_exceeds_every_kam",
                    {"account": data.codes[i], "hours": float(data.hours[i]), "largest": largest},
                )
            )
    if capacity.min_key_accounts > len(eligible):
        conflicts.append(
            Conflict(
                "min_key_accounts_exceeds_candidates", {"min": capacity.min_key_accounts, "candidates": len(eligible)}
            )
        )
    if kam_list and capacity.min_key_accounts > slots:
        conflicts.append(Conflict("min_key_accounts_exceeds_slots", {"min": capacity.min_key_accounts, "slots": slots}))

    kam_index = {code: k for k, (code, _, _) in enumerate(kam_list)}
    model = _Model(
        rows=model_rows,
        value=data.value[model_rows],
        hours=data.hours[model_rows],
        current=np.asarray(
            [kam_index.get(data.current[i], -1) if data.current[i] is not None else -1 for i in model_rows],
            dtype=np.int64,
        ),
        forced=forced[model_rows],
        max_accounts=max_accounts,
        max_hours=max_hours,
        min_total=capacity.min_key_accounts,
        max_total=capacity.max_key_accounts,
        bonus=policy.objective.stability_bonus,
    )
    outcome = None if conflicts else _solve(model, deadline, policy.objective.gap)
    if outcome is not None and not (outcome.assign >= 0).any() and (model.forced.any() or model.min_total > 0):
        conflicts.append(Conflict("no_solution_within_time_limit", {"seconds": policy.objective.time_limit_seconds}))
        outcome = None
    if outcome is None:
        if not conflicts:
            if include:
                conflicts.append(Conflict("must_include_cannot_be_packed", {"accounts": sorted(include)}))
            else:
                conflicts.append(Conflict("min_key_accounts_cannot_be_packed", {"min": capacity.min_key_accounts}))
        zero = (np.zeros(len(kam_list)), np.zeros(len(kam_list), dtype=np.int64))
        return _Run(
            "infeasible", None, 0.0, None, "joint", preselected_out, ["infeasible"] * n, [None] * n,
            tuple(conflicts), zero, None,
        )  # fmt: skip

    assign = outcome.assign
    objective = _objective(model, assign)
    kam_of: list[str | None] = [None] * n
    chosen_rows: list[int] = []
    for j, row in enumerate(model_rows):
        if assign[j] >= 0:
            kam_of[int(row)] = kam_list[int(assign[j])][0]
            chosen_rows.append(int(row))
    free = [r for r in chosen_rows if not forced[r]]
    marginal_row = min(free, key=lambda r: (data.value[r], data.codes[r])) if free else None
    marginal = (
        None
        if marginal_row is None
        else {"account": data.codes[marginal_row], "value": float(data.value[marginal_row])}
    )
    for row in model_rows:
        row = int(row)
        if kam_of[row] is not None:
            reasons[row] = "must_include" if forced[row] else "selected"
        elif data.value[row] <= 0:
            reasons[row] = "no_value"
        elif marginal is not None and data.value[row] <= marginal["value"]:
            reasons[row] = "below_marginal"
        else:
            reasons[row] = "capacity"
    bound = outcome.bound
    if bound is not None:
        bound = max(bound, objective)
        gap = (bound - objective) / abs(bound) if abs(bound) > _EPS else 0.0
        gap = 0.0 if gap < 1e-9 else gap
    else:
        gap = math.inf
    status: Status = "optimal" if gap <= policy.objective.gap + 1e-12 else "feasible"
    return _Run(
        status, gap, objective, bound, outcome.method, preselected_out, reasons, kam_of, (),
        _loads(model, assign), marginal,
    )  # fmt: skip


def choose_portfolio(
    candidates: pa.Table, kams: Sequence[KamCapacity], policy: SelectionPolicy, *, value_of_one_more_kam: bool = True
) -> PortfolioChoice:
    """Choose the key accounts and their KAMs, maximising value within the KAMs' capacity.

    Parameters
    ----------
    candidates : pa.Table
        One row per account: ``account`` (unique string), ``value`` (float64, what choosing it is
        worth), ``hours`` (float64, yearly KAM hours it needs), ``is_candidate`` (bool) and
        ``current_kam`` (string or null).
    kams : Sequence[KamCapacity]
        The KAMs available; a ``None`` limit takes the policy default.
    policy : SelectionPolicy
        Capacity, objective (stability bonus, time limit, gap), candidate-pool size and the
        must-include / must-exclude lists.
    value_of_one_more_kam : bool, default True
        Whether to re-solve with one extra KAM of default capacity to price it; the re-solve
        shares the policy's time limit.

    Returns
    -------
    PortfolioChoice
        Status, objective, bound and gap, a decision with a reason code per account, the
        marginal account, each KAM's load and, when infeasible, the conflicts.

    Raises
    ------
    ValueError
        When a column is missing, an account or a KAM is listed twice, or a value or hours
        figure is missing.

    Examples
    --------
    >>> from kam_engine.selection_policy import CapacityConfig, ObjectiveConfig
    >>> table = pa.table({
    ...     "account": ["a", "b", "c"], "value": [5.0, 3.0, 1.0], "hours": [60.0, 50.0, 40.0],
    ...     "is_candidate": [True, True, True], "current_kam": ["ann", None, None],
    ... })
    >>> policy = SelectionPolicy(
    ...     capacity=CapacityConfig(max_accounts_per_kam=2, max_hours_per_kam=100.0),
    ...     objective=ObjectiveConfig(stability_bonus=0.1),
    ... )
    >>> choice = choose_portfolio(table, [KamCapacity("ann"), KamCapacity("bob", max_hours=50.0)], policy)
    >>> choice.status, choice.objective, choice.decisions.column("kam").to_pylist()
    ('optimal', 9.5, ['ann', 'bob', 'ann'])
    >>> choice.decisions.column("reason").to_pylist(), choice.value_of_one_more_kam
    (['selected', 'selected', 'selected'], 0.0)
    """
    start = time.perf_counter()
    data = _read(candidates)
    limit = policy.objective.time_limit_seconds
    kam_list = resolve_kams(kams, policy)
    if len({code for code, _, _ in kam_list}) != len(kam_list):
        raise ValueError("kams lists a KAM more than once")
    main_deadline = start + (_MAIN_SHARE * limit if value_of_one_more_kam else limit)
    run = _run(data, kam_list, policy, main_deadline)
    extra: float | None = None
    if value_of_one_more_kam and run.status != "infeasible":
        more = [*kam_list, (_EXTRA_KAM, policy.capacity.max_accounts_per_kam, float(policy.capacity.max_hours_per_kam))]
        again = _run(data, more, policy, start + limit)
        # The current choice stays feasible with one more KAM, so the value is never below 0.
        extra = None if again.status == "infeasible" else max(again.objective - run.objective, 0.0)
    decisions = pa.table(
        {
            "account": pa.array(data.codes, pa.string()),
            "selected": pa.array([k is not None for k in run.kam_of], pa.bool_()),
            "kam": pa.array(run.kam_of, pa.string()),
            "value": pa.array(data.value, pa.float64()),
            "hours": pa.array(data.hours, pa.float64()),
            "reason": pa.array(run.reasons, pa.string()),
        }
    )
    load, count = run.load
    kam_load = pa.table(
        {
            "kam": pa.array([k[0] for k in kam_list], pa.string()),
            "accounts": pa.array(count.astype(np.int64), pa.int64()),
            "hours": pa.array(load.astype(float), pa.float64()),
            "max_accounts": pa.array([k[1] for k in kam_list], pa.int64()),
            "max_hours": pa.array([k[2] for k in kam_list], pa.float64()),
        }
    )
    return PortfolioChoice(
        status=run.status,
        gap=None if run.status == "infeasible" or run.gap is None or math.isinf(run.gap) else run.gap,
        objective=run.objective,
        bound=run.bound,
        method=run.method,
        solve_seconds=time.perf_counter() - start,
        preselected_out=run.preselected_out,
        decisions=decisions,
        marginal=run.marginal,
        value_of_one_more_kam=extra,
        kam_load=kam_load,
        conflicts=run.conflicts,
    )
