"""The permission matrix of the web UI: every persona × every page and form × read and write.

The expected outcome of each cell comes from the rules of DESIGN.md and docs/ (not from what
the views happen to do):

- another user's account answers 404, exactly as an account that does not exist;
- whoever sees an account reads every tab of it;
- its KAM (owner), directors and administrators manage it (plan, map, team, pipeline);
- its team members work its touchpoints, meetings, alerts and service cases (and the plan
  actions they own) but do not manage the account (403);
- viewers read what they are granted and never write (403);
- incentive data is visible to directors, administrators and the KAM concerned only.

A write cell posts a representative form. Every view checks who asks before it reads the
form, so a refusal is 403 or 404 whatever the data; anything else (a redirect after the change,
the page again, the form with its errors) counts as "allowed". ``test_every_url_is_in_the_matrix``
keeps the matrix complete: a new URL of an app fails it until it has its row.

Personas (``kam.users.tests.fixtures``, plus one viewer granted ACME):

| key           | who                                                        |
|---------------|------------------------------------------------------------|
| administrator | adam, administrator                                        |
| director      | diana, director                                            |
| kam_a         | alice, KAM and owner of account A (ACME)                   |
| kam_b         | bob, KAM and owner of COBALT and DELTA, not on A's team    |
| team_a        | tina, team member on A's team                              |
| viewer_a      | victor, viewer on A's team (the grant that lets him read)  |
| outsider      | olga, an active KAM with no account at all                 |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from kam.alerts.models import Alert
from kam.incentives.tests.conftest import incentive_plan
from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.opportunities.actions import do_create_opportunity
from kam.opportunities.models import Opportunity
from kam.opportunities.tests.fixtures import opportunity_details
from kam.plans.actions import (
    do_activate_plan,
    do_add_action,
    do_add_competitor_position,
    do_add_objective,
    do_add_review,
    do_add_strategy,
    do_create_plan,
)
from kam.plans.choices import ObjectiveKpi
from kam.plans.models import AccountPlan
from kam.scorecards.models import PhaseKpi
from kam.service.actions import do_open_case
from kam.service.models import ServiceCase
from kam.service.tests.fixtures import case_details, es_calendar, service_levels
from kam.touchpoints.actions import do_log_meeting, do_log_touchpoint
from kam.touchpoints.choices import Sentiment
from kam.touchpoints.models import Meeting, Touchpoint
from kam.touchpoints.tests.fixtures import meeting_details, touchpoint_details
from kam.users.models import User

# Fixtures of the apps' own test folders, used here too.
__all__ = ["es_calendar", "incentive_plan", "service_levels"]

OK, E403, E404 = "allowed", "403", "404"
PERSONAS = ("administrator", "director", "kam_a", "kam_b", "team_a", "viewer_a", "outsider")


def _row(**cells: str) -> dict[str, str]:
    assert set(cells) == set(PERSONAS), cells
    return cells


# The expected outcome of each persona, by kind of rule.
EVERYONE = _row(administrator=OK, director=OK, kam_a=OK, kam_b=OK, team_a=OK, viewer_a=OK, outsider=OK)
READ_ACCOUNT = _row(administrator=OK, director=OK, kam_a=OK, kam_b=E404, team_a=OK, viewer_a=OK, outsider=E404)
MANAGE_ACCOUNT = _row(administrator=OK, director=OK, kam_a=OK, kam_b=E404, team_a=E403, viewer_a=E403, outsider=E404)
WORK_ACCOUNT = _row(administrator=OK, director=OK, kam_a=OK, kam_b=E404, team_a=OK, viewer_a=E403, outsider=E404)
DIRECTORS_ELSE_403 = _row(
    administrator=OK, director=OK, kam_a=E403, kam_b=E403, team_a=E403, viewer_a=E403, outsider=E403
)
DIRECTORS_ELSE_404 = _row(
    administrator=OK, director=OK, kam_a=E404, kam_b=E404, team_a=E404, viewer_a=E404, outsider=E404
)
# Incentive pay: directors and administrators all of it, a KAM their own; team members and viewers 403.
INCENTIVES = _row(administrator=OK, director=OK, kam_a=OK, kam_b=OK, team_a=E403, viewer_a=E403, outsider=OK)
ALICES_PAY = _row(administrator=OK, director=OK, kam_a=OK, kam_b=E404, team_a=E403, viewer_a=E403, outsider=E404)
# Only directors draft and approve incentive plans (docs/incentives.md): administrators run the system, not the pay.
PAY_DRAFTERS = _row(administrator=E403, director=OK, kam_a=E403, kam_b=E403, team_a=E403, viewer_a=E403, outsider=E403)
ALICES_SCORECARD = _row(administrator=OK, director=OK, kam_a=OK, kam_b=E404, team_a=E404, viewer_a=E404, outsider=E404)
# The plan roll-up: directors, administrators and KAMs (their own accounts); others 404 (docs/plans.md).
ROLLUP = _row(administrator=OK, director=OK, kam_a=OK, kam_b=OK, team_a=E404, viewer_a=E404, outsider=OK)
# A plan action's status: plan editors any; a team member (not a viewer) the actions they own (tina owns it).
OWN_ACTION = WORK_ACCOUNT


class World:
    """The objects the URLs point at, made on first use (each test pays only for what its URL needs)."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.accounts: dict[str, Account] = request.getfixturevalue("accounts")
        self.people: dict[str, User] = {
            "administrator": request.getfixturevalue("administrator"),
            "director": request.getfixturevalue("director"),
            "kam_a": request.getfixturevalue("kam_alice"),
            "kam_b": request.getfixturevalue("kam_bob"),
            "team_a": request.getfixturevalue("team_tina"),
            "viewer_a": request.getfixturevalue("viewer_victor"),
            "outsider": request.getfixturevalue("outsider_olga"),
        }
        do_add_team_member(self.acme, self.people["viewer_a"], role=TeamRole.OTHER, acting_user=None)

    @property
    def acme(self) -> Account:
        return self.accounts["ACME"]

    @property
    def alice(self) -> User:
        return self.people["kam_a"]

    @cached_property
    def plan(self) -> AccountPlan:
        plan = do_create_plan(
            self.acme,
            title="ACME 2026",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            acting_user=self.alice,
        )
        do_activate_plan(plan, acting_user=self.alice)
        do_add_objective(
            plan,
            title="Grow revenue",
            kpi=ObjectiveKpi.REVENUE,
            baseline=Decimal(1),
            target=Decimal(2),
            acting_user=self.alice,
        )
        do_add_strategy(plan, text="Sole supplier", acting_user=self.alice)
        do_add_action(
            plan,
            title="Audit routes",
            owner=self.people["team_a"],
            due_date=timezone.localdate() + dt.timedelta(days=10),
            acting_user=self.alice,
        )
        do_add_competitor_position(plan, competitor="Henkel", acting_user=self.alice)
        do_add_review(plan, date=dt.date(2026, 3, 1), notes="On track", acting_user=self.alice)
        return plan

    def item(self, kind: str) -> int:
        related = {
            "objective": "objectives",
            "strategy": "strategies",
            "action": "actions",
            "competitor": "competitors",
            "review": "reviews",
        }[kind]
        pk: int = getattr(self.plan, related).get().pk
        return pk

    @cached_property
    def meeting(self) -> Meeting:
        return do_log_meeting(
            self.acme,
            meeting_details(our_attendees=[self.alice], follow_up_on=dt.date(2026, 3, 10), next_step="Send it"),
            acting_user=self.alice,
        )

    @cached_property
    def opportunity(self) -> Opportunity:
        return do_create_opportunity(self.acme, opportunity_details(owner=self.alice), acting_user=self.alice)

    @cached_property
    def case(self) -> ServiceCase:
        self.request.getfixturevalue("service_levels")
        return do_open_case(self.acme, case_details(), acting_user=self.alice)

    @cached_property
    def alert(self) -> Alert:
        touchpoint = do_log_touchpoint(
            self.acme, touchpoint_details(sentiment=Sentiment.NEGATIVE), acting_user=self.people["director"]
        )
        return Alert.objects.get(event_key=f"touchpoint:{touchpoint.pk}:negative")

    @cached_property
    def policy_pk(self) -> int:
        from kam.service.models import ServiceLevelPolicy

        self.request.getfixturevalue("service_levels")
        pk: int = ServiceLevelPolicy.objects.order_by("pk").values_list("pk", flat=True)[0]
        return pk

    @cached_property
    def calendar_pk(self) -> int:
        pk: int = self.request.getfixturevalue("es_calendar").pk
        return pk

    @cached_property
    def holiday_pk(self) -> int:
        from kam.service.models import Holiday

        self.request.getfixturevalue("es_calendar")
        pk: int = Holiday.objects.values_list("pk", flat=True)[0]
        return pk

    @cached_property
    def proposal_pk(self) -> int:
        pk: int = self.request.getfixturevalue("proposal").pk
        return pk

    @cached_property
    def policy_version(self) -> int:
        version: int = self.request.getfixturevalue("small_policy_version").version
        return version

    @cached_property
    def round_pk(self) -> int:
        from kam.selection.actions import do_ensure_policy_version, do_open_rating_round
        from kam.selection.choices import PolicySource
        from kam.selection.tests.fixtures import SMALL_POLICY
        from kam_engine.selection_policy import parse_selection_policy

        self.request.getfixturevalue("analyses")
        document = {
            **SMALL_POLICY,
            "criteria": [
                {"key": "revenue", "axis": "attractiveness", "weight": 100, "scale": "minmax"},
                {"key": "mutuality", "weight": 100},
            ],
        }
        version = do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=None)
        director = self.people["director"]
        return do_open_rating_round("Q4", policy=version, scorers=[director], acting_user=director).pk

    @cached_property
    def incentive_plan_pk(self) -> int:
        pk: int = self.request.getfixturevalue("incentive_plan").pk
        return pk

    @cached_property
    def draft_incentive_plan_pk(self) -> int:
        from kam.incentives.tests.conftest import save_plan

        return save_plan(self.people["director"], name="Draft").pk


