"""Selection pages: the overview, proposals (review, matrix, decisions, XLSX), policies and rating rounds.

Directors and administrators manage the selection; scorers see the rating rounds they are
on; everyone else gets 404, as for anything they may not see. Every change goes through
``kam.selection.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.key_accounts.choices import Tier
from kam.kpis.queries import latest_portfolio_analysis
from kam.kpis.views import plotly_separators
from kam.selection.actions import (
    LineDecision,
    RatingInput,
    SelectionError,
    default_policy_version,
    do_approve_policy_version,
    do_close_rating_round,
    do_create_policy_version,
    do_create_proposal,
    do_decide_proposal_lines,
    do_open_rating_round,
    do_record_ratings,
)
from kam.selection.choices import Decision, PolicyStatus, RoundStatus
from kam.selection.exports import list_reasons, proposal_workbook
from kam.selection.forms import DecisionForm, PolicyDraftForm, PolicyQuickForm, RatingRoundForm
from kam.selection.messages import line_reason, proposal_conflicts
from kam.selection.models import ProposalLine, Rating, SelectionPolicyVersion, SelectionProposal
from kam.selection.queries import (
    access_proposal_by_id,
    access_round_by_id,
    approved_policy_version,
    can_manage_selection,
    policy_of,
    proposal_lines_query,
    rounds_for,
)
from kam.users.models import User
from kam_engine.selection_policy import SelectionPolicy, dump_policy, policy_to_dict

OTHER_LINES_SHOWN = 200


def _director(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_selection(user):
        raise Http404(_("Only directors and administrators manage the selection."))
    return user


@login_required
@require_safe
def selection_home(request: HttpRequest) -> HttpResponse:
    """Proposals, the policy in force and the rating rounds; scorers see only their rounds."""
    user = cast(User, request.user)
    rounds = rounds_for(user)
    if not can_manage_selection(user):
        if not rounds.exists():
            raise Http404(_("Only directors and administrators manage the selection."))
        return render(request, "selection/home.html", {"rounds": rounds, "is_director": False})
    context = {
        "is_director": True,
        "proposals": SelectionProposal.objects.select_related("policy", "created_by")[:30],
        "policy": approved_policy_version(),
        "drafts": SelectionPolicyVersion.objects.filter(status=PolicyStatus.DRAFT),
        "analysis": latest_portfolio_analysis(),
        "rounds": rounds,
        "round_form": RatingRoundForm(),
    }
    return render(request, "selection/home.html", context)


@login_required
@require_POST
def proposal_create(request: HttpRequest) -> HttpResponse:
    """Run the selection on the latest analysis with the policy in force (and its latest rating round)."""
    user = _director(request)
    analysis = latest_portfolio_analysis()
    if analysis is None:
        messages.error(request, _("No analysis yet: run `kam analyze` first."))
        return redirect("selection:home")
    version = default_policy_version(acting_user=user)
    rating_round = version.rating_rounds.order_by("-created_at", "-id").first()
    try:
        proposal = do_create_proposal(version=version, analysis=analysis, rating_round=rating_round, acting_user=user)
    except SelectionError as error:
        messages.error(request, str(error))
        return redirect("selection:home")
    messages.success(request, _("Proposal %(number)s is ready for review.") % {"number": proposal.pk})
    return redirect(proposal)


def _matrix_chart(proposal: SelectionProposal, lines: list[ProposalLine]) -> dict[str, Any]:
    document = proposal.policy.document
    labels = document.get("quadrants", {}).get("labels", {})
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        group = groups.setdefault(
            line.quadrant,
            {
                "key": line.quadrant,
                "name": labels.get(line.quadrant) or str(Tier(line.quadrant).label),
                "x": [],
                "y": [],
                "revenue": [],
                "names": [],
                "codes": [],
                "urls": [],
                "selected": [],
            },
        )
        group["x"].append(round(line.strength, 4))
        group["y"].append(round(line.attractiveness, 4))
        group["revenue"].append(float(line.revenue))
        group["names"].append(line.account.name)
        group["codes"].append(line.account.code)
        group["urls"].append(line.account.get_absolute_url())
        group["selected"].append(line.is_recommended)
    quadrants = document.get("quadrants", {})
    order = [choice.value for choice in Tier]
    return {
        "groups": sorted(groups.values(), key=lambda group: order.index(group["key"])),
        "cutoffs": {
            "attractiveness": quadrants.get("attractiveness_cutoff", 5.0),
            "strength": quadrants.get("strength_cutoff", 5.0),
        },
        "separators": plotly_separators(),
        "labels": {
            "x": _("Our relative strength (0–10)"),
            "y": _("Account attractiveness (0–10)"),
            "revenue": _("Revenue"),
            "attractiveness": _("Attractiveness"),
            "strength": _("Strength"),
            "selected": _("proposed key account"),
            "quadrants": {key: labels.get(key) or str(label) for key, label in Tier.choices},
        },
    }


def _matrix_lines(proposal: SelectionProposal) -> list[ProposalLine]:
    """The matrix shows the candidates (and any account proposed although it was not one)."""
    return list(proposal_lines_query(proposal).filter(Q(is_candidate=True) | Q(is_recommended=True)))


def _decorate(lines: list[ProposalLine], proposal: SelectionProposal) -> list[dict[str, Any]]:
    reasons = list_reasons(proposal)
    return [{"line": line, "reason": line_reason(line, proposal, reasons)} for line in lines]


@login_required
@require_safe
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page: solver summary, the matrix, the proposed accounts with decisions, the others with reasons."""
    proposal = access_proposal_by_id(request.user, pk)
    lines = proposal_lines_query(proposal)
    # Only what the page shows is loaded: a portfolio may have hundreds of thousands of lines.
    decided = list(lines.filter(Q(is_recommended=True) | Q(was_key_account=True)))
    recommended = [line for line in decided if line.is_recommended]
    removed = [line for line in decided if not line.is_recommended]
    other_lines = lines.filter(is_recommended=False, was_key_account=False)
    others = list(other_lines[:OTHER_LINES_SHOWN])
    others_total = other_lines.count()
    context = {
        "proposal": proposal,
        "conflicts": proposal_conflicts(proposal),
        "recommended": _decorate(recommended, proposal),
        "removed": _decorate(removed, proposal),
        "others": _decorate(others, proposal),
        "others_total": others_total,
        "others_shown": len(others),
        "pending": sum(1 for line in recommended + removed if line.decision == Decision.PENDING),
        "matrix_chart": _matrix_chart(proposal, _matrix_lines(proposal)),
        "decision_form": DecisionForm(),
        "hours": sum(line.hours for line in recommended),
        "gap": proposal.solver.get("gap"),
    }
    return render(request, "selection/proposal_detail.html", context)


