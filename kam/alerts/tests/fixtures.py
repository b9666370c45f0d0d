"""Fixtures of the alerts app, built through the real actions.

``mailboxes`` gives alice, bob and tina an e-mail address (diana has none).

``acme_alert``: diana (a director) logged a negative phone call of sales with ACME on 1 March
2026; ACME is a key account, so the alert is critical, and alice (its KAM) and tina (on its
team) are told of it — diana, who logged it, is not.
"""

from __future__ import annotations

import pytest

from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.touchpoints.actions import do_log_touchpoint
from kam.touchpoints.choices import Sentiment
from kam.touchpoints.tests.fixtures import touchpoint_details
from kam.users.actions import do_import_users
from kam.users.models import User


@pytest.fixture
def mailboxes(kam_alice: User, kam_bob: User, team_tina: User) -> None:
    rows = [
        {"username": "alice", "email": "alice@example.com"},
        {"username": "bob", "email": "bob@example.com"},
        {"username": "tina", "email": "tina@example.com"},
    ]
    do_import_users(rows, ("username", "email"), acting_user=None)


@pytest.fixture
def acme_alert(accounts: dict[str, Account], team_tina: User, director: User) -> Alert:
    touchpoint = do_log_touchpoint(
        accounts["ACME"],
        touchpoint_details(sentiment=Sentiment.NEGATIVE, summary="Angry about the late March order"),
        acting_user=director,
    )
    return Alert.objects.get(event_key=f"touchpoint:{touchpoint.pk}:negative")
