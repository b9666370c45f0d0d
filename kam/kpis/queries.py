"""Reads of the kpis app, including what the engine needs from the web database."""

from __future__ import annotations

import pyarrow as pa

from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis


def accounts_for_engine() -> pa.Table:
    """The account columns the engine reads, as Arrow (code, estimated wallet, key-account flag)."""
    # Imported here: the engine brings Ibis, which web pages need not load.
    from kam_engine.backends import ACCOUNT_SCHEMA

    rows = list(Account.objects.order_by("code").values_list("code", "estimated_wallet", "is_key_account"))
    return pa.table(
        {
            "code": [code for code, _wallet, _key in rows],
            "estimated_wallet": [float(wallet) if wallet is not None else None for _code, wallet, _key in rows],
            "is_key_account": [key for _code, _wallet, key in rows],
        },
        schema=ACCOUNT_SCHEMA,
    )


def latest_portfolio_analysis() -> PortfolioAnalysis | None:
    """The most recent analysis, or None before the first ``kam analyze``."""
    return PortfolioAnalysis.objects.order_by("-as_of").first()


def latest_account_analysis(account: Account) -> AccountAnalysis | None:
    """The account's figures from the most recent analysis that covered it."""
    return AccountAnalysis.objects.filter(account=account).order_by("-as_of").first()
