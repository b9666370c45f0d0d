"""Forms of the key-account pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.core.widgets import QuickSelect
from kam.key_accounts.actions import CONTACT_FIELDS
from kam.key_accounts.choices import Attitude, BuyingRole, Phase, RelationshipLevel, RelationshipStage, TeamRole, Tier
from kam.key_accounts.models import Account, AccountTeamMember, Contact
from kam.users.choices import Department
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


class ContactForm(forms.Form):
    """Add or edit one person of the buying centre on the relationship map.

    The form checks types and choices; the action checks the rest (code unique within the
    account, no reporting cycle) and its errors are put back on the fields.
    """

    code = forms.CharField(label=_("Code"), max_length=64, help_text=_("Unique within the account."))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    reports_to = forms.ModelChoiceField(
        label=_("Reports to"),
        required=False,
        queryset=Contact.objects.none(),
        empty_label=_("Nobody here"),
        widget=QuickSelect,
    )
    buying_role = forms.ChoiceField(label=_("Buying role"), required=False, choices=[("", "—"), *BuyingRole.choices])
    influence = forms.IntegerField(
        label=_("Influence"), required=False, min_value=1, max_value=5, help_text=_("1 (little) to 5 (decisive).")
    )
    attitude = forms.ChoiceField(label=_("Attitude to us"), required=False, choices=[("", "—"), *Attitude.choices])
    relationship_owner = forms.ModelChoiceField(
        label=_("Our relationship owner"),
        required=False,
        queryset=User.objects.none(),
        empty_label="—",
        widget=QuickSelect,
    )
    relationship_level = forms.ChoiceField(
        label=_("Relationship level"), required=False, choices=[("", "—"), *RelationshipLevel.choices]
    )
    last_contact_at = forms.DateField(
        label=_("Last contact"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, account: Account, contact: Contact | None = None, **kwargs: Any) -> None:
        if contact is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(contact, name) for name in CONTACT_FIELDS}
        # Ids stay unique when an edit form and the add form are on the page together.
        kwargs.setdefault("auto_id", f"contact-{contact.code if contact else 'new'}-%s")
        super().__init__(*args, **kwargs)
        self.account = account
        self.contact = contact
        managers = account.contacts.order_by("last_name", "first_name", "code")
        if contact is not None:
            managers = managers.exclude(pk=contact.pk)
        cast("forms.ModelChoiceField[Contact]", self.fields["reports_to"]).queryset = managers
        # Our people on the account: its KAM, its team, and whoever owns the contact today.
        team = Q(account_teams__account=account)
        if account.owner_id is not None:
            team |= Q(pk=account.owner_id)
        if contact is not None and contact.relationship_owner_id is not None:
            team |= Q(pk=contact.relationship_owner_id)
        owners = User.objects.filter(team).distinct().order_by("first_name", "last_name", "username")
        cast("forms.ModelChoiceField[User]", self.fields["relationship_owner"]).queryset = owners

    def contact_values(self) -> dict[str, Any]:
        """The cleaned values, as the contact actions take them; call after ``is_valid()``."""
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}


class TeamMemberAddForm(forms.Form):
    """Put one of our people on the account's team, from the team tab.

    The select offers the active users not yet on the team, but any user is accepted here:
    the action refuses an inactive user or one already on the team, with a message naming
    the field.
    """

    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.all(), empty_label="—")
    role = forms.ChoiceField(label=_("Role on the account"), choices=TeamRole.choices)
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        choices=[("", _("Their own department")), *Department.choices],
        help_text=_("On this account; by default the person's own department."),
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "team-new-%s")
        super().__init__(*args, **kwargs)
        self.account = account
        candidates = (
            User.objects.filter(is_active=True)
            .exclude(account_teams__account=account)
            .order_by("first_name", "last_name", "username")
        )
        # Offered: active users not on the team; validated against all users (see the docstring).
        user_field = cast("forms.ModelChoiceField[User]", self.fields["user"])
        user_field.widget.choices = [("", "—"), *((user.pk, str(user)) for user in candidates)]


class TeamMemberForm(forms.Form):
    """Change a member's role and department on the account, in place on the team tab."""

    role = forms.ChoiceField(label=_("Role on the account"), choices=TeamRole.choices)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)

    def __init__(self, *args: Any, member: AccountTeamMember, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"role": member.role, "department": member.department})
        # Every row has its own form on the page: a prefix keeps names and ids apart.
        kwargs.setdefault("prefix", f"member-{member.pk}")
        super().__init__(*args, **kwargs)
        self.member = member


class _ReasonForm(forms.Form):
    # Both change forms are on the overview: their fields need ids of their own.
    id_prefix = "change"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("Why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the account's history."),
    )


class PhaseChangeForm(_ReasonForm):
    """Move the account to another phase, saying why (``do_change_phase``)."""

    id_prefix = "phase"
    field_order = ("phase", "reason")
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)


class StageChangeForm(_ReasonForm):
    """Move the account to another relationship stage, saying why (``do_change_stage``)."""

    id_prefix = "stage"
    field_order = ("relationship_stage", "reason")
    relationship_stage = forms.ChoiceField(label=_("Relationship stage"), choices=RelationshipStage.choices)


class AssessmentForm(forms.Form):
    """Our view of how much the customer values and commits to the relationship (``do_record_assessment``)."""

    rating = forms.IntegerField(
        label=_("Our rating"),
        min_value=1,
        max_value=10,
        help_text=_("1 (the customer hardly values us) to 10 (fully committed to the relationship)."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
