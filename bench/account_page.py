"""Benchmark: the account workspace's pages on PostgreSQL, a large account against an empty one.

Builds, in a fresh PostgreSQL database ``kam_bench`` (created anew, dropped at the end),
one large account — 200 contacts, 1,000 touchpoints, 50 opportunities, 100 meetings — and one
empty account, both owned by the same KAM, then times each page with Django's test ``Client``
logged in as that KAM: the median of 20 requests after 3 warm-ups. Everything is written
through the actions (``do_import_contacts``, ``do_log_touchpoint``, ``do_create_opportunity``,
``do_log_meeting``), audit records included, as the application writes it.

    .venv/bin/python bench/account_page.py [--database-url postgresql://postgres@127.0.0.1:5432/kam_bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/kam_bench"
PAGES = ("", "timeline/", "map/", "opportunities/")
WARM_UPS = 3
REQUESTS = 20
TARGET_MS = 300.0


def _server_url(url: str) -> tuple[str, str]:
    """The URL of the server's ``postgres`` database, and the bench database's name."""
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name


def create_database(url: str) -> None:
    """A fresh, empty bench database: one left over by ``--keep`` is dropped first."""
    server, name = _server_url(url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    server, name = _server_url(url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def build() -> tuple[Any, str, str]:
    """The owner KAM, the large account's code and the empty account's code."""
    from django.utils import timezone

    from kam.key_accounts.actions import do_import_accounts, do_import_contacts
    from kam.key_accounts.models import Account
    from kam.opportunities.actions import OpportunityDetails, do_create_opportunity
    from kam.touchpoints.actions import MeetingDetails, TouchpointDetails, do_log_meeting, do_log_touchpoint
    from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
    from kam.users.actions import do_create_user
    from kam.users.choices import Department, Role

    kam = do_create_user("alice", None, role=Role.KEY_ACCOUNT_MANAGER, first_name="Alice", acting_user=None)
    do_import_accounts(
        [
            {"code": "LARGE", "name": "Large Group", "owner": "alice", "is_key_account": True, "tier": "strategic"},
            {"code": "EMPTY", "name": "Empty Ltd", "owner": "alice", "is_key_account": True, "tier": "strategic"},
        ],
        ("code", "name", "owner", "is_key_account", "tier"),
        acting_user=None,
    )
    contact_fields = ("account", "code", "last_name", "reports_to", "relationship_owner", "buying_role", "influence")
    do_import_contacts(
        [
            {
                "account": "LARGE",
                "code": f"C{number:03d}",
                "last_name": f"Person {number}",
                "reports_to": None if number == 0 else f"C{(number - 1) // 10:03d}",
                "relationship_owner": "alice",
                "buying_role": "influencer",
                "influence": 1 + number % 5,
            }
            for number in range(200)
        ],
        contact_fields,
        acting_user=None,
    )
    large = Account.objects.get(code="LARGE")
    contacts = list(large.contacts.order_by("code"))
    start = timezone.make_aware(dt.datetime(2024, 1, 1, 8, 0))
    departments, channels, types = Department.values, Channel.values, TouchpointType.values
    sentiments = Sentiment.values
    for number in range(1000):
        do_log_touchpoint(
            large,
            TouchpointDetails(
                happened_at=start + dt.timedelta(hours=17 * number),
                department=departments[number % len(departments)],
                channel=channels[number % len(channels)],
                type=types[number % len(types)],
                summary=f"Touchpoint {number}: what was said and what we promised",
                sentiment=sentiments[number % len(sentiments)],
                contact=contacts[number % len(contacts)] if number % 4 else None,
            ),
            acting_user=kam,
        )
    for number in range(50):
        do_create_opportunity(
            large,
            OpportunityDetails(
                name=f"Deal {number}",
                amount=Decimal("100000.00") + number,
                expected_close_on=dt.date(2027, 1, 1) + dt.timedelta(days=7 * number),
                owner=kam,
                buying_influences=contacts[number % 10 : number % 10 + 3],
            ),
            acting_user=kam,
        )
    for number in range(100):
        do_log_meeting(
            large,
            MeetingDetails(
                held_at=start + dt.timedelta(days=7 * number, hours=2),
                objective=MeetingObjective.values[number % len(MeetingObjective.values)],
                goal=f"Goal of meeting {number}",
                our_attendees=[kam],
                their_attendees=contacts[number % 20 : number % 20 + 2],
                outcome="Agreed on the next step",
                goal_met=GoalMet.values[number % len(GoalMet.values)],
            ),
            acting_user=kam,
        )
    return kam, "LARGE", "EMPTY"


def median_ms(client: Any, url: str) -> float:
    for _ in range(WARM_UPS):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("KAM_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database at the end")
    options = parser.parse_args()
    os.environ["KAM_DATABASE_URL"] = options.database_url
    os.environ.setdefault("KAM_DATA_DIR", tempfile.mkdtemp(prefix="kam-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    create_database(options.database_url)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import override_settings, setup_test_environment

        setup_test_environment()  # lets the test client's "testserver" host in
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        kam, large, empty = build()
        print(f"built the accounts in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        # No collected static files here: plain storage, as the test suite uses.
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            client = Client()
            client.force_login(kam)
            rows = []
            for page in PAGES:
                big = median_ms(client, f"/accounts/{large}/{page}")
                small = median_ms(client, f"/accounts/{empty}/{page}")
                rows.append((f"/accounts/<code>/{page}", big, small))
        print(f"| page | large account (ms) | empty account (ms) | ratio large/empty | under {TARGET_MS:.0f} ms |")
        print("|---|---|---|---|---|")
        for page, big, small in rows:
            print(f"| `{page}` | {big:.1f} | {small:.1f} | {big / small:.2f} | {'yes' if big < TARGET_MS else 'NO'} |")
    finally:
        if not options.keep:
            drop_database(options.database_url)


if __name__ == "__main__":
    main()
