"""Forms of the plan pages; they only parse input, the actions validate and save."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.models import ProductLine
from kam.plans.choices import ActionStatus, ObjectiveKpi, WhitespaceStatus
from kam.plans.models import DIAGNOSIS_FIELDS, SWOT_FIELDS, AccountPlan, PlanObjective, PlanStrategy
from kam.plans.queries import assignable_users
from kam.users.choices import Department
from kam.users.models import User


class PlanForm(forms.Form):
    """A form whose element ids carry its name, so that several forms share one page."""

    id_prefix = "plan"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _amount(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=20, decimal_places=2)


class PlanCreateForm(PlanForm):
    id_prefix = "new-plan"
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())


def _text(label: Any, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}))


class PlanDiagnosisForm(PlanForm):
    """The plan's title, period, diagnosis and SWOT, with the revision they were loaded at."""

    id_prefix = "diagnosis"

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())
    industry_variables = _text(_("Industry variables"))
    operations = _text(_("Customer operations"))
    needs_and_value_drivers = _text(_("Needs and value drivers"))
    customer_strategy = _text(_("Customer strategy"))
    value_proposition = _text(_("Value proposition"))
    strengths = _text(_("Strengths"))
    weaknesses = _text(_("Weaknesses"))
    opportunities = _text(_("Opportunities"))
    threats = _text(_("Threats"))

    @classmethod
    def for_plan(cls, plan: AccountPlan) -> PlanDiagnosisForm:
        fields = ("title", "period_start", "period_end", *DIAGNOSIS_FIELDS, *SWOT_FIELDS)
        return cls(initial={"revision": plan.revision, **{name: getattr(plan, name) for name in fields}})

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


class ObjectiveForm(PlanForm):
    id_prefix = "objective"
    title = forms.CharField(label=_("Objective"), max_length=200)
    kpi = forms.ChoiceField(label=_("KPI"), choices=ObjectiveKpi.choices)
    baseline = _amount(_("Baseline"), required=True)
    target = _amount(_("Target"), required=True)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    manual_current = _amount(_("Current value (for “other”)"))


class StrategyForm(PlanForm):
    id_prefix = "strategy"
    text = forms.CharField(label=_("Strategy"), widget=forms.Textarea(attrs={"rows": 2}))
    objective = forms.ModelChoiceField(label=_("For objective"), queryset=PlanObjective.objects.none(), required=False)

    def __init__(self, *args: Any, plan: AccountPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["objective"]).queryset = plan.objectives.all()


class ActionForm(PlanForm):
    id_prefix = "action"
    title = forms.CharField(label=_("Action"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    department = forms.ChoiceField(
        label=_("Department"), choices=[("", _("The owner's")), *list(Department.choices)], required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    strategy = forms.ModelChoiceField(label=_("Strategy"), queryset=PlanStrategy.objects.none(), required=False)

    def __init__(self, *args: Any, plan: AccountPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["owner"]).queryset = assignable_users(plan.account)
        cast("forms.ModelChoiceField[Any]", self.fields["strategy"]).queryset = plan.strategies.all()


class ActionEditForm(ActionForm):
    """What changes of an action once added: everything but its status (which has its own form)."""

    id_prefix = "action-edit"


class ActionStatusForm(PlanForm):
    id_prefix = "action-status"
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class WhitespaceForm(PlanForm):
    id_prefix = "whitespace"
    business_unit = forms.CharField(label=_("Business unit or site"), max_length=200)
    product_line = forms.ModelChoiceField(label=_("Product line"), queryset=ProductLine.objects.all())
    status = forms.ChoiceField(label=_("Status"), choices=WhitespaceStatus.choices)
    potential = _amount(_("Potential"))
    current_value = _amount(_("Current value"))
    competitor = forms.CharField(label=_("Competitor"), max_length=200, required=False)


class CompetitorForm(PlanForm):
    id_prefix = "competitor"
    competitor = forms.CharField(label=_("Competitor"), max_length=200)
    share_estimate = _amount(_("Estimated share %"))
    strengths = _text(_("Their strengths"), rows=2)
    notes = _text(_("Notes"), rows=2)


class ReviewForm(PlanForm):
    id_prefix = "review"
    date = forms.DateField(label=_("Date"), widget=DateInput())
    participants = _text(_("Participants"), rows=2)
    notes = _text(_("Notes"), rows=2)
    decisions = _text(_("Decisions"), rows=2)
