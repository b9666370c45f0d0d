"""The incentive pages: who sees which payouts, plans and returns."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kam.incentives.choices import IncentivePlanStatus
from kam.incentives.models import IncentivePlan
from kam.key_accounts.actions import do_import_accounts
from kam.kpis.models import PortfolioAnalysis
from kam.users.models import User

pytestmark = pytest.mark.django_db

PAYOUTS = reverse("incentives:payouts") + "?period=2025-Q4"


def test_a_director_sees_every_kam_total(
    client: Client, director: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    client.force_login(director)

    response = client.get(PAYOUTS)

    assert response.status_code == 200
    assert [(kam.username, kam.total) for kam in response.context["kams"]] == [
        ("alice", 14_200.0),
        ("bob", 16_875.0),
    ]
    assert response.context["total"] == 31_075.0
    assert "data-total>31,075.00</td>" in response.content.decode()


def test_a_director_drills_into_a_kam(
    client: Client, director: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    client.force_login(director)

    response = client.get(reverse("incentives:kam_detail", args=["bob"]) + "?period=2025-Q4")

    assert response.status_code == 200
    kam = response.context["kam"]
    assert [(account.code, account.payout) for account in kam.accounts] == [("COBALT", 13_500.0), ("DELTA", 3_375.0)]
    assert (
        "Cost to serve % of revenue 25.0 % against a target of 15.0 %: 60 % of target is below the threshold of 80 %, "
        "so it pays nothing." in response.content.decode()
    )


def test_a_kam_sees_only_their_own_payouts(
    client: Client, kam_alice: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    client.force_login(kam_alice)

    response = client.get(PAYOUTS)
    other = client.get(reverse("incentives:kam_detail", args=["bob"]) + "?period=2025-Q4")

    assert response.status_code == 200
    assert [kam.username for kam in response.context["kams"]] == ["alice"]
    assert [account.code for account in response.context["kam"].accounts] == ["ACME", "ACME-IB"]
    assert "COBALT" not in response.content.decode()
    assert other.status_code == 404


@pytest.mark.parametrize("persona", ["team_tina", "viewer_victor"])
@pytest.mark.parametrize(
    "url",
    [
        reverse("incentives:payouts"),
        reverse("incentives:kam_detail", args=["alice"]),
        reverse("incentives:payouts_export") + "?period=2025-Q4",
        reverse("incentives:plan_list"),
        reverse("incentives:return_on_kam"),
    ],
)
def test_team_members_and_viewers_see_no_incentives(
    client: Client, persona: str, url: str, incentive_plan: IncentivePlan, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url).status_code == 403


def test_a_bad_period_is_named_and_the_default_shown(
    client: Client, director: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    client.force_login(director)

    response = client.get(reverse("incentives:payouts") + "?period=2025-Q9")

    assert response.context["period_error"] == (
        "2025-Q9 is not a period: use a quarter (2026-Q3), a month (2026-09) or a year (2026)."
    )
    # The default: the last full quarter before the day after the latest analysis (2025-12-31).
    assert response.context["period"].label == "2025-Q4"


def test_the_export_opens_and_neutralises_formulas(
    client: Client, director: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_import_accounts(
        [{"code": "ACME-IB", "name": '=HYPERLINK("http://evil","x")'}], ["code", "name"], acting_user=None
    )
    client.force_login(director)

    response = client.get(reverse("incentives:payouts_export") + "?period=2025-Q4")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="openkam-incentives-2025-Q4.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Payouts", "Components"]
    rows = list(workbook["Payouts"].iter_rows(values_only=True))
    assert rows[0] == ("Plan", "KAM bonus 2025", "Period", "2025-Q4", None, None, None, None)
    assert [row[1:3] + row[5:7] for row in rows[2:]] == [
        ("ACME", "Acme Group", 11_200, 20_000),
        ("ACME-IB", '\'=HYPERLINK("http://evil","x")', 3_000, 20_000),
        ("Total", None, 14_200, None),
        ("COBALT", "Cobalt Retail", 13_500, 20_000),
        ("DELTA", "Delta Logistics", 3_375, 20_000),
        ("Total", None, 16_875, None),
    ]
    assert workbook["Payouts"]["C4"].data_type == "s"
    components = list(workbook["Components"].iter_rows(values_only=True))
    assert len(components) == 1 + 11
    assert components[7][1:3] + components[7][8:9] == ("COBALT", "Revenue growth", 10_000)
    customer_profit = next(row for row in components if row[1] == "ACME-IB" and row[2] == "Customer profit")
    assert customer_profit[9] == (
        "Customer profit -6,000.00 against a target of 0.00: the target is missed, so it pays nothing."
    )


def test_a_kam_exports_only_their_own(
    client: Client, kam_bob: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    client.force_login(kam_bob)

    response = client.get(reverse("incentives:payouts_export") + "?period=2025-Q4")

    rows = list(load_workbook(io.BytesIO(response.content))["Payouts"].iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in rows] == ["COBALT", "DELTA", "Total"]


# --- plans -------------------------------------------------------------------------------------


def _plan_post(**changes: str) -> dict[str, str]:
    data = {
        "name": "KAM bonus 2026",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "target_bonus": "8000",
        "retention_damping": "25",
    }
    for phase in ("growth", "maintenance", "cost_reduction"):
        data |= {f"{phase}-TOTAL_FORMS": "2", f"{phase}-INITIAL_FORMS": "0"}
    data |= {
        "growth-0-kpi": "revenue_growth",
        "growth-0-weight": "60",
        "growth-0-target": "8",
        "growth-0-threshold": "80",
        "growth-0-threshold_payout": "50",
        "growth-0-cap": "150",
        "growth-0-cap_payout": "200",
        "growth-1-kpi": "share_of_wallet",
        "growth-1-weight": "40",
        "growth-1-target": "25",
        "maintenance-0-kpi": "otif_rate",
        "maintenance-0-weight": "100",
        "maintenance-0-target": "95",
        "maintenance-0-direction": "",
    }
    return data | changes


def test_a_director_drafts_a_plan_with_percentages(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.post(reverse("incentives:plan_new"), _plan_post())

    plan = IncentivePlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert (plan.status, str(plan.target_bonus), plan.retention_damping) == ("draft", "8000.00", 0.25)
    assert [(row["kpi"], row["weight"], row["target"], row["cap"]) for row in plan.phases["growth"]] == [
        ("revenue_growth", 0.6, 0.08, 1.5),
        ("share_of_wallet", 0.4, 0.25, 1.5),
    ]
    assert plan.phases["maintenance"][0]["higher_is_better"] is True
    assert list(plan.phases) == ["growth", "maintenance"]


def test_the_form_shows_the_plan_message(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.post(reverse("incentives:plan_new"), _plan_post(**{"growth-1-weight": "30"}))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Growth: the weights add up to 90 %, not 100 %."]
    assert IncentivePlan.objects.count() == 0


def test_a_director_approves_a_draft_on_its_page(client: Client, director: User) -> None:
    client.force_login(director)
    client.post(reverse("incentives:plan_new"), _plan_post())
    plan = IncentivePlan.objects.get()

    response = client.post(reverse("incentives:plan_approve", args=[plan.pk]))

    plan.refresh_from_db()
    assert response.status_code == 302
    assert plan.status == IncentivePlanStatus.APPROVED


@pytest.mark.parametrize("persona", ["administrator", "kam_alice"])
def test_others_read_plans_but_cannot_change_them(
    client: Client, persona: str, incentive_plan: IncentivePlan, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    listing = client.get(reverse("incentives:plan_list"))
    detail = client.get(incentive_plan.get_absolute_url())
    new = client.post(reverse("incentives:plan_new"), _plan_post())

    assert (listing.status_code, detail.status_code, new.status_code) == (200, 200, 403)
    assert listing.context["is_director"] is False
    assert "New plan" not in listing.content.decode()
    assert IncentivePlan.objects.count() == 1


def test_the_plan_page_reads_the_kpis_as_people_write_them(
    client: Client, director: User, incentive_plan: IncentivePlan
) -> None:
    client.force_login(director)

    response = client.get(incentive_plan.get_absolute_url())

    growth = response.context["phases"][0]
    assert growth["label"] == "Growth"
    assert [(row["kpi"], row["weight"], row["target"]) for row in growth["rows"]] == [
        ("Revenue growth", "50 %", "10.0 %"),
        ("Margin %", "30 %", "25.0 %"),
        ("Customer profit", "20 %", "0.00"),
    ]


def test_the_plan_form_shows_a_draft_in_percentages(client: Client, director: User) -> None:
    client.force_login(director)
    client.post(reverse("incentives:plan_new"), _plan_post())
    plan = IncentivePlan.objects.get()

    new = client.get(reverse("incentives:plan_new"))
    edit = client.get(reverse("incentives:plan_edit", args=[plan.pk]))

    assert (new.status_code, edit.status_code) == (200, 200)
    assert edit.context["form"].initial["retention_damping"] == 25.0
    growth = {phase: formset for phase, _label, formset in edit.context["formsets"]}["growth"]
    assert [(form.initial["kpi"], form.initial["weight"], form.initial["target"]) for form in growth.forms[:2]] == [
        ("revenue_growth", 60.0, 8.0),
        ("share_of_wallet", 40.0, 25.0),
    ]
    assert len(growth.forms) == 5


def test_an_approved_plan_is_not_edited_on_its_page(
    client: Client, director: User, incentive_plan: IncentivePlan
) -> None:
    client.force_login(director)

    response = client.post(reverse("incentives:plan_edit", args=[incentive_plan.pk]), _plan_post())

    assert response.status_code == 302
    incentive_plan.refresh_from_db()
    assert incentive_plan.name == "KAM bonus 2025"


def test_without_an_approved_plan_the_page_says_so(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PAYOUTS)

    assert response.status_code == 200
    assert response.context["problem"] == "No incentive plan is approved yet."
    assert response.context["kams"] == []
