from django.contrib import admin

from kam.core.admin import AuditedModelAdmin
from kam.key_accounts.models import Account, AccountTeamMember, Contact, Product, ProductLine


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
