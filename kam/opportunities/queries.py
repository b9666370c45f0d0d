"""Read helpers of opportunities: who may edit, the pipeline a user is responsible for, the forecast.

Visibility follows ``kam.key_accounts.queries``; the pipeline page and ``open_pipeline_for``
cover every account for directors and administrators and the accounts a KAM owns otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from kam.key_accounts.models import Account
from kam.key_accounts.queries import AnyUser, can_manage_account
from kam.opportunities.choices import OPEN_STAGES
from kam.opportunities.coverage import Influence, coverage_gaps
from kam.opportunities.models import Opportunity, weighted
from kam.users.models import User

FORECAST_MONTHS = 12


def can_edit_opportunities(user: AnyUser, account: Account) -> bool:
    """Those who manage the account (directors, administrators, its KAM) edit its opportunities."""
    return can_manage_account(user, account)


def account_opportunities(account: Account) -> QuerySet[Opportunity]:
    """The account's opportunities, open ones first by expected close, with what the table shows loaded."""
    return (
        Opportunity.objects.filter(account=account)
        .select_related("account", "owner")
        .prefetch_related("product_lines", "buying_influences")
    )


def opportunity_gaps(opportunity: Opportunity) -> list[str]:
    """The coverage red flags of an open opportunity, as sentences (none for a closed one)."""
    if not opportunity.is_open:
        return []
    influences = [Influence(contact.buying_role, contact.attitude) for contact in opportunity.buying_influences.all()]
    return [str(gap.label) for gap in coverage_gaps(influences)]


def pipeline_opportunities(user: AnyUser) -> QuerySet[Opportunity]:
    """Open opportunities of the accounts ``user`` answers for: every account for directors, else those they own."""
    if not isinstance(user, User) or not user.is_active:
        return Opportunity.objects.none()
    opportunities = Opportunity.objects.filter(stage__in=OPEN_STAGES).select_related("account", "account__owner")
    if user.sees_all_accounts:
        return opportunities
    return opportunities.filter(account__owner=user)


@dataclass(slots=True)
class Bucket:
    """Open opportunities added up: how many, their amount and their weighted amount."""

    count: int = 0
    amount: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")

    def add(self, amount: Decimal, probability: int) -> None:
        self.count += 1
        self.amount += amount
        self.weighted += weighted(amount, probability)

    def merge(self, other: Bucket) -> None:
        self.count += other.count
        self.amount += other.amount
        self.weighted += other.weighted


@dataclass(slots=True)
class Forecast:
    """Weighted forecast by calendar month of expected close, from the current month on.

    Open opportunities whose expected close date has passed are ``overdue``; those beyond
    the last month are ``later``.
    """

    months: list[tuple[dt.date, Bucket]]
    overdue: Bucket = field(default_factory=Bucket)
    later: Bucket = field(default_factory=Bucket)

    @property
    def total(self) -> Bucket:
        total = Bucket()
        for bucket in [self.overdue, *(bucket for _month, bucket in self.months), self.later]:
            total.merge(bucket)
        return total


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def forecast_by_month(
    rows: Iterable[tuple[dt.date, Decimal, int]], *, today: dt.date, months: int = FORECAST_MONTHS
) -> Forecast:
    """Add up ``(expected close date, amount, probability)`` rows by month of expected close.

    >>> forecast = forecast_by_month([(dt.date(2026, 2, 10), Decimal("1000"), 50)], today=dt.date(2026, 1, 31))
    >>> [(month.isoformat(), bucket.weighted) for month, bucket in forecast.months[:2]]
    [('2026-01-01', Decimal('0.00')), ('2026-02-01', Decimal('500.00'))]
    """
    first = today.replace(day=1)
    buckets = [(_add_months(first, offset), Bucket()) for offset in range(months)]
    forecast = Forecast(months=buckets)
    end = _add_months(first, months)
    for close_on, amount, probability in rows:
        if close_on < today:
            forecast.overdue.add(amount, probability)
        elif close_on >= end:
            forecast.later.add(amount, probability)
        else:
            offset = (close_on.year - first.year) * 12 + close_on.month - first.month
            buckets[offset][1].add(amount, probability)
    return forecast


@dataclass(slots=True)
class KamPipeline:
    """One KAM's open pipeline (``kam`` None for accounts without a KAM) and its forecast."""

    kam: User | None
    forecast: Forecast


def pipeline_by_kam(user: AnyUser, *, today: dt.date) -> list[KamPipeline]:
    """The open pipeline ``user`` answers for, per KAM of the account, KAMs by name and unassigned last."""
    grouped: dict[int | None, list[Opportunity]] = {}
    for opportunity in pipeline_opportunities(user):
        grouped.setdefault(opportunity.account.owner_id, []).append(opportunity)
    result = [
        KamPipeline(
            kam=items[0].account.owner,
            forecast=forecast_by_month(
                ((item.expected_close_on, item.amount, item.probability) for item in items), today=today
            ),
        )
        for items in grouped.values()
    ]
    return sorted(result, key=lambda row: (row.kam is None, str(row.kam or ""), row.kam.pk if row.kam else 0))


@dataclass(frozen=True, slots=True)
class PipelineTotals:
    """Open opportunities a user answers for: count, amount and weighted amount."""

    count: int
    amount: Decimal
    weighted: Decimal


def open_pipeline_for(user: AnyUser) -> PipelineTotals:
    """Totals of the open pipeline ``user`` answers for (directors: all accounts; KAMs: the accounts they own)."""
    bucket = Bucket()
    for amount, probability in pipeline_opportunities(user).values_list("amount", "probability"):
        bucket.add(amount, probability)
    return PipelineTotals(count=bucket.count, amount=bucket.amount, weighted=bucket.weighted)
