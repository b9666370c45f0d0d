"""The meeting and touchpoint forms: the account's contacts and people to choose from; the actions validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.widgets import QuickCheckboxSelectMultiple, QuickSelect
from kam.key_accounts.models import Account, Contact
from kam.touchpoints.actions import MeetingDetails, TouchpointDetails
from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
from kam.touchpoints.models import Meeting
from kam.users.choices import Department
from kam.users.models import User


class ContactChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        role = obj.get_buying_role_display()
        return f"{obj} ({role})" if role else str(obj)


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    objective = forms.ChoiceField(label=_("Objective"), choices=MeetingObjective.choices)
    goal = forms.CharField(label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    their_attendees = ContactChoiceField(
        label=_("Their attendees"), queryset=Contact.objects.none(), required=False, widget=QuickCheckboxSelectMultiple
    )
    our_attendees = forms.ModelMultipleChoiceField(
        label=_("Our attendees"), queryset=User.objects.none(), required=False, widget=QuickCheckboxSelectMultiple
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    goal_met = forms.ChoiceField(label=_("Goal met"), choices=GoalMet.choices, initial=GoalMet.UNKNOWN)
    next_step = forms.CharField(label=_("Next step"), max_length=2000, required=False)
    follow_up_on = forms.DateField(
        label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, account: Account, user: User, meeting: Meeting | None = None, **kwargs: Any):
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "held_at": meeting.held_at,
                "objective": meeting.objective,
                "goal": meeting.goal,
                "their_attendees": list(meeting.their_attendees.all()),
                "our_attendees": list(meeting.our_attendees.all()),
                "outcome": meeting.outcome,
                "goal_met": meeting.goal_met,
                "next_step": meeting.next_step,
                "follow_up_on": meeting.follow_up_on,
            }
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        contacts = Q(is_active=True)
        if meeting is not None:
            contacts |= Q(meetings=meeting)
        self.fields["their_attendees"].queryset = (  # type: ignore[attr-defined]
            Contact.objects.filter(account=account).filter(contacts).distinct()
        )
        people = Q(pk=account.owner_id) | Q(account_teams__account=account) | Q(pk=user.pk)
        if meeting is not None:
            people |= Q(meetings_attended=meeting)
        self.fields["our_attendees"].queryset = User.objects.filter(people).distinct()  # type: ignore[attr-defined]

    def details(self) -> MeetingDetails:
        data = self.cleaned_data
        return MeetingDetails(
            held_at=data["held_at"],
            objective=data["objective"],
            goal=data["goal"],
            our_attendees=list(data["our_attendees"]),
            their_attendees=list(data["their_attendees"]),
            outcome=data["outcome"],
            goal_met=data["goal_met"],
            next_step=data["next_step"],
            follow_up_on=data["follow_up_on"],
        )


class TouchpointForm(forms.Form):
    happened_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    user = forms.ModelChoiceField(label=_("Our person"), queryset=User.objects.none(), widget=QuickSelect)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    type = forms.ChoiceField(label=_("Type"), choices=TouchpointType.choices)
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False, widget=QuickSelect
    )
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, account: Account, user: User, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"user": user, "department": user.department})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(account=account, is_active=True)  # type: ignore[attr-defined]
        people = Q(pk=account.owner_id) | Q(account_teams__account=account) | Q(pk=user.pk)
        self.fields["user"].queryset = User.objects.filter(people, is_active=True).distinct()  # type: ignore[attr-defined]

    def details(self) -> TouchpointDetails:
        data = self.cleaned_data
        return TouchpointDetails(
            happened_at=data["happened_at"],
            department=data["department"],
            channel=data["channel"],
            type=data["type"],
            summary=data["summary"],
            sentiment=data["sentiment"],
            contact=data["contact"],
            user=data["user"],
        )


class QuickTouchpointForm(forms.Form):
    """The home page's quick-add: a touchpoint of mine, now, on one of my accounts.

    The accounts are given as (code, name) pairs already loaded by the page, so the form costs
    no query to show; the view checks again that the person may log on the account chosen.
    """

    # A KAM has about 200 accounts: rendered in Python (kam.core.widgets), not one template per option.
    account = forms.ChoiceField(label=_("Account"), widget=QuickSelect)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    type = forms.ChoiceField(label=_("Type"), choices=TouchpointType.choices)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, accounts: list[tuple[str, str]], user: User, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"department": user.department, "sentiment": Sentiment.NEUTRAL})
        kwargs.setdefault("auto_id", "quick-touchpoint-%s")
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = accounts  # type: ignore[attr-defined]

    def details(self, user: User) -> TouchpointDetails:
        data = self.cleaned_data
        return TouchpointDetails(
            happened_at=timezone.now(),
            department=data["department"],
            channel=data["channel"],
            type=data["type"],
            summary=data["summary"],
            sentiment=data["sentiment"],
            user=user,
        )
