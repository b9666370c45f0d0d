"""Admin pieces shared by the apps: saves through the admin are audited like any action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from kam.core.audit import record_audit, serialise_value
from kam.core.models import AuditRecord


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in the stubs
    """A ModelAdmin whose saves and deletions leave audit records (before → after)."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        changes: dict[str, list[Any]] = {}
        for name in form.changed_data:
            before = form.initial.get(name)
            after = form.cleaned_data.get(name)
            if "password" in name:
                changes[name] = ["***", "***"]
            else:
                changes[name] = [serialise_value(before), serialise_value(after)]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_audit(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                instance=obj,
                changes=changes,
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            record_audit(actor=request.user, action=f"{obj._meta.model_name}.delete", instance=obj, changes={})
            super().delete_model(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk deletion would skip the audit trail.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit trail is read-only, for everyone."""

    list_display = ("created_at", "actor", "action", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "action")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
