"""Fixtures of the opportunities app, built through its actions.

``product_lines``: PUMPS and VALVES. ``acme_retrofit``: a 100 000 proposal on ACME closing
on 15 June 2026 with Marta Ruiz (economic buyer) and Jorge López (user buyer, champion) as
buying influences: no technical buyer yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kam.key_accounts.actions import do_import_products
from kam.key_accounts.models import Account, ProductLine
from kam.opportunities.actions import OpportunityDetails, do_create_opportunity
from kam.opportunities.choices import Stage
from kam.opportunities.models import Opportunity
from kam.users.models import User


def opportunity_details(**fields: Any) -> OpportunityDetails:
    """A 100 000 prospecting opportunity closing on 15 June 2026, with ``fields`` changed."""
    values: dict[str, Any] = {
        "name": "Plant retrofit",
        "amount": Decimal("100000.00"),
        "expected_close_on": dt.date(2026, 6, 15),
        **fields,
    }
    return OpportunityDetails(**values)


@pytest.fixture
def product_lines(db: None) -> dict[str, ProductLine]:
    do_import_products(
        [
            {"code": "P-100", "name": "Pump 100", "product_line": "PUMPS", "product_line_name": "Pumps"},
            {"code": "V-200", "name": "Valve 200", "product_line": "VALVES", "product_line_name": "Valves"},
        ],
        ("code", "name", "product_line", "product_line_name"),
        acting_user=None,
    )
    return {line.code: line for line in ProductLine.objects.all()}


@pytest.fixture
def acme_retrofit(accounts: dict[str, Account], kam_alice: User, product_lines: dict[str, ProductLine]) -> Opportunity:
    acme = accounts["ACME"]
    return do_create_opportunity(
        acme,
        opportunity_details(
            stage=Stage.PROPOSAL,
            owner=kam_alice,
            product_lines=[product_lines["PUMPS"]],
            buying_influences=list(acme.contacts.filter(code__in=["MR", "JL"])),
        ),
        acting_user=kam_alice,
    )
