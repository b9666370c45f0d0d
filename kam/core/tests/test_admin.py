from __future__ import annotations

import pytest
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.users.models import User

pytestmark = pytest.mark.django_db


def test_an_account_changed_in_the_admin_is_audited(
    client: Client, administrator: User, accounts: dict[str, Account]
) -> None:
    client.force_login(administrator)
    acme = accounts["ACME"]
    page = client.get(f"/admin/key_accounts/account/{acme.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update({"name": "Acme Holding", "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0"})

    response = client.post(f"/admin/key_accounts/account/{acme.pk}/change/", data)

    assert response.status_code == 302
    record = AuditRecord.objects.get(action="account.update", actor=administrator)
    assert record.changes == {"name": ["Acme Group", "Acme Holding"]}


def test_nobody_can_change_the_audit_trail_in_the_admin(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    record = AuditRecord.objects.first()
    assert record is not None

    change = client.post(f"/admin/core/auditrecord/{record.pk}/change/", {"action": "forged"})
    delete = client.post(f"/admin/core/auditrecord/{record.pk}/delete/", {"post": "yes"})

    assert (change.status_code, delete.status_code) == (403, 403)
    record.refresh_from_db()
    assert record.action == "user.create"
