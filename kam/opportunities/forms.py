"""The opportunity form: the account's contacts and our product lines to choose from; the action validates again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.widgets import QuickCheckboxSelectMultiple
from kam.key_accounts.models import Account, Contact, ProductLine
from kam.opportunities.actions import OpportunityDetails
from kam.opportunities.choices import Stage
from kam.opportunities.models import Opportunity
from kam.users.models import User


class ContactChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        role = obj.get_buying_role_display()
        return f"{obj} ({role})" if role else str(obj)


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.PROSPECTING)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=18, decimal_places=2)
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty for the stage's default."),
    )
    expected_close_on = forms.DateField(
        label=_("Expected close date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    product_lines = forms.ModelMultipleChoiceField(
        label=_("Product lines"),
        queryset=ProductLine.objects.all(),
        required=False,
        widget=QuickCheckboxSelectMultiple,
    )
    buying_influences = ContactChoiceField(
        label=_("Buying influences"),
        queryset=Contact.objects.none(),
        required=False,
        widget=QuickCheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, account: Account, user: User, opportunity: Opportunity | None = None, **kwargs: Any
    ) -> None:
        if opportunity is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": opportunity.name,
                "stage": opportunity.stage,
                "amount": opportunity.amount,
                "probability": opportunity.probability,
                "expected_close_on": opportunity.expected_close_on,
                "owner": opportunity.owner,
                "product_lines": list(opportunity.product_lines.all()),
                "buying_influences": list(opportunity.buying_influences.all()),
            }
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        contacts = Q(is_active=True)
        people = Q(pk=account.owner_id) | Q(account_teams__account=account) | Q(pk=user.pk)
        if opportunity is not None:
            contacts |= Q(opportunities=opportunity)
            if opportunity.owner_id is not None:
                people |= Q(pk=opportunity.owner_id)
        self.fields["buying_influences"].queryset = (  # type: ignore[attr-defined]
            Contact.objects.filter(account=account).filter(contacts).distinct()
        )
        self.fields["owner"].queryset = User.objects.filter(people).distinct()  # type: ignore[attr-defined]

    def details(self) -> OpportunityDetails:
        data = self.cleaned_data
        return OpportunityDetails(
            name=data["name"],
            stage=data["stage"],
            amount=data["amount"],
            probability=data["probability"],
            expected_close_on=data["expected_close_on"],
            owner=data["owner"],
            product_lines=list(data["product_lines"]),
            buying_influences=list(data["buying_influences"]),
        )