@dataclass(frozen=True)
class Cell:
    """One URL with one method, and the outcome each persona should get."""

    name: str  # the URL name, ``namespace:name``
    method: str
    url: Callable[[World], str]
    expect: dict[str, str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda world: {})


def _a(path: str) -> Callable[[World], str]:
    return lambda world: f"/accounts/ACME/{path}"


def _plan(path: str) -> Callable[[World], str]:
    return lambda world: f"/accounts/ACME/plan/{world.plan.pk}/{path}"


def _item(kind: str, plural: str, suffix: str) -> Callable[[World], str]:
    return lambda world: f"/accounts/ACME/plan/{world.plan.pk}/{plural}/{world.item(kind)}/{suffix}"


def _reason(name: str, value: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {name: value, "reason": "Matrix test"}


CELLS: list[Cell] = [
    # --- users -------------------------------------------------------------------------
    Cell("home", "GET", lambda w: "/home/", EVERYONE),
    # --- key accounts --------------------------------------------------------------------
    Cell("key_accounts:account_list", "GET", lambda w: "/", EVERYONE),
    Cell("key_accounts:account_detail", "GET", _a(""), READ_ACCOUNT),
    Cell("key_accounts:account_change_phase", "POST", _a("phase/"), MANAGE_ACCOUNT, _reason("phase", "maintenance")),
    Cell(
        "key_accounts:account_change_stage",
        "POST",
        _a("stage/"),
        MANAGE_ACCOUNT,
        _reason("relationship_stage", "interdependent"),
    ),
    Cell("key_accounts:assessment_add", "POST", _a("assessments/"), MANAGE_ACCOUNT, lambda w: {"rating": "7"}),
    Cell("key_accounts:relationship_map", "GET", _a("map/"), READ_ACCOUNT),
    Cell(
        "key_accounts:contact_add",
        "POST",
        _a("map/contacts/"),
        MANAGE_ACCOUNT,
        lambda w: {"code": "NEW", "first_name": "Nuria", "last_name": "Nieto", "influence": "3"},
    ),
    Cell(
        "key_accounts:contact_edit",
        "POST",
        _a("map/contacts/MR/"),
        MANAGE_ACCOUNT,
        lambda w: {"code": "MR", "first_name": "Marta", "last_name": "Ruiz", "influence": "4"},
    ),
    Cell("key_accounts:contact_leave", "POST", _a("map/contacts/PS/left/"), MANAGE_ACCOUNT),
    Cell("key_accounts:account_team", "GET", _a("team/"), READ_ACCOUNT),
    Cell(
        "key_accounts:team_member_add",
        "POST",
        _a("team/members/"),
        MANAGE_ACCOUNT,
        lambda w: {"user": w.people["outsider"].pk, "role": "other", "department": "sales"},
    ),
    Cell(
        "key_accounts:team_member_edit",
        "POST",
        _a("team/members/tina/"),
        MANAGE_ACCOUNT,
        lambda w: {"role": "service", "department": "service"},
    ),
    Cell("key_accounts:team_member_remove", "POST", _a("team/members/tina/remove/"), MANAGE_ACCOUNT),
    Cell("key_accounts:account_audit", "GET", _a("audit/"), READ_ACCOUNT),
    Cell("key_accounts:account_audit_csv", "GET", _a("audit/export.csv"), READ_ACCOUNT),
    Cell("key_accounts:account_audit_xlsx", "GET", _a("audit/export.xlsx"), READ_ACCOUNT),
    # --- KPIs ------------------------------------------------------------------------------
    Cell("kpis:portfolio", "GET", lambda w: "/portfolio/", EVERYONE),
    Cell("kpis:service_levels", "GET", lambda w: "/service-levels/", EVERYONE),
    Cell("kpis:account_service_levels", "GET", _a("service-levels/"), READ_ACCOUNT),
    # --- selection (directors and administrators; 404 for anyone else, scorers aside) ---------
    Cell("selection:home", "GET", lambda w: "/selection/", DIRECTORS_ELSE_404),
    Cell("selection:matrix", "GET", lambda w: "/selection/matrix/", DIRECTORS_ELSE_404),
    Cell("selection:proposal_create", "POST", lambda w: "/selection/proposals/new/", DIRECTORS_ELSE_404),
    Cell("selection:proposal_detail", "GET", lambda w: f"/selection/proposals/{w.proposal_pk}/", DIRECTORS_ELSE_404),
    Cell(
        "selection:proposal_decide",
        "POST",
        lambda w: f"/selection/proposals/{w.proposal_pk}/decide/",
        DIRECTORS_ELSE_404,
        lambda w: {"approve_all": "1"},
    ),
    Cell(
        "selection:proposal_export",
        "GET",
        lambda w: f"/selection/proposals/{w.proposal_pk}/export.xlsx",
        DIRECTORS_ELSE_404,
    ),
    Cell("selection:policy_new", "GET", lambda w: "/selection/policies/new/", DIRECTORS_ELSE_404),
    Cell("selection:policy_new", "POST", lambda w: "/selection/policies/new/", DIRECTORS_ELSE_404),
    Cell("selection:policy_detail", "GET", lambda w: f"/selection/policies/{w.policy_version}/", DIRECTORS_ELSE_404),
    Cell(
        "selection:policy_approve",
        "POST",
        lambda w: f"/selection/policies/{w.policy_version}/approve/",
        DIRECTORS_ELSE_404,
    ),
    Cell("selection:round_create", "POST", lambda w: "/selection/rounds/new/", DIRECTORS_ELSE_404),
    Cell("selection:round_detail", "GET", lambda w: f"/selection/rounds/{w.round_pk}/", DIRECTORS_ELSE_404),
    Cell(
        "selection:round_detail",
        "POST",
        lambda w: f"/selection/rounds/{w.round_pk}/",
        DIRECTORS_ELSE_404,
        lambda w: {"rating-ACME-mutuality": "7"},
    ),
    # --- plans -------------------------------------------------------------------------------
    Cell("plans:account_plan", "GET", _a("plan/"), READ_ACCOUNT),
    Cell(
        "plans:plan_create",
        "POST",
        _a("plan/new/"),
        MANAGE_ACCOUNT,
        lambda w: {"title": "Next", "period_start": "2027-01-01", "period_end": "2027-12-31"},
    ),
    Cell("plans:plan_detail", "GET", _plan(""), READ_ACCOUNT),
    Cell("plans:plan_update", "POST", _plan("edit/"), MANAGE_ACCOUNT, lambda w: {"title": "Renamed"}),
    Cell("plans:plan_activate", "POST", _plan("activate/"), MANAGE_ACCOUNT),
    Cell("plans:plan_close", "POST", _plan("close/"), MANAGE_ACCOUNT),
    Cell("plans:objective_add", "POST", _plan("objectives/"), MANAGE_ACCOUNT, lambda w: {"title": "More"}),
    Cell("plans:strategy_add", "POST", _plan("strategies/"), MANAGE_ACCOUNT, lambda w: {"text": "Cross-sell"}),
    Cell("plans:action_add", "POST", _plan("actions/"), MANAGE_ACCOUNT, lambda w: {"title": "Call"}),
    Cell("plans:competitor_add", "POST", _plan("competitors/"), MANAGE_ACCOUNT, lambda w: {"competitor": "3M"}),
    Cell("plans:review_add", "POST", _plan("reviews/"), MANAGE_ACCOUNT, lambda w: {"summary": "Fine"}),
    *[
        cell
        for kind, plural in (
            ("objective", "objectives"),
            ("strategy", "strategies"),
            ("action", "actions"),
            ("competitor", "competitors"),
            ("review", "reviews"),
        )
        for cell in (
            Cell(f"plans:item[{kind}]", "GET", _item(kind, plural, ""), READ_ACCOUNT),
            Cell(f"plans:item_edit[{kind}]", "GET", _item(kind, plural, "edit/"), MANAGE_ACCOUNT),
            Cell(f"plans:item_edit[{kind}]", "POST", _item(kind, plural, "edit/"), MANAGE_ACCOUNT),
            Cell(f"plans:item_delete[{kind}]", "POST", _item(kind, plural, "delete/"), MANAGE_ACCOUNT),
        )
    ],
    Cell(
        "plans:action_status",
        "POST",
        lambda w: f"/accounts/ACME/plan/{w.plan.pk}/actions/{w.item('action')}/status/",
        OWN_ACTION,
        lambda w: {"status": "in_progress"},
    ),
    Cell(
        "plans:whitespace_set",
        "POST",
        _plan("whitespace/"),
        MANAGE_ACCOUNT,
        lambda w: {"business_unit": "Bilbao", "status": "potential"},
    ),
    Cell("plans:export_pdf", "GET", _plan("export.pdf"), READ_ACCOUNT),
    Cell("plans:export_xlsx", "GET", _plan("export.xlsx"), READ_ACCOUNT),
    Cell("plans:rollup", "GET", lambda w: "/plans/rollup/", ROLLUP),
    # --- touchpoints and meetings --------------------------------------------------------------
    Cell("touchpoints:account_timeline", "GET", _a("timeline/"), READ_ACCOUNT),
    Cell(
        "touchpoints:account_timeline",
        "POST",
        _a("timeline/"),
        WORK_ACCOUNT,
        lambda w: {
            "happened_at": "2026-03-01T09:30",
            "department": "sales",
            "channel": "phone",
            "type": "order",
            "summary": "Matrix",
            "sentiment": "neutral",
        },
    ),
    Cell("touchpoints:account_meetings", "GET", _a("meetings/"), READ_ACCOUNT),
    Cell("touchpoints:account_meetings", "POST", _a("meetings/"), WORK_ACCOUNT, lambda w: {"goal": "Matrix"}),
    Cell("touchpoints:meeting_edit", "GET", lambda w: f"/accounts/ACME/meetings/{w.meeting.pk}/edit/", WORK_ACCOUNT),
    Cell(
        "touchpoints:meeting_edit",
        "POST",
        lambda w: f"/accounts/ACME/meetings/{w.meeting.pk}/edit/",
        WORK_ACCOUNT,
        lambda w: {"goal": "Matrix"},
    ),
    Cell(
        "touchpoints:follow_up_done",
        "POST",
        lambda w: f"/accounts/ACME/meetings/{w.meeting.pk}/follow-up-done/",
        WORK_ACCOUNT,
    ),
    # --- opportunities ---------------------------------------------------------------------------
    Cell("opportunities:account_opportunities", "GET", _a("opportunities/"), READ_ACCOUNT),
    Cell(
        "opportunities:account_opportunities",
        "POST",
        _a("opportunities/"),
        MANAGE_ACCOUNT,
        lambda w: {"name": "Matrix", "amount": "1000", "expected_close_on": "2026-06-15"},
    ),
    Cell(
        "opportunities:opportunity_edit",
        "GET",
        lambda w: f"/accounts/ACME/opportunities/{w.opportunity.pk}/edit/",
        MANAGE_ACCOUNT,
    ),
    Cell(
        "opportunities:opportunity_edit",
        "POST",
        lambda w: f"/accounts/ACME/opportunities/{w.opportunity.pk}/edit/",
        MANAGE_ACCOUNT,
        lambda w: {"name": "Matrix"},
    ),
    Cell(
        "opportunities:opportunity_close",
        "POST",
        lambda w: f"/accounts/ACME/opportunities/{w.opportunity.pk}/close/",
        MANAGE_ACCOUNT,
        lambda w: {"outcome": "won"},
    ),
    Cell("opportunities:pipeline", "GET", lambda w: "/pipeline/", EVERYONE),
    # --- service ---------------------------------------------------------------------------------
    Cell("service:account_cases", "GET", _a("service/"), READ_ACCOUNT),
    Cell(
        "service:account_cases",
        "POST",
        _a("service/"),
        WORK_ACCOUNT,
        lambda w: {"type": "complaint", "subject": "Matrix", "priority": "normal"},
    ),
    Cell("service:case_detail", "GET", lambda w: f"/accounts/ACME/service/{w.case.pk}/", READ_ACCOUNT),
    Cell(
        "service:case_detail",
        "POST",
        lambda w: f"/accounts/ACME/service/{w.case.pk}/",
        WORK_ACCOUNT,
        lambda w: {"subject": "Matrix"},
    ),
    Cell("service:case_step", "POST", lambda w: f"/accounts/ACME/service/{w.case.pk}/respond/", WORK_ACCOUNT),
    Cell("service:queue", "GET", lambda w: "/service/queue/", EVERYONE),
    Cell("service:policies", "GET", lambda w: "/service/policies/", EVERYONE),
    Cell(
        "service:policies",
        "POST",
        lambda w: "/service/policies/",
        DIRECTORS_ELSE_403,
        lambda w: {"case_type": "support", "applies_to": "key", "response_hours": "4", "resolution_hours": "8"},
    ),
    Cell("service:policy_delete", "POST", lambda w: f"/service/policies/{w.policy_pk}/delete/", DIRECTORS_ELSE_403),
    Cell("service:calendar_save", "POST", lambda w: "/service/calendars/", DIRECTORS_ELSE_403),
    Cell(
        "service:holiday_add",
        "POST",
        lambda w: f"/service/calendars/{w.calendar_pk}/holidays/",
        DIRECTORS_ELSE_403,
        lambda w: {"date": "2026-12-25", "name": "Navidad"},
    ),
    Cell("service:holiday_delete", "POST", lambda w: f"/service/holidays/{w.holiday_pk}/delete/", DIRECTORS_ELSE_403),
    # --- alerts ----------------------------------------------------------------------------------
    Cell("alerts:alert_list", "GET", lambda w: "/alerts/", EVERYONE),
    Cell("alerts:mark_all_read", "POST", lambda w: "/alerts/read/", EVERYONE),
    Cell("alerts:badge", "GET", lambda w: "/alerts/badge/", EVERYONE),
    Cell("alerts:alert_detail", "GET", lambda w: f"/alerts/{w.alert.pk}/", READ_ACCOUNT),
    Cell("alerts:alert_acknowledge", "POST", lambda w: f"/alerts/{w.alert.pk}/acknowledge/", WORK_ACCOUNT),
    Cell(
        "alerts:alert_resolve",
        "POST",
        lambda w: f"/alerts/{w.alert.pk}/resolve/",
        WORK_ACCOUNT,
        lambda w: {"note": "Called back"},
    ),
    # --- scorecards ------------------------------------------------------------------------------
    Cell("scorecards:portfolio", "GET", lambda w: "/scorecards/", DIRECTORS_ELSE_403),
    Cell("scorecards:catalogue", "GET", lambda w: "/scorecards/catalogue/", EVERYONE),
    Cell(
        "scorecards:catalogue_update",
        "POST",
        lambda w: f"/scorecards/catalogue/{PhaseKpi.objects.order_by('pk').values_list('pk', flat=True)[0]}/",
        DIRECTORS_ELSE_403,
    ),
    Cell("scorecards:health_calibration", "GET", lambda w: "/scorecards/health-calibration/", DIRECTORS_ELSE_403),
    Cell("scorecards:kam_scorecard", "GET", lambda w: "/scorecards/kam/alice/", ALICES_SCORECARD),
    Cell("scorecards:account_scorecard", "GET", _a("scorecard/"), READ_ACCOUNT),
    # --- incentives ------------------------------------------------------------------------------
    Cell("incentives:payouts", "GET", lambda w: "/incentives/", INCENTIVES),
    Cell(
        "incentives:payouts_export",
        "GET",
        lambda w: f"/incentives/export.xlsx?plan={w.incentive_plan_pk}&period=2025-Q4",
        INCENTIVES,
    ),
    Cell("incentives:kam_detail", "GET", lambda w: "/incentives/kams/alice/", ALICES_PAY),
    Cell("incentives:plan_list", "GET", lambda w: "/incentives/plans/", INCENTIVES),
    Cell("incentives:plan_new", "GET", lambda w: "/incentives/plans/new/", PAY_DRAFTERS),
    Cell("incentives:plan_new", "POST", lambda w: "/incentives/plans/new/", PAY_DRAFTERS),
    Cell("incentives:plan_detail", "GET", lambda w: f"/incentives/plans/{w.incentive_plan_pk}/", INCENTIVES),
    Cell("incentives:plan_edit", "GET", lambda w: f"/incentives/plans/{w.draft_incentive_plan_pk}/edit/", PAY_DRAFTERS),
    Cell(
        "incentives:plan_edit",
        "POST",
        lambda w: f"/incentives/plans/{w.draft_incentive_plan_pk}/edit/",
        PAY_DRAFTERS,
    ),
    Cell(
        "incentives:plan_approve",
        "POST",
        lambda w: f"/incentives/plans/{w.draft_incentive_plan_pk}/approve/",
        PAY_DRAFTERS,
    ),
    Cell("incentives:return_on_kam", "GET", lambda w: "/incentives/return-on-kam/", INCENTIVES),
    # The home page's quick-add of a touchpoint, on account A (see test_quick_add_*).
]

# URLs of the framework, not of the apps: the admin, the language switch and the login pages.
NOT_APP_URLS = {"login", "logout", "set_language"}


def _outcome(status: int) -> str:
    assert status < 500, status
    if status in (403, 404):
        return str(status)
    return OK


@pytest.fixture
def world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, db: None) -> World:
    # The PDF itself is tested in kam.plans; here only who may have it (WeasyPrint is slow).
    monkeypatch.setattr("kam.plans.views.plan_pdf", lambda plan, request=None: b"%PDF-1.7 matrix")
    return World(request)


