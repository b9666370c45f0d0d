"""Buying-influence coverage of an opportunity (Miller Heiman's Strategic Selling).

Every sale has an economic buyer (releases the money), user buyers (use what we sell),
technical buyers (screen the offer) and, ideally, a coach (guides us inside). A role that no
contact of the opportunity covers is a red flag. The function is pure: it takes the roles
and attitudes of the opportunity's buying influences and returns the gaps, in that order.

>>> coverage_gaps([Influence("economic_buyer"), Influence("user_buyer", "champion"), Influence("technical_buyer")])
[]
>>> [gap.value for gap in coverage_gaps([Influence("coach")])]
['no_economic_buyer', 'no_technical_buyer', 'no_user_buyer']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kam.key_accounts.choices import Attitude, BuyingRole
from kam.opportunities.choices import CoverageGap


@dataclass(frozen=True, slots=True)
class Influence:
    """One buying influence: the contact's buying role and attitude to us (either may be blank)."""

    buying_role: str = ""
    attitude: str = ""


def coverage_gaps(influences: Iterable[Influence]) -> list[CoverageGap]:
    """The roles no influence covers: economic buyer, coach (or a champion), technical buyer, user buyer.

    A contact whose buying role is coach, or whose attitude to us is champion, covers the coach.
    """
    influences = list(influences)
    roles = {influence.buying_role for influence in influences}
    has_coach = BuyingRole.COACH in roles or any(influence.attitude == Attitude.CHAMPION for influence in influences)
    gaps: list[CoverageGap] = []
    if BuyingRole.ECONOMIC_BUYER not in roles:
        gaps.append(CoverageGap.NO_ECONOMIC_BUYER)
    if not has_coach:
        gaps.append(CoverageGap.NO_COACH)
    if BuyingRole.TECHNICAL_BUYER not in roles:
        gaps.append(CoverageGap.NO_TECHNICAL_BUYER)
    if BuyingRole.USER_BUYER not in roles:
        gaps.append(CoverageGap.NO_USER_BUYER)
    return gaps
