"""Forms of the selection pages: policy drafts, rating rounds, decisions."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.selection.choices import Decision
from kam.users.models import User
from kam_engine.selection_policy import SelectionPolicyError, parse_selection_policy, policy_to_dict


class PolicyDraftForm(forms.Form):
    """A new policy version, written as TOML (docs/selection.md documents every key)."""

    text = forms.CharField(
        label=_("Policy (TOML)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code-input"}),
    )
    notes = forms.CharField(label=_("What changed and why"), required=False, max_length=2000)

    def clean_text(self) -> dict[str, Any]:
        text = self.cleaned_data["text"]
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise forms.ValidationError(_("Not valid TOML: %(error)s"), params={"error": str(error)}) from error
        try:
            return policy_to_dict(parse_selection_policy(data, str(_("policy"))))
        except SelectionPolicyError as error:
            raise forms.ValidationError(str(error)) from error


class RatingRoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scorers = forms.ModelMultipleChoiceField(
        label=_("Scorers (the cross-functional team)"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
    )
    min_ratings = forms.IntegerField(label=_("Ratings wanted per account"), min_value=1, max_value=50, initial=2)


class DecisionForm(forms.Form):
    """One decision on one account of a proposal."""

    account = forms.CharField(max_length=64, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(Decision.APPROVED, _("Approve")), (Decision.REJECTED, _("Reject"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == Decision.REJECTED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why you reject it."))
        return cleaned


def _parse_list(text: str, field: str) -> list[dict[str, str]]:
    """Lines of ``CODE: reason`` as list entries; a line without a reason is an error naming it."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, _colon, reason = line.partition(":")
        if not code.strip() or not reason.strip():
            raise forms.ValidationError(
                _("%(field)s, line %(number)s: write CODE: reason (got “%(line)s”)."),
                params={"field": field, "number": number, "line": line},
            )
        entries.append({"code": code.strip(), "reason": reason.strip()})
    return entries


class PolicyQuickForm(forms.Form):
    """The settings directors change most, on top of a version: weights, cut-offs, capacity, lists.

    The form is built from the version's criteria (one weight field each); what it does not
    show is kept as it is in that version.
    """

    attractiveness_cutoff = forms.FloatField(label=_("High attractiveness from"), min_value=0.1, max_value=10)
    strength_cutoff = forms.FloatField(label=_("High strength from"), min_value=0.1, max_value=10)
    max_accounts_per_kam = forms.IntegerField(label=_("Accounts per KAM, at most"), min_value=0)
    max_hours_per_kam = forms.FloatField(label=_("Hours a year per KAM, at most"), min_value=0)
    min_key_accounts = forms.IntegerField(label=_("Key accounts, at least"), min_value=0)
    max_key_accounts = forms.IntegerField(label=_("Key accounts, at most"), min_value=0)
    objective = forms.ChoiceField(
        label=_("Maximise"),
        choices=[
            ("score", _("Weighted score")),
            ("profit", _("Customer profit")),
            ("lifetime_value", _("Lifetime value")),
        ],
    )
    stability_bonus = forms.FloatField(
        label=_("Stability bonus"),
        min_value=0,
        max_value=1,
        help_text=_("0.05 = 5 % more value when an account keeps its KAM."),
    )
    must_include = forms.CharField(
        label=_("Must include (one CODE: reason a line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    must_exclude = forms.CharField(
        label=_("Must exclude (one CODE: reason a line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(label=_("What changed and why"), required=False, max_length=2000)

    def __init__(self, document: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.document = document
        quadrants, capacity, objective = document["quadrants"], document["capacity"], document["objective"]
        initial = {
            "attractiveness_cutoff": quadrants["attractiveness_cutoff"],
            "strength_cutoff": quadrants["strength_cutoff"],
            "max_accounts_per_kam": capacity["max_accounts_per_kam"],
            "max_hours_per_kam": capacity["max_hours_per_kam"],
            "min_key_accounts": capacity["min_key_accounts"],
            "max_key_accounts": capacity["max_key_accounts"],
            "objective": objective["value"],
            "stability_bonus": objective["stability_bonus"],
            "must_include": "\n".join(f"{item['code']}: {item['reason']}" for item in document.get("must_include", [])),
            "must_exclude": "\n".join(f"{item['code']}: {item['reason']}" for item in document.get("must_exclude", [])),
        }
        for criterion in document["criteria"]:
            initial[f"weight_{criterion['key']}"] = criterion["weight"]
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for criterion in document["criteria"]:
            self.fields[f"weight_{criterion['key']}"] = forms.FloatField(
                label=criterion["key"], min_value=0, max_value=100
            )

    def weight_fields(self, axis: str) -> list[forms.BoundField]:
        """The weight fields of one axis, in policy order."""
        return [self[f"weight_{item['key']}"] for item in self.document["criteria"] if item["axis"] == axis]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        document = json.loads(json.dumps(self.document))
        # A weight of 0 takes the criterion out of this version.
        document["criteria"] = [
            {**item, "weight": cleaned[f"weight_{item['key']}"]}
            for item in document["criteria"]
            if cleaned[f"weight_{item['key']}"] > 0
        ]
        document["quadrants"]["attractiveness_cutoff"] = cleaned["attractiveness_cutoff"]
        document["quadrants"]["strength_cutoff"] = cleaned["strength_cutoff"]
        for name in ("max_accounts_per_kam", "max_hours_per_kam", "min_key_accounts", "max_key_accounts"):
            document["capacity"][name] = cleaned[name]
        document["objective"]["value"] = cleaned["objective"]
        document["objective"]["stability_bonus"] = cleaned["stability_bonus"]
        for name in ("must_include", "must_exclude"):
            entries = _parse_list(cleaned[name], str(self.fields[name].label))
            if entries:
                document[name] = entries
            else:
                document.pop(name, None)
        try:
            cleaned["document"] = policy_to_dict(parse_selection_policy(document, str(_("policy"))))
        except SelectionPolicyError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned
