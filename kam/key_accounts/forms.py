"""Forms of the key-account pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.choices import Tier
from kam.key_accounts.models import Account
from kam.users.models import User


class AccountFilterForm(forms.Form):
    """Search and filters of the account list; its choices come from the accounts the user sees.

    Invalid values (a tier that does not exist, an owner the user cannot see) are reported on
    the form and leave that filter out; the other filters still apply.
    """

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name"), "autocomplete": "off"}),
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices])
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    owner = forms.ModelChoiceField(
        label=_("Key account manager"), required=False, queryset=User.objects.none(), empty_label=_("All managers")
    )
    key_accounts_only = forms.BooleanField(label=_("Key accounts only"), required=False)

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segments = accounts.exclude(segment="").order_by("segment").values_list("segment", flat=True).distinct()
        segment_field = cast(forms.ChoiceField, self.fields["segment"])
        segment_field.choices = [("", _("All segments")), *((segment, segment) for segment in segments)]
        owner_field = cast("forms.ModelChoiceField[User]", self.fields["owner"])
        owner_field.queryset = User.objects.filter(pk__in=accounts.exclude(owner=None).values("owner_id")).order_by(
            "first_name", "last_name", "username"
        )

    def filter_accounts(self, accounts: QuerySet[Account]) -> QuerySet[Account]:
        """Apply the valid filters to ``accounts``; call after ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        if query := (data.get("q") or "").strip():
            accounts = accounts.filter(Q(code__icontains=query) | Q(name__icontains=query))
        if tier := data.get("tier"):
            accounts = accounts.filter(tier=tier)
        if segment := data.get("segment"):
            accounts = accounts.filter(segment=segment)
        if owner := data.get("owner"):
            accounts = accounts.filter(owner=owner)
        if data.get("key_accounts_only"):
            accounts = accounts.filter(is_key_account=True)
        return accounts
