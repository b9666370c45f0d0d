"""HTML pages of the key-account domain: the account list (the home page), the account page
and its relationship map (the buying centre as an org chart, its coverage, contacts edited in place)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment, wants_fragment
from kam.key_accounts import coverage
from kam.key_accounts.actions import (
    do_add_contact,
    do_assign_team_member,
    do_change_phase,
    do_change_stage,
    do_mark_contact_left,
    do_record_assessment,
    do_remove_team_member,
    do_update_contact,
    do_update_team_member,
)
from kam.key_accounts.forms import (
    AccountFilterForm,
    AssessmentForm,
    ContactForm,
    PhaseChangeForm,
    StageChangeForm,
    TeamMemberAddForm,
    TeamMemberForm,
)
from kam.key_accounts.models import Account, AccountTeamMember, Contact
from kam.key_accounts.queries import (
    access_account_by_code,
    account_history,
    can_manage_account,
    mutuality_for,
    visible_accounts,
)
from kam.kpis.queries import latest_account_analysis
from kam.users.choices import Department
from kam.users.models import User

ACCOUNTS_PER_PAGE = 50
ACCOUNT_ALERTS = 20
ACCOUNT_HISTORY = 50

# Sort keys offered by the column headers → ORDER BY; the code breaks ties so paging is stable.
ACCOUNT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "code"),
    "-name": ("-name", "-code"),
    "code": ("code",),
    "-code": ("-code",),
}
DEFAULT_ACCOUNT_SORT = "name"


@login_required
@require_safe
def account_list(request: HtmxHttpRequest) -> HttpResponse:
    """List the accounts the user sees: search, filters, sorting and paging.

    An htmx request (the filter form, a column header, a page link) gets only the table.
    """
    accounts = visible_accounts(request.user)
    form = AccountFilterForm(request.GET or None, accounts=accounts)
    form.is_valid()
    sort = request.GET.get("sort", DEFAULT_ACCOUNT_SORT)
    if sort not in ACCOUNT_SORTS:
        sort = DEFAULT_ACCOUNT_SORT
    accounts = form.filter_accounts(accounts).order_by(*ACCOUNT_SORTS[sort])
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "sort": sort, "is_filtered": form.has_changed()}
    response = render_page_or_fragment(
        request, "key_accounts/account_list.html", "key_accounts/partials/account_table.html", context
    )
    return response


@login_required
@require_safe
def account_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Show one account with its group, its figures from the latest analysis, buying centre and account team."""
    account = access_account_by_code(request.user, code)
    return render(request, "key_accounts/account_detail.html", _overview_context(request, account))


def _overview_context(
    request: HttpRequest,
    account: Account,
    *,
    phase_form: PhaseChangeForm | None = None,
    stage_form: StageChangeForm | None = None,
    assessment_form: AssessmentForm | None = None,
) -> dict[str, Any]:
    visible = visible_accounts(request.user)
    contacts = list(
        account.contacts.select_related("relationship_owner", "reports_to").order_by(
            "-is_active", "last_name", "first_name", "code"
        )
    )
    team = account.team.select_related("user").order_by("role", "user__first_name", "user__last_name", "user__username")
    context = {
        "account": account,
        "parent_is_visible": account.parent_id is not None and visible.filter(pk=account.parent_id).exists(),
        "subsidiaries": visible.filter(parent=account).order_by("name", "code"),
        "contacts": contacts,
        "team": team,
        "analysis": latest_account_analysis(account),
    }
    context.update(_workspace_summary(account, contacts))
    context.update(_history_context(request, account, phase_form=phase_form, stage_form=stage_form))
    context.update(_mutuality_context(request, account, assessment_form=assessment_form))
    from kam.alerts.queries import can_act_on_alerts

    context["actionable"] = {account.pk} if context["alerts"] and can_act_on_alerts(request.user, account) else set()
    return context


