"""A hand-solvable selection of the ``analyses`` portfolio (see ``kam.kpis.tests.fixtures``).

The ``small_policy`` scores attractiveness by revenue alone and strength by share of wallet
alone, both min–max, so every figure can be checked by hand (cut-offs 5 and 5):

| code    | revenue | wallet share | attractiveness | strength | quadrant   | value (mean) | hours            |
|---------|---------|--------------|----------------|----------|------------|--------------|------------------|
| ACME    | 500,000 | 20 %         | 10             | 3.333…   | star       | 6.666…       | 100 + 10 + 3 = 113 |
| COBALT  | 300,000 | 15 %         | 5.833…         | 0        | star       | 2.916…       | 100 + 1 = 101    |
| BOREAL  | 120,000 | 30 %         | 2.083…         | 10       | status     | 6.041…       | 60               |
| ACME-IB | 60,000  | —            | 0.833…         | 0        | streamline | 0.416…       | 40               |
| DELTA   | 20,000  | —            | 0              | 0        | streamline | 0            | 40               |

Candidates are the accounts making the first 95 % of revenue (all but DELTA). Two KAMs,
alice and bob, take one account each: the optimum is ACME and BOREAL (the two highest
values); with the 10 % stability bonus ACME stays with alice, its owner, and BOREAL
(also alice's) goes to bob.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST
from kam.selection.actions import do_create_proposal, do_ensure_policy_version
from kam.selection.choices import PolicySource
from kam.selection.models import SelectionPolicyVersion, SelectionProposal
from kam.users.models import User
from kam_engine.selection_policy import SelectionPolicy, parse_selection_policy

SMALL_POLICY: dict[str, Any] = {
    "criteria": [
        {"key": "revenue", "axis": "attractiveness", "weight": 100, "scale": "minmax"},
        {"key": "share_of_wallet", "axis": "strength", "weight": 100, "scale": "minmax"},
    ],
    "candidates": {"revenue_share": 0.95, "profit_top_share": 0.0, "growth_at_least": 10.0},
    "capacity": {
        "max_key_accounts": 10,
        "kams": [{"code": "alice", "max_accounts": 1, "max_hours": 500}, {"code": "bob", "max_accounts": 1}],
    },
    "objective": {"stability_bonus": 0.1},
}


def small_policy() -> SelectionPolicy:
    return parse_selection_policy(SMALL_POLICY, "small policy")


@pytest.fixture
def small_policy_version(analyses: dict[dt.date, PortfolioAnalysis]) -> SelectionPolicyVersion:
    """The small policy, approved (the first version a company stores is in force)."""
    return do_ensure_policy_version(small_policy(), source=PolicySource.FILE, acting_user=None)


@pytest.fixture
def proposal(
    small_policy_version: SelectionPolicyVersion, analyses: dict[dt.date, PortfolioAnalysis], director: User
) -> SelectionProposal:
    """The director's proposal on the latest analysis with the small policy."""
    return do_create_proposal(version=small_policy_version, analysis=analyses[LATEST], acting_user=director)
