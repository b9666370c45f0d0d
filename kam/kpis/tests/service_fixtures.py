"""A small service history of the ``accounts`` portfolio for the service-level snapshot.

Snapshot date: ``SNAPSHOT_DAY`` (2025-12-31); its window is 2025-10-03 … 2025-12-31.
Cases (all resolved, so evaluating the open cases leaves them as they are), written straight
to the table with the clock figures they were closed with:

| account | type        | opened       | response (h) | resolution (h) |
|---------|-------------|--------------|--------------|----------------|
| ACME    | complaint   | 2025-09-15   | 1 met        | 4 met          | before the window
| ACME    | complaint   | 2025-12-01   | 2 met        | 10 met         | repeats 09-15's (77 days)
| ACME    | support     | 2025-12-10   | 6 breached   | 20 met         |
| COBALT  | complaint   | 2025-11-15   | 4 met        | 30 breached    |
| BOREAL  | complaint   | 2025-12-05   | 1 met        | 5 met          |
| DELTA   | order_issue | 2025-12-20   | 3 met        | 8 met          |

Facts: invoices (one order each) ACME 10, COBALT 5, BOREAL 4, in December 2025; deliveries:

| delivery | account | promised   | delivered  | in full | counts as            |
|----------|---------|------------|------------|---------|----------------------|
| D1       | ACME    | 2025-12-10 | 2025-12-12 | yes     | late                 |
| D2       | ACME    | 2025-12-15 | 2025-12-15 | no      | not in full          |
| D3       | ACME    | 2025-12-20 | 2025-12-19 | yes     | on time in full      |
| D4       | COBALT  | 2025-12-30 | —          |         | not delivered        |
| D5       | BOREAL  | 2025-12-10 | 2025-12-20 | yes     | late (not a key account) |
| D6       | ACME    | 2025-06-01 | 2025-06-09 | yes     | late, before the window |

Touchpoints (logged by alice): ACME negative 2025-12-03, ACME positive 2025-12-04, BOREAL
neutral 2025-12-05.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from kam.imports.actions import do_import_file
from kam.key_accounts.models import Account
from kam.service.choices import CaseStatus, ClockState
from kam.service.models import ServiceCase
from kam.touchpoints.actions import TouchpointDetails, do_log_touchpoint
from kam.users.choices import Department
from kam.users.models import User

SNAPSHOT_DAY = dt.date(2025, 12, 31)

DELIVERIES_CSV = (
    "delivery,account,promised_date,delivered_date,in_full\n"
    "D1,ACME,2025-12-10,2025-12-12,true\n"
    "D2,ACME,2025-12-15,2025-12-15,false\n"
    "D3,ACME,2025-12-20,2025-12-19,true\n"
    "D4,COBALT,2025-12-30,,\n"
    "D5,BOREAL,2025-12-10,2025-12-20,true\n"
    "D6,ACME,2025-06-01,2025-06-09,true\n"
)


def madrid(*parts: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*parts))  # type: ignore[arg-type]


def add_case(
    account: Account, type: str, opened: dt.datetime, response: tuple[float, str], resolution: tuple[float, str]
) -> ServiceCase:
    """A resolved case with its clock figures, as the service app stores them."""
    return ServiceCase.objects.create(
        account=account,
        type=type,
        subject=f"{type} of {account.code}",
        department=Department.CUSTOMER_SERVICE,
        status=CaseStatus.RESOLVED,
        opened_at=opened,
        first_response_at=opened + dt.timedelta(hours=response[0]),
        resolved_at=opened + dt.timedelta(hours=resolution[0]),
        response_target_hours=5.0,
        resolution_target_hours=25.0,
        response_hours=response[0],
        resolution_hours=resolution[0],
        response_state=response[1],
        resolution_state=resolution[1],
    )


def import_csv(directory: Path, kind: str, text: str) -> None:
    path = directory / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    outcome = do_import_file(kind, path, acting_user=None)
    assert outcome.is_valid, outcome.problems


@pytest.fixture
def service_history(accounts: dict[str, Account], kam_alice: User, tmp_path: Path) -> dict[str, Account]:
    """The cases, touchpoints, invoices and deliveries of the module docstring."""
    met, breached = ClockState.MET, ClockState.BREACHED
    add_case(accounts["ACME"], "complaint", madrid(2025, 9, 15, 10), (1, met), (4, met))
    add_case(accounts["ACME"], "complaint", madrid(2025, 12, 1, 10), (2, met), (10, met))
    add_case(accounts["ACME"], "support", madrid(2025, 12, 10, 10), (6, breached), (20, met))
    add_case(accounts["COBALT"], "complaint", madrid(2025, 11, 15, 10), (4, met), (30, breached))
    add_case(accounts["BOREAL"], "complaint", madrid(2025, 12, 5, 10), (1, met), (5, met))
    add_case(accounts["DELTA"], "order_issue", madrid(2025, 12, 20, 10), (3, met), (8, met))
    for code, day, sentiment in (("ACME", 3, "negative"), ("ACME", 4, "positive"), ("BOREAL", 5, "neutral")):
        do_log_touchpoint(
            accounts[code],
            TouchpointDetails(
                happened_at=madrid(2025, 12, day, 11),
                department=Department.SALES,
                channel="phone",
                type="sales",
                summary=f"Call with {code}",
                sentiment=sentiment,
                user=kam_alice,
            ),
            acting_user=None,
        )
    invoices = ["invoice,line,account,date,net_revenue"]
    for code, count in (("ACME", 10), ("COBALT", 5), ("BOREAL", 4)):
        invoices += [f"{code}-{number},1,{code},2025-12-{number + 1:02d},100" for number in range(count)]
    import_csv(tmp_path, "invoices", "\n".join(invoices) + "\n")
    import_csv(tmp_path, "deliveries", DELIVERIES_CSV)
    return accounts