def _workspace_summary(account: Account, contacts: list[Any]) -> dict[str, Any]:
    """What needs attention on the account: alerts not resolved, overdue plan actions, follow-ups due, coverage."""
    # The workspace apps build on this one; imported here so that key_accounts does not import them at load time.
    from kam.alerts.queries import open_alerts_for_account
    from kam.plans.choices import ActionStatus, PlanStatus
    from kam.plans.models import PlanAction
    from kam.plans.queries import overdue_action_count
    from kam.touchpoints.models import Meeting

    today = timezone.localdate()
    next_actions = list(
        PlanAction.objects.filter(plan__account=account, status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
        .exclude(plan__status=PlanStatus.CLOSED)
        .select_related("owner")
        .order_by("due_date", "id")[:5]
    )
    next_meetings = list(
        Meeting.objects.filter(account=account, held_at__date__gte=today).order_by("held_at", "id")[:5]
    )
    findings = coverage.coverage_findings(contacts, today=today, stale_days=coverage.stale_days_setting())
    return {
        "overdue_actions": overdue_action_count(account, today),
        "follow_ups_due": Meeting.objects.filter(
            account=account, follow_up_done=False, follow_up_on__lte=today
        ).count(),
        "coverage_findings": len(findings),
        "map_status": coverage.map_status(contacts),
        "next_actions": next_actions,
        "next_meetings": next_meetings,
        "alerts": list(open_alerts_for_account(account)[:ACCOUNT_ALERTS]),
        "today": today,
    }


# --- the relationship map -----------------------------------------------------------


@dataclass(frozen=True)
class MapPerson:
    """A contact as the map shows it: with the days since the last contact and whether that is stale."""

    contact: Contact
    days_ago: int | None
    is_stale: bool


def map_status_label(status: int) -> str:
    """The translated name of an Altify map status (0–3)."""
    return {
        0: _("No contacts recorded"),
        1: _("No key players known"),
        2: _("Key players known, none supportive"),
        3: _("A supportive key player"),
    }[status]


def finding_sentence(finding: coverage.Finding, names: Mapping[str, str]) -> str:
    """The translated sentence of one coverage finding; ``names`` maps contact codes to names."""
    people = ", ".join(names.get(code, code) for code in finding.params.get("codes", []))
    count = len(finding.params.get("codes", []))
    if finding.code == coverage.NO_ECONOMIC_BUYER:
        return _("No economic buyer: nobody here is recorded as the person who releases the budget.")
    if finding.code == coverage.NO_CHAMPION:
        return _("No champion: nobody here is a coach or champion who sells for us inside the customer.")
    if finding.code == coverage.SINGLE_THREADED:
        if count:
            return _(
                "Single-threaded: only %(names)s carries the relationship (influence 4 or more, or a regular or "
                "in-depth relationship with us)."
            ) % {"names": people}
        return _(
            "Single-threaded: nobody carries the relationship yet (influence 4 or more, or a regular or "
            "in-depth relationship with us)."
        )
    if finding.code == coverage.STALE_CONTACTS:
        return ngettext(
            "Stale: %(count)d contact not met for more than %(days)d days: %(names)s.",
            "Stale: %(count)d contacts not met for more than %(days)d days: %(names)s.",
            count,
        ) % {"count": count, "days": finding.params["days"], "names": people}
    if finding.code == coverage.CHAMPION_DEPARTED:
        return ngettext(
            "Champion gone: %(names)s has left the customer; find a new one.",
            "Champions gone: %(names)s have left the customer; find new ones.",
            count,
        ) % {"names": people}
    raise ValueError(finding.code)


def _map_context(
    request: HttpRequest,
    account: Account,
    *,
    form: ContactForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    contacts = list(
        account.contacts.select_related("relationship_owner", "reports_to").order_by(
            "-is_active", "last_name", "first_name", "code"
        )
    )
    today = timezone.localdate()
    stale_days = coverage.stale_days_setting()
    people = [
        MapPerson(
            contact=contact,
            days_ago=coverage.days_since_contact(contact, today=today),
            is_stale=contact.is_active and coverage.is_stale(contact, today=today, stale_days=stale_days),
        )
        for contact in contacts
    ]
    chart = coverage.org_chart(people, key=lambda row: row.contact.pk, parent=lambda row: row.contact.reports_to_id)
    names = {contact.code: str(contact) for contact in contacts}
    findings = coverage.coverage_findings(contacts, today=today, stale_days=stale_days)
    status = coverage.map_status(contacts)
    can_edit = can_manage_account(request.user, account)
    if can_edit and form is None:
        form = ContactForm(account=account)
    return {
        "account": account,
        "people": people,
        "chart": chart,
        "findings": [{"code": finding.code, "sentence": finding_sentence(finding, names)} for finding in findings],
        "map_status": status,
        "map_status_label": map_status_label(status),
        "stale_days": stale_days,
        "can_edit": can_edit,
        "form": form if can_edit else None,
        "notice": notice,
    }


def _render_map(request: HtmxHttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx only the region it swaps (chart, coverage, table, form)."""
    return render_page_or_fragment(
        request, "key_accounts/relationship_map.html", "key_accounts/partials/map_region.html", context, status=status
    )


def _managed_account(request: HttpRequest, code: str, refusal: str) -> tuple[Account, User]:
    """The account, if the user sees it (404 otherwise) and may manage it (403 with ``refusal`` otherwise)."""
    account = access_account_by_code(request.user, code)
    user = request.user
    if not isinstance(user, User) or not can_manage_account(user, account):
        raise PermissionDenied(refusal)
    return account, user


def _contacts_account(request: HttpRequest, code: str) -> tuple[Account, User]:
    return _managed_account(
        request, code, _("Only the account's key account manager or a director may edit its contacts.")
    )


def _map_url(account: Account) -> str:
    return reverse("key_accounts:relationship_map", kwargs={"code": account.code})


@login_required
@require_safe
def relationship_map(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The buying centre as an org chart, its coverage findings and map status, and every contact.

    ``?edit=<contact code>`` opens that contact in the form (for those who may edit).
    """
    account = access_account_by_code(request.user, code)
    form = None
    if (editing := request.GET.get("edit")) and can_manage_account(request.user, account):
        contact = get_object_or_404(account.contacts.all(), code=editing)
        form = ContactForm(account=account, contact=contact)
    return _render_map(request, _map_context(request, account, form=form))


def _save_contact(request: HtmxHttpRequest, account: Account, user: User, contact: Contact | None) -> HttpResponse:
    form = ContactForm(request.POST, account=account, contact=contact)
    if form.is_valid():
        try:
            if contact is None:
                saved = do_add_contact(account, form.contact_values(), acting_user=user)
                notice = _("%(contact)s added.") % {"contact": saved}
            else:
                saved = do_update_contact(contact, form.contact_values(), acting_user=user)
                notice = _("%(contact)s saved.") % {"contact": saved}
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                return HttpResponseRedirect(_map_url(account))
            return _render_map(request, _map_context(request, account, notice=notice))
    return _render_map(request, _map_context(request, account, form=form), status=422)


@login_required
@require_POST
def contact_add(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Add a contact from the map's form; htmx gets the re-rendered map region."""
    account, user = _contacts_account(request, code)
    return _save_contact(request, account, user, None)


@login_required
@require_POST
def contact_edit(request: HtmxHttpRequest, code: str, contact_code: str) -> HttpResponse:
    """Save an edited contact from the map's form; htmx gets the re-rendered map region."""
    account, user = _contacts_account(request, code)
    return _save_contact(request, account, user, get_object_or_404(account.contacts.all(), code=contact_code))


@login_required
@require_POST
def contact_leave(request: HtmxHttpRequest, code: str, contact_code: str) -> HttpResponse:
    """Mark a contact as having left the customer."""
    account, user = _contacts_account(request, code)
    contact = get_object_or_404(account.contacts.all(), code=contact_code)
    try:
        do_mark_contact_left(contact, acting_user=user)
    except ValidationError as error:
        notice = " ".join(error.messages)
    else:
        notice = _("%(contact)s is recorded as having left the customer.") % {"contact": contact}
    if not request.htmx:
        return HttpResponseRedirect(_map_url(account))
    return _render_map(request, _map_context(request, account, notice=notice))


# --- the account team ------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    """A member as the team tab shows them: with their edit form, for those who may edit."""

    member: AccountTeamMember
    form: TeamMemberForm | None


@dataclass(frozen=True)
class TeamGroup:
    """The members of one of our departments (their department on the account)."""

    department: str
    label: str
    rows: list[TeamRow]


def _team_context(
    request: HttpRequest,
    account: Account,
    *,
    add_form: TeamMemberAddForm | None = None,
    edit_form: TeamMemberForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    can_edit = can_manage_account(request.user, account)
    members = account.team.select_related("user").order_by(
        "role", "user__first_name", "user__last_name", "user__username"
    )
    by_department: dict[str, list[TeamRow]] = {}
    for member in members:
        form = None
        if can_edit:
            form = edit_form if edit_form is not None and edit_form.member.pk == member.pk else None
            form = form or TeamMemberForm(member=member)
        by_department.setdefault(member.department, []).append(TeamRow(member=member, form=form))
    # Departments in their declared order; a value no longer declared comes last, as stored.
    labels = dict(Department.choices)
    order = [*Department.values, *sorted(set(by_department) - set(Department.values))]
    groups = [
        TeamGroup(department=department, label=str(labels.get(department, department)), rows=by_department[department])
        for department in order
        if department in by_department
    ]
    if can_edit and add_form is None:
        add_form = TeamMemberAddForm(account=account)
    return {
        "account": account,
        "groups": groups,
        "member_count": sum(len(group.rows) for group in groups),
        "can_edit": can_edit,
        "add_form": add_form if can_edit else None,
        "notice": notice,
    }


def _render_team(request: HtmxHttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx only the team region its forms swap."""
    return render_page_or_fragment(
        request, "key_accounts/account_team.html", "key_accounts/partials/team_region.html", context, status=status
    )


def _team_managed_account(request: HttpRequest, code: str) -> tuple[Account, User]:
    return _managed_account(
        request, code, _("Only the account's key account manager or a director may change its team.")
    )


def _team_member(account: Account, username: str) -> AccountTeamMember:
    return get_object_or_404(account.team.select_related("user", "account"), user__username=username)


def _team_url(account: Account) -> str:
    return reverse("key_accounts:account_team", kwargs={"code": account.code})


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's errors on the form's fields where it has them, on the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_safe
def account_team(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Our cross-functional team on the account, grouped by department; its managers edit it in place."""
    account = access_account_by_code(request.user, code)
    return _render_team(request, _team_context(request, account))


@login_required
@require_POST
def team_member_add(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Put someone on the team from the tab's form; htmx gets the re-rendered team region."""
    account, user = _team_managed_account(request, code)
    form = TeamMemberAddForm(request.POST, account=account)
    if form.is_valid():
        try:
            member = do_assign_team_member(
                account,
                form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                department=form.cleaned_data["department"],
                acting_user=user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if not request.htmx:
                return HttpResponseRedirect(_team_url(account))
            notice = _("%(user)s is now on the team.") % {"user": member.user}
            return _render_team(request, _team_context(request, account, notice=notice))
    return _render_team(request, _team_context(request, account, add_form=form), status=422)


@login_required
@require_POST
def team_member_edit(request: HtmxHttpRequest, code: str, username: str) -> HttpResponse:
    """Save a member's role and department on the account; htmx gets the re-rendered team region."""
    account, user = _team_managed_account(request, code)
    member = _team_member(account, username)
    form = TeamMemberForm(request.POST, member=member)
    if form.is_valid():
        try:
            member = do_update_team_member(
                member, role=form.cleaned_data["role"], department=form.cleaned_data["department"], acting_user=user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if not request.htmx:
                return HttpResponseRedirect(_team_url(account))
            notice = _("%(user)s saved.") % {"user": member.user}
            return _render_team(request, _team_context(request, account, notice=notice))
    return _render_team(request, _team_context(request, account, edit_form=form), status=422)


@login_required
@require_POST
def team_member_remove(request: HtmxHttpRequest, code: str, username: str) -> HttpResponse:
    """Take a member off the team; htmx gets the re-rendered team region."""
    account, user = _team_managed_account(request, code)
    member = _team_member(account, username)
    do_remove_team_member(member, acting_user=user)
    if not request.htmx:
        return HttpResponseRedirect(_team_url(account))
    notice = _("%(user)s is no longer on the team.") % {"user": member.user}
    return _render_team(request, _team_context(request, account, notice=notice))


# --- the account's history and mutuality, on the overview ------------------------------


def _history_context(
    request: HttpRequest,
    account: Account,
    *,
    phase_form: PhaseChangeForm | None = None,
    stage_form: StageChangeForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """The history list (one query) and, for those who manage the account, the phase and stage forms."""
    can_change = can_manage_account(request.user, account)
    if can_change:
        phase_form = phase_form or PhaseChangeForm(initial={"phase": account.phase})
        stage_form = stage_form or StageChangeForm(initial={"relationship_stage": account.relationship_stage})
    return {
        "account": account,
        "history": list(account_history(account, limit=ACCOUNT_HISTORY)),
        "can_change": can_change,
        "phase_form": phase_form if can_change else None,
        "stage_form": stage_form if can_change else None,
        "history_notice": notice,
    }


def _mutuality_context(
    request: HttpRequest, account: Account, *, assessment_form: AssessmentForm | None = None, notice: str = ""
) -> dict[str, Any]:
    """The latest survey answer and our latest assessment (two queries), and the assessment form for managers."""
    can_assess = can_manage_account(request.user, account)
    if can_assess and assessment_form is None:
        assessment_form = AssessmentForm()
    return {
        "account": account,
        "mutuality": mutuality_for([account])[account.pk],
        "assessment_form": assessment_form if can_assess else None,
        "mutuality_notice": notice,
    }


def _changes_account(request: HttpRequest, code: str) -> tuple[Account, User]:
    return _managed_account(request, code, _("Only the account's key account manager or a director may change it."))


def _render_history(
    request: HtmxHttpRequest,
    account: Account,
    *,
    phase_form: PhaseChangeForm | None = None,
    stage_form: StageChangeForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """For htmx, the history region (and the management facts, out of band); else the whole overview."""
    if wants_fragment(request):
        context = _history_context(request, account, phase_form=phase_form, stage_form=stage_form, notice=notice)
    else:
        context = _overview_context(request, account, phase_form=phase_form, stage_form=stage_form)
    return render_page_or_fragment(
        request,
        "key_accounts/account_detail.html",
        "key_accounts/partials/history_response.html",
        context,
        status=status,
    )


def _change(
    request: HtmxHttpRequest,
    code: str,
    form_class: type[PhaseChangeForm] | type[StageChangeForm],
    name: str,
    notice: str,
) -> HttpResponse:
    """Run ``do_change_phase`` or ``do_change_stage`` (by the field ``name``) from its form."""
    account, user = _changes_account(request, code)
    bound = form_class(request.POST)
    if bound.is_valid():
        change = do_change_phase if name == "phase" else do_change_stage
        try:
            account = change(account, bound.cleaned_data[name], reason=bound.cleaned_data["reason"], acting_user=user)
        except ValidationError as error:
            _add_errors(bound, error)
        else:
            if not request.htmx:
                return HttpResponseRedirect(account.get_absolute_url())
            return _render_history(request, account, notice=notice)
    forms_by_name: dict[str, Any] = {"phase_form" if name == "phase" else "stage_form": bound}
    return _render_history(request, account, status=422, **forms_by_name)


@login_required
@require_POST
def account_change_phase(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Move the account to another phase from the overview's form; htmx gets the history region."""
    return _change(request, code, PhaseChangeForm, "phase", _("Phase changed."))


@login_required
@require_POST
def account_change_stage(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Move the account to another relationship stage from the overview's form; htmx gets the history region."""
    return _change(request, code, StageChangeForm, "relationship_stage", _("Relationship stage changed."))


@login_required
@require_POST
def assessment_add(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Record our assessment of the customer from the overview's form; htmx gets the mutuality region."""
    account, user = _changes_account(request, code)
    form = AssessmentForm(request.POST)
    notice = ""
    if form.is_valid():
        try:
            do_record_assessment(
                account, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"], acting_user=user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if not request.htmx:
                return HttpResponseRedirect(account.get_absolute_url())
            notice = _("Assessment recorded.")
    failed = not notice
    if wants_fragment(request):
        context = _mutuality_context(request, account, assessment_form=form if failed else None, notice=notice)
    else:
        context = _overview_context(request, account, assessment_form=form)
    return render_page_or_fragment(
        request,
        "key_accounts/account_detail.html",
        "key_accounts/partials/account_mutuality.html",
        context,
        status=422 if failed else 200,
    )
