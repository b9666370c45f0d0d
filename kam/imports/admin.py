from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kam.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in the stubs
    """The import log is written by `kam import` only."""

    list_display = ("created_at", "kind", "file_name", "rows", "created", "updated", "unchanged", "imported_by")
    list_filter = ("kind",)
    search_fields = ("file_name", "sha256")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
