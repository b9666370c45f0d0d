from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext

from kam.core.admin import AuditedModelAdmin
from kam.core.audit import snapshot_fields
from kam.key_accounts.actions import HISTORY_FIELDS, record_account_changes
from kam.key_accounts.choices import ChangeSource
from kam.key_accounts.models import Account, AccountTeamMember, Contact, Product, ProductLine
from kam.users.models import User


class ContactInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in the stubs
    model = Contact
    fields = ("code", "first_name", "last_name", "title", "buying_role", "influence", "attitude", "is_active")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Contacts are added on their own page, where the save is audited.
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Account)
class AccountAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "tier", "phase", "segment", "country", "owner", "is_key_account")
    list_filter = ("is_key_account", "tier", "phase", "status", "size", "segment")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "owner")
    inlines = (ContactInline,)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        # A tracked field changed here goes into the account's history too.
        tracked = [name for name in form.changed_data if name in HISTORY_FIELDS] if change else []
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if tracked:
                record_account_changes(
                    [(obj, {name: form.initial.get(name) for name in tracked}, snapshot_fields(obj, tracked))],
                    source=ChangeSource.UI,
                    reason=gettext("changed in the administration"),
                    acting_user=request.user if isinstance(request.user, User) else None,
                )


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
    list_display = ("__str__", "account", "title", "buying_role", "influence", "attitude", "is_active")
    list_filter = ("buying_role", "attitude", "is_active")
    search_fields = ("last_name", "first_name", "email", "account__code", "account__name")
    autocomplete_fields = ("account", "reports_to", "relationship_owner")


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(AuditedModelAdmin):
    list_display = ("account", "user", "role", "department")
    list_filter = ("role", "department")
    search_fields = ("account__code", "account__name", "user__username")
    autocomplete_fields = ("account", "user")


@admin.register(ProductLine)
class ProductLineAdmin(AuditedModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "product_line", "list_price", "unit_cost", "is_active")
    list_filter = ("product_line", "is_active")
    search_fields = ("code", "name")
