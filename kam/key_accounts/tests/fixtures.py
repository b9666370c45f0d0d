"""A small customer portfolio, imported through the real actions.

| code    | name             | owner | notes                                                     |
|---------|------------------|-------|-----------------------------------------------------------|
| ACME    | Acme Group       | alice | key account, strategic; three contacts; alice on the team |
| ACME-IB | Acme Ibérica     | alice | subsidiary of ACME; key account, star                     |
| BOREAL  | Borealis Foods   | alice | status tier; bob on its team as executive sponsor          |
| COBALT  | Cobalt Retail    | bob   | key account, strategic; one contact                        |
| DELTA   | Delta Logistics  | bob   | streamline tier                                            |
| ECHO    | Echo Labs        | —     | prospect with no owner: only directors see it              |

``team_tina`` (in ``kam.users.tests.fixtures``) adds tina to the ACME team.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kam.key_accounts.actions import do_add_team_member, do_import_accounts, do_import_contacts
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.users.models import User

ACCOUNT_FIELDS = (
    "code",
    "name",
    "parent",
    "owner",
    "industry",
    "segment",
    "country",
    "size",
    "status",
    "is_key_account",
    "key_account_since",
    "tier",
    "phase",
    "relationship_stage",
    "target_stage",
    "estimated_wallet",
)
_ACCOUNT_DEFAULTS: dict[str, Any] = {
    "parent": None,
    "owner": None,
    "industry": "",
    "segment": "",
    "country": "",
    "size": "",
    "status": "customer",
    "is_key_account": False,
    "key_account_since": None,
    "tier": "",
    "phase": "",
    "relationship_stage": "",
    "target_stage": "",
    "estimated_wallet": None,
}

CONTACT_FIELDS = (
    "account",
    "code",
    "first_name",
    "last_name",
    "title",
    "buying_role",
    "influence",
    "attitude",
    "relationship_owner",
    "relationship_level",
    "last_contact_at",
    "reports_to",
)


def account_row(code: str, name: str, **fields: Any) -> dict[str, Any]:
    """A row for ``do_import_accounts`` with every field of ``ACCOUNT_FIELDS``."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown account fields: {sorted(unknown)}")
    return {**_ACCOUNT_DEFAULTS, "code": code, "name": name, **fields}


def import_accounts(*rows: dict[str, Any]) -> None:
    """Import account rows built with ``account_row``."""
    do_import_accounts(rows, ACCOUNT_FIELDS, acting_user=None)


@pytest.fixture
def accounts(kam_alice: User, kam_bob: User) -> dict[str, Account]:
    """The portfolio by code (see the module docstring)."""
    import_accounts(
        account_row(
            "ACME",
            "Acme Group",
            owner="alice",
            industry="Manufacturing",
            segment="Industrial",
            country="ES",
            size="enterprise",
            is_key_account=True,
            key_account_since=dt.date(2021, 3, 1),
            tier="strategic",
            phase="growth",
            relationship_stage="cooperative",
            target_stage="interdependent",
            estimated_wallet=Decimal("2500000.00"),
        ),
        account_row(
            "ACME-IB",
            "Acme Ibérica",
            parent="ACME",
            owner="alice",
            industry="Manufacturing",
            segment="Industrial",
            country="ES",
            size="large",
            is_key_account=True,
            tier="star",
            phase="growth",
        ),
        account_row(
            "BOREAL",
            "Borealis Foods",
            owner="alice",
            industry="Food processing",
            segment="Food",
            country="PT",
            size="medium",
            tier="status",
            phase="maintenance",
        ),
        account_row(
            "COBALT",
            "Cobalt Retail",
            owner="bob",
            industry="Retail",
            segment="Retail",
            country="FR",
            size="enterprise",
            is_key_account=True,
            tier="strategic",
            phase="growth",
        ),
        account_row(
            "DELTA",
            "Delta Logistics",
            owner="bob",
            industry="Transport",
            segment="Logistics",
            country="DE",
            size="medium",
            tier="streamline",
            phase="cost_reduction",
        ),
        account_row("ECHO", "Echo Labs", status="prospect", industry="Pharmaceuticals", segment="Pharma", country="ES"),
    )
    contact = dict.fromkeys(CONTACT_FIELDS)
    do_import_contacts(
        [
            {
                **contact,
                "account": "ACME",
                "code": "MR",
                "first_name": "Marta",
                "last_name": "Ruiz",
                "title": "Chief Procurement Officer",
                "buying_role": "economic_buyer",
                "influence": 5,
                "attitude": "supporter",
                "relationship_owner": "alice",
                "relationship_level": "regular",
                "last_contact_at": dt.date(2025, 1, 15),
            },
            {
                **contact,
                "account": "ACME",
                "code": "JL",
                "first_name": "Jorge",
                "last_name": "López",
                "title": "Plant Manager",
                "buying_role": "user_buyer",
                "influence": 3,
                "attitude": "champion",
                "relationship_owner": "alice",
                "relationship_level": "in_depth",
                "last_contact_at": dt.date(2025, 2, 3),
                "reports_to": "MR",
            },
            {
                **contact,
                "account": "ACME",
                "code": "PS",
                "first_name": "Paula",
                "last_name": "Sanz",
                "title": "Quality Engineer",
                "buying_role": "technical_buyer",
                "influence": 2,
                "attitude": "critic",
                "reports_to": "JL",
            },
            {
                **contact,
                "account": "COBALT",
                "code": "AD",
                "first_name": "Anne",
                "last_name": "Dupont",
                "title": "Category Manager",
                "buying_role": "decision_maker",
                "influence": 4,
                "attitude": "neutral",
                "relationship_owner": "bob",
                "relationship_level": "brief",
            },
        ],
        CONTACT_FIELDS,
        acting_user=None,
    )
    by_code = {account.code: account for account in Account.objects.all()}
    do_add_team_member(by_code["ACME"], kam_alice, role=TeamRole.KEY_ACCOUNT_MANAGER, acting_user=None)
    do_add_team_member(by_code["BOREAL"], kam_bob, role=TeamRole.EXECUTIVE_SPONSOR, acting_user=None)
    return by_code