@login_required
@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    """The portfolio matrix of the latest proposal (or ``?proposal=N``)."""
    _director(request)
    proposals = SelectionProposal.objects.select_related("policy")
    number = request.GET.get("proposal", "")
    proposal = proposals.filter(pk=int(number)).first() if number.isdigit() else proposals.first()
    if proposal is None:
        return render(request, "selection/matrix.html", {"proposal": None})
    lines = _matrix_lines(proposal)
    return render(
        request,
        "selection/matrix.html",
        {"proposal": proposal, "matrix_chart": _matrix_chart(proposal, lines), "count": len(lines)},
    )


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One decision (approve / reject with a reason), or approving every pending recommendation at once."""
    user = _director(request)
    proposal = access_proposal_by_id(user, pk)
    if request.POST.get("approve_all"):
        pending = ProposalLine.objects.filter(
            Q(is_recommended=True) | Q(was_key_account=True), proposal=proposal, decision=Decision.PENDING
        )
        decisions = [
            LineDecision(account=code, decision=Decision.APPROVED)
            for code in pending.order_by("account__code").values_list("account__code", flat=True)
        ]
    else:
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect(proposal)
        decisions = [
            LineDecision(
                account=form.cleaned_data["account"],
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        ]
    try:
        count = do_decide_proposal_lines(proposal, decisions, acting_user=user)
    except SelectionError as error:
        messages.error(request, str(error))
        return redirect(proposal)
    messages.success(request, _("%(count)s decisions recorded.") % {"count": count})
    return HttpResponseRedirect(reverse("selection:proposal_detail", kwargs={"pk": proposal.pk}) + "#decisions")


@login_required
@require_safe
def proposal_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal as an XLSX workbook."""
    proposal = access_proposal_by_id(request.user, pk)
    response = HttpResponse(
        proposal_workbook(proposal),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="openkam-proposal-{proposal.pk}-{proposal.as_of}.xlsx"'
    return response


# --- policies ----------------------------------------------------------------------------------


def _version_or_404(version: int) -> SelectionPolicyVersion:
    found = SelectionPolicyVersion.objects.select_related("created_by", "approved_by").filter(version=version).first()
    if found is None:
        raise Http404(_("No policy with this version."))
    return found


@login_required
@require_safe
def policy_detail(request: HttpRequest, version: int) -> HttpResponse:
    """One policy version: its criteria by axis, quadrants, pool rules, capacity, lists, and its TOML."""
    _director(request)
    found = _version_or_404(version)
    policy = policy_of(found)
    return render(
        request,
        "selection/policy_detail.html",
        {
            "version": found,
            "policy": policy,
            "attractiveness": policy.criteria_of("attractiveness"),
            "strength": policy.criteria_of("strength"),
            "toml": dump_policy(policy),
            "versions": SelectionPolicyVersion.objects.select_related("created_by", "approved_by")[:50],
        },
    )


@login_required
def policy_new(request: HttpRequest) -> HttpResponse:
    """Draft a new version from the policy in force: the quick form (weights, cut-offs, capacity, lists) or TOML."""
    user = _director(request)
    # Before any version exists the draft starts from the defaults; a GET stores nothing.
    current = approved_policy_version()
    policy = policy_of(current) if current is not None else SelectionPolicy()
    quick = PolicyQuickForm(policy_to_dict(policy))
    text = PolicyDraftForm(initial={"text": dump_policy(policy)})
    if request.method == "POST":
        is_quick = request.POST.get("form") == "quick"
        form: PolicyQuickForm | PolicyDraftForm
        if is_quick:
            form = quick = PolicyQuickForm(policy_to_dict(policy), request.POST)
        else:
            form = text = PolicyDraftForm(request.POST)
        if form.is_valid():
            document = form.cleaned_data["document"] if is_quick else form.cleaned_data["text"]
            try:
                version = do_create_policy_version(document, notes=form.cleaned_data["notes"], acting_user=user)
            except SelectionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Draft v%(version)s saved.") % {"version": version.version})
                return redirect(version)
    return render(
        request,
        "selection/policy_form.html",
        {
            "current": current,
            "quick": quick,
            "form": text,
            "attractiveness_fields": quick.weight_fields("attractiveness"),
            "strength_fields": quick.weight_fields("strength"),
        },
    )


@login_required
@require_POST
def policy_approve(request: HttpRequest, version: int) -> HttpResponse:
    user = _director(request)
    found = _version_or_404(version)
    try:
        do_approve_policy_version(found, acting_user=user)
    except SelectionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Policy v%(version)s is now in force.") % {"version": found.version})
    return redirect(found)


# --- rating rounds -----------------------------------------------------------------------------


@login_required
@require_POST
def round_create(request: HttpRequest) -> HttpResponse:
    user = _director(request)
    form = RatingRoundForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("selection:home")
    try:
        rating_round = do_open_rating_round(
            form.cleaned_data["name"],
            policy=default_policy_version(acting_user=user),
            scorers=list(form.cleaned_data["scorers"]),
            min_ratings=form.cleaned_data["min_ratings"],
            acting_user=user,
        )
    except SelectionError as error:
        messages.error(request, str(error))
        return redirect("selection:home")
    return redirect(rating_round)


def _round_accounts(policy_id: int) -> list[tuple[str, str]]:
    """The accounts to rate: the candidates of the latest proposal, else the A accounts of the latest analysis."""
    proposal = SelectionProposal.objects.filter(policy_id=policy_id).first() or SelectionProposal.objects.first()
    if proposal is not None:
        lines = ProposalLine.objects.filter(proposal=proposal, is_candidate=True).order_by("-revenue", "account__code")
        return list(lines.values_list("account__code", "account__name"))
    analysis = latest_portfolio_analysis()
    if analysis is None:
        return []
    rows = analysis.accounts.filter(abc_class="A").order_by("revenue_rank")
    return list(rows.values_list("account__code", "account__name"))


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A scorer's rating sheet: candidates × people-rated criteria, 1–10; directors see the spread too."""
    user = cast(User, request.user)
    rating_round = access_round_by_id(user, pk)
    criteria = policy_of(rating_round.policy).rated_criteria
    accounts = _round_accounts(rating_round.policy_id)
    is_scorer = rating_round.scorers.filter(pk=user.pk).exists()
    if request.method == "POST":
        if request.POST.get("close"):
            try:
                do_close_rating_round(rating_round, acting_user=user)
            except (SelectionError, PermissionDenied) as error:
                messages.error(request, str(error))
            return redirect(rating_round)
        ratings = []
        for code, _name in accounts:
            for criterion in criteria:
                raw = request.POST.get(f"rating-{code}-{criterion.key}", "").strip()
                if raw == "" and f"rating-{code}-{criterion.key}" not in request.POST:
                    continue
                try:
                    value = int(raw) if raw else None
                except ValueError:
                    messages.error(
                        request,
                        _("%(code)s, %(criterion)s: %(value)s is not a whole number from 1 to 10.")
                        % {"code": code, "criterion": criterion.key, "value": raw},
                    )
                    return redirect(rating_round)
                ratings.append(RatingInput(account=code, criterion=criterion.key, value=value))
        try:
            changed = do_record_ratings(rating_round, ratings, acting_user=user)
        except (SelectionError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(count)s ratings saved.") % {"count": changed})
        return redirect(rating_round)
    mine = {
        (code, criterion): value
        for code, criterion, value in Rating.objects.filter(round=rating_round, scorer=user).values_list(
            "account__code", "criterion", "value"
        )
    }
    counts: dict[tuple[str, str], int] = {}
    for code, key in Rating.objects.filter(round=rating_round).values_list("account__code", "criterion"):
        counts[(code, key)] = counts.get((code, key), 0) + 1
    rows = [
        {
            "code": code,
            "name": name,
            "cells": [
                {
                    "key": criterion.key,
                    "value": mine.get((code, criterion.key)),
                    "count": counts.get((code, criterion.key), 0),
                }
                for criterion in criteria
            ],
            "few": any(counts.get((code, criterion.key), 0) < rating_round.min_ratings for criterion in criteria),
        }
        for code, name in accounts
    ]
    return render(
        request,
        "selection/round_detail.html",
        {
            "round": rating_round,
            "criteria": criteria,
            "rows": rows,
            "is_scorer": is_scorer and rating_round.status == RoundStatus.OPEN,
            "is_director": can_manage_selection(user),
        },
    )
