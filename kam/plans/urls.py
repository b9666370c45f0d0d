from django.urls import path, register_converter

from kam.plans import views


class ItemKindConverter:
    """The plural in the URL (``objectives``) to the kind the views know (``objective``), and back."""

    regex = "objectives|strategies|actions|competitors|reviews"
    _plurals = {
        "objective": "objectives",
        "strategy": "strategies",
        "action": "actions",
        "competitor": "competitors",
        "review": "reviews",
    }

    def to_python(self, value: str) -> str:
        return {plural: kind for kind, plural in self._plurals.items()}[value]

    def to_url(self, value: str) -> str:
        return self._plurals[value]


register_converter(ItemKindConverter, "plan_item_kind")

app_name = "plans"
urlpatterns = [
    path("accounts/<str:code>/plan/", views.account_plan, name="account_plan"),
    path("accounts/<str:code>/plan/new/", views.plan_create, name="plan_create"),
    path("accounts/<str:code>/plan/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("accounts/<str:code>/plan/<int:pk>/edit/", views.plan_update, name="plan_update"),
    path(
        "accounts/<str:code>/plan/<int:pk>/activate/",
        views.plan_status,
        {"transition": "activate"},
        name="plan_activate",
    ),
    path("accounts/<str:code>/plan/<int:pk>/close/", views.plan_status, {"transition": "close"}, name="plan_close"),
    path("accounts/<str:code>/plan/<int:pk>/objectives/", views.item_add, {"kind": "objective"}, name="objective_add"),
    path("accounts/<str:code>/plan/<int:pk>/strategies/", views.item_add, {"kind": "strategy"}, name="strategy_add"),
    path("accounts/<str:code>/plan/<int:pk>/actions/", views.item_add, {"kind": "action"}, name="action_add"),
    path(
        "accounts/<str:code>/plan/<int:pk>/competitors/",
        views.item_add,
        {"kind": "competitor"},
        name="competitor_add",
    ),
    path("accounts/<str:code>/plan/<int:pk>/reviews/", views.item_add, {"kind": "review"}, name="review_add"),
    path("accounts/<str:code>/plan/<int:pk>/<plan_item_kind:kind>/<int:item_pk>/", views.item_detail, name="item"),
    path(
        "accounts/<str:code>/plan/<int:pk>/<plan_item_kind:kind>/<int:item_pk>/edit/",
        views.item_edit,
        name="item_edit",
    ),
    path(
        "accounts/<str:code>/plan/<int:pk>/<plan_item_kind:kind>/<int:item_pk>/delete/",
        views.item_delete,
        name="item_delete",
    ),
    path(
        "accounts/<str:code>/plan/<int:pk>/actions/<int:action_pk>/status/",
        views.action_status,
        name="action_status",
    ),
    path("accounts/<str:code>/plan/<int:pk>/whitespace/", views.whitespace_set, name="whitespace_set"),
    path("accounts/<str:code>/plan/<int:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("accounts/<str:code>/plan/<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("plans/rollup/", views.plan_rollup, name="rollup"),
]
