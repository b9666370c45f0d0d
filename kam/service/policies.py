"""Which service-level policy applies to an account's case of a given type.

The most specific policy wins: a key account takes the policy of its tier (the ``AppliesTo``
values of tiers equal ``kam.key_accounts.choices.Tier`` values), else the one for all key
accounts, else the one for other accounts; any other account takes the one for other
accounts. Without any, the case has no targets and its clocks stand at "none".
"""

from __future__ import annotations

from collections.abc import Mapping

from kam.key_accounts.models import Account
from kam.service.choices import AppliesTo
from kam.service.models import ServiceLevelPolicy

PolicyIndex = Mapping[tuple[str, str], ServiceLevelPolicy]


def load_policies() -> dict[tuple[str, str], ServiceLevelPolicy]:
    """Every policy by (case type, applies to)."""
    return {(policy.case_type, policy.applies_to): policy for policy in ServiceLevelPolicy.objects.all()}


def scopes_of(account: Account) -> list[str]:
    """The ``AppliesTo`` values that may apply to ``account``, most specific first."""
    scopes: list[str] = []
    if account.is_key_account:
        if account.tier and account.tier in AppliesTo.values:
            scopes.append(account.tier)
        scopes.append(AppliesTo.KEY)
    scopes.append(AppliesTo.OTHER)
    return scopes


def policy_for(account: Account, case_type: str, policies: PolicyIndex | None = None) -> ServiceLevelPolicy | None:
    """The policy a new case of ``case_type`` on ``account`` runs against (None: no targets)."""
    index = load_policies() if policies is None else policies
    for scope in scopes_of(account):
        policy = index.get((case_type, scope))
        if policy is not None:
            return policy
    return None