def _cases() -> list[Any]:
    return [
        pytest.param(cell, persona, id=f"{cell.name}-{cell.method}-{persona}-{cell.expect[persona]}")
        for cell in CELLS
        for persona in PERSONAS
    ]


@pytest.mark.parametrize(("cell", "persona"), _cases())
def test_permission_matrix(world: World, cell: Cell, persona: str) -> None:
    url = cell.url(world)
    data = cell.data(world)
    client = Client()
    client.force_login(world.people[persona])
    response = client.get(url) if cell.method == "GET" else client.post(url, data)
    assert _outcome(response.status_code) == cell.expect[persona], (url, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_quick_add_logs_a_touchpoint_only_for_who_works_the_account(world: World, persona: str) -> None:
    """The home page's quick-add: the account is in the form, so a refusal may be a form error too."""
    client = Client()
    client.force_login(world.people[persona])
    before = Touchpoint.objects.filter(account=world.acme).count()
    response = client.post(
        "/touchpoints/quick-add/",
        {
            "account": "ACME",
            "department": "sales",
            "channel": "phone",
            "type": "order",
            "summary": "Quick",
            "sentiment": "neutral",
        },
    )
    logged = Touchpoint.objects.filter(account=world.acme).count() - before
    expected = WORK_ACCOUNT[persona]
    if expected == OK:
        assert response.status_code < 400
        assert logged == 1
    else:
        # Someone who does not see ACME is not offered it: the form refuses it (no 404 needed).
        assert response.status_code in (302, 403, 404)
        assert logged == 0


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            # The Django admin, and the REST API whose permission matrix is tested with the API.
            if pattern.namespace in {"admin", "api"}:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix() -> None:
    covered = {cell.name.split("[")[0] for cell in CELLS} | {"touchpoints:quick_add"}
    # The API token pages belong to the REST API, whose permission matrix is tested with it.
    missing = {name for name in _url_names(get_resolver()) - covered - NOT_APP_URLS if not name.startswith("api_")}
    assert not missing, sorted(missing)


def test_the_matrix_table_is_complete() -> None:
    for cell in CELLS:
        assert set(cell.expect) == set(PERSONAS), cell.name


def _audit_rows() -> dict[int, tuple[Any, ...]]:
    from kam.core.models import AuditRecord

    fields = ("created_at", "actor_id", "account_id", "action", "object_type", "object_id", "object_repr", "changes")
    return {row[0]: row[1:] for row in AuditRecord.objects.values_list("pk", *fields)}


@pytest.mark.parametrize("persona", ["director", "kam_a", "team_a"])
def test_no_view_updates_or_deletes_audit_records(world: World, persona: str) -> None:
    """Every write of the matrix, one after the other: the audit trail only grows."""
    client = Client()
    client.force_login(world.people[persona])
    writes = [cell for cell in CELLS if cell.method == "POST"]
    urls = [cell.url(world) for cell in writes]  # makes every object first: later writes remove some people
    for cell, url in zip(writes, urls, strict=True):
        before = _audit_rows()
        client.post(url, cell.data(world))
        after = _audit_rows()
        assert {pk: after.get(pk) for pk in before} == before, cell.name


def test_no_code_updates_or_deletes_audit_records() -> None:
    """Outside migrations and tests, nothing calls update or delete on audit records."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "kam"
    pattern = re.compile(r"AuditRecord\b[^\n]*\.(update|delete|bulk_update)\(|record\.delete\(\)")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []
