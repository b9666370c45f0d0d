"""Forms of service cases, policies and calendars; the actions validate again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.widgets import QuickSelect
from kam.key_accounts.models import Account, Contact
from kam.service.actions import CaseChanges, CaseDetails
from kam.service.choices import OPEN_STATUSES, AppliesTo, CaseStatus, CaseType, Clock, Priority
from kam.service.models import ServiceCase
from kam.users.choices import Department
from kam.users.models import User

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _people(account: Account, user: User, case: ServiceCase | None = None) -> Any:
    people = Q(pk=account.owner_id) | Q(account_teams__account=account) | Q(pk=user.pk)
    if case is not None and case.owner_id is not None:
        people |= Q(pk=case.owner_id)
    return User.objects.filter(people, is_active=True).distinct()


class _CaseFields(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False, widget=QuickSelect)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False, widget=QuickSelect
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    due_at = forms.DateTimeField(label=_("Promised by"), required=False, widget=_DATETIME)

    def __init__(self, *args: Any, account: Account, user: User, case: ServiceCase | None = None, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people(account, user, case)  # type: ignore[attr-defined]
        contacts = Q(is_active=True) | (Q(pk=case.contact_id) if case is not None and case.contact_id else Q(pk=None))
        self.fields["contact"].queryset = Contact.objects.filter(account=account).filter(contacts)  # type: ignore[attr-defined]


class CaseForm(_CaseFields):
    """Opening a case."""

    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    opened_at = forms.DateTimeField(
        label=_("Opened"), required=False, widget=_DATETIME, help_text=_("Leave empty for now.")
    )
    field_order = ("type", "subject", "description", "priority", "owner", "department", "contact", "reference")

    def __init__(self, *args: Any, account: Account, user: User, **kwargs: Any):
        kwargs.setdefault("initial", {"owner": user, "department": user.department or Department.CUSTOMER_SERVICE})
        super().__init__(*args, account=account, user=user, **kwargs)

    def details(self) -> CaseDetails:
        data = self.cleaned_data
        return CaseDetails(
            type=data["type"],
            subject=data["subject"],
            description=data["description"],
            opened_at=data["opened_at"],
            priority=data["priority"],
            owner=data["owner"],
            department=data["department"],
            contact=data["contact"],
            reference=data["reference"],
            due_at=data["due_at"],
        )


class CaseEditForm(_CaseFields):
    """Correcting a case."""

    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)

    def __init__(self, *args: Any, account: Account, user: User, case: ServiceCase, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {
                "subject": case.subject,
                "description": case.description,
                "priority": case.priority,
                "owner": case.owner,
                "department": case.department,
                "contact": case.contact,
                "reference": case.reference,
                "due_at": case.due_at,
                "status": case.status,
            },
        )
        super().__init__(*args, account=account, user=user, case=case, **kwargs)
        if case.is_open:
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in CaseStatus.choices if value in OPEN_STATUSES
            ]
        else:
            self.fields["status"].choices = [(case.status, case.get_status_display())]  # type: ignore[attr-defined]

    def changes(self) -> CaseChanges:
        data = self.cleaned_data
        return CaseChanges(
            subject=data["subject"],
            description=data["description"],
            priority=data["priority"],
            owner=data["owner"],
            department=data["department"],
            contact=data["contact"],
            status=data["status"],
            due_at=data["due_at"],
            reference=data["reference"],
        )


class StopForm(forms.Form):
    """When a clock stopped (now when empty), and how the case was resolved."""

    at = forms.DateTimeField(label=_("When"), required=False, widget=_DATETIME, help_text=_("Leave empty for now."))
    note = forms.CharField(
        label=_("Resolution"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PolicyForm(forms.Form):
    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    response_hours = forms.DecimalField(
        label=_("First response within (hours)"), required=False, min_value=0, decimal_places=2
    )
    resolution_hours = forms.DecimalField(
        label=_("Resolution within (hours)"), required=False, min_value=0, decimal_places=2
    )
    clock = forms.ChoiceField(label=_("Clock"), choices=Clock.choices, initial=Clock.BUSINESS)
    at_risk_share = forms.FloatField(label=_("Warn at share of time used"), initial=0.8, min_value=0, max_value=1)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CalendarForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    countries = forms.CharField(label=_("Countries"), max_length=300, required=False)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Madrid")
    weekdays = forms.CharField(label=_("Working days"), max_length=7, initial="1111100")
    opens = forms.TimeField(label=_("Opens"), initial=dt.time(9), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), initial=dt.time(17), widget=forms.TimeInput(attrs={"type": "time"}))
    is_default = forms.BooleanField(label=_("Default calendar"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
