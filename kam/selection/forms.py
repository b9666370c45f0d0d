"""Forms of the selection pages: policy drafts, rating rounds, decisions."""

from __future__ import annotations

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
