"""Coverage of a customer's buying centre: what the relationship map warns about.

Pure functions over an account's contacts (model instances or any object with the same
attributes, see ``Person``) and a fixed ``today``: no database, no clock. Findings are
codes with parameters; the page turns them into translated sentences.

>>> import datetime as dt
>>> from types import SimpleNamespace
>>> buyer = SimpleNamespace(
...     code="MR", buying_role="economic_buyer", influence=5, attitude="supporter",
...     relationship_level="regular", last_contact_at=dt.date(2025, 1, 1), is_active=True,
... )
>>> [finding.code for finding in coverage_findings([buyer], today=dt.date(2025, 2, 1), stale_days=90)]
['no_champion', 'single_threaded']
>>> map_status([buyer])
3
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kam.key_accounts.choices import Attitude, BuyingRole, RelationshipLevel

DEFAULT_STALE_DAYS = 90

# Finding codes, in the order the coverage panel lists them.
NO_ECONOMIC_BUYER = "no_economic_buyer"
NO_CHAMPION = "no_champion"
SINGLE_THREADED = "single_threaded"
STALE_CONTACTS = "stale_contacts"
CHAMPION_DEPARTED = "champion_departed"

# A key player can make or break a deal (Altify): high influence or a buying decision.
KEY_PLAYER_INFLUENCE = 4
KEY_PLAYER_ROLES = frozenset({BuyingRole.ECONOMIC_BUYER, BuyingRole.DECISION_MAKER})
SUPPORTIVE_ATTITUDES = frozenset({Attitude.CHAMPION, Attitude.SUPPORTER})
# A thread: someone with weight at the customer, or someone we really know.
STRONG_RELATIONSHIP_LEVELS = frozenset({RelationshipLevel.REGULAR, RelationshipLevel.IN_DEPTH})


class Person(Protocol):
    """What the rules read of a contact (``Contact`` has all of it)."""

    @property
    def code(self) -> str: ...
    @property
    def buying_role(self) -> str: ...
    @property
    def influence(self) -> int | None: ...
    @property
    def attitude(self) -> str: ...
    @property
    def relationship_level(self) -> str: ...
    @property
    def last_contact_at(self) -> dt.date | None: ...
    @property
    def is_active(self) -> bool: ...


@dataclass(frozen=True)
class Finding:
    """One gap in the coverage: a code (see the constants above) and what the sentence needs."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def stale_days_setting() -> int:
    """The number of days after which a contact is stale (``KAM_CONTACT_STALE_DAYS``, default 90)."""
    raw = getattr(settings, "CONTACT_STALE_DAYS", DEFAULT_STALE_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"KAM_CONTACT_STALE_DAYS={raw!r} is not a whole number of days") from None
    if days < 1:
        raise ImproperlyConfigured(f"KAM_CONTACT_STALE_DAYS={raw!r} must be at least 1")
    return days


def is_champion(person: Person) -> bool:
    """A coach / champion by buying role, or someone whose attitude to us is champion."""
    return person.buying_role == BuyingRole.COACH or person.attitude == Attitude.CHAMPION


def is_key_player(person: Person) -> bool:
    """Influence 4 or 5, or the economic buyer or a decision maker."""
    return (person.influence or 0) >= KEY_PLAYER_INFLUENCE or person.buying_role in KEY_PLAYER_ROLES


def is_strong_thread(person: Person) -> bool:
    """Influence 4 or 5, or a regular or in-depth relationship with one of us."""
    return (person.influence or 0) >= KEY_PLAYER_INFLUENCE or person.relationship_level in STRONG_RELATIONSHIP_LEVELS


def days_since_contact(person: Person, *, today: dt.date) -> int | None:
    """Days between the last contact and ``today``; ``None`` if never recorded."""
    if person.last_contact_at is None:
        return None
    return (today - person.last_contact_at).days


def is_stale(person: Person, *, today: dt.date, stale_days: int) -> bool:
    """Last contacted more than ``stale_days`` days ago (exactly ``stale_days`` is not stale yet).

    >>> from types import SimpleNamespace
    >>> is_stale(SimpleNamespace(last_contact_at=dt.date(2025, 1, 1)), today=dt.date(2025, 1, 31), stale_days=30)
    False
    >>> is_stale(SimpleNamespace(last_contact_at=dt.date(2025, 1, 1)), today=dt.date(2025, 2, 1), stale_days=30)
    True
    """
    days = days_since_contact(person, today=today)
    return days is not None and days > stale_days


def coverage_findings(people: Iterable[Person], *, today: dt.date, stale_days: int) -> list[Finding]:
    """Every gap in the buying-centre coverage, in a fixed order (see docs/relationship-map.md)."""
    everyone = list(people)
    active = [person for person in everyone if person.is_active]
    findings: list[Finding] = []
    if not any(person.buying_role == BuyingRole.ECONOMIC_BUYER for person in active):
        findings.append(Finding(NO_ECONOMIC_BUYER))
    if not any(is_champion(person) for person in active):
        findings.append(Finding(NO_CHAMPION))
    threads = [person for person in active if is_strong_thread(person)]
    if active and len(threads) <= 1:
        findings.append(Finding(SINGLE_THREADED, {"codes": [person.code for person in threads]}))
    stale = [person for person in active if is_stale(person, today=today, stale_days=stale_days)]
    if stale:
        findings.append(Finding(STALE_CONTACTS, {"codes": [person.code for person in stale], "days": stale_days}))
    departed = [person for person in everyone if not person.is_active and is_champion(person)]
    if departed:
        findings.append(Finding(CHAMPION_DEPARTED, {"codes": [person.code for person in departed]}))
    return findings


def map_status(people: Iterable[Person]) -> int:
    """Altify's map status of the active contacts.

    0: no contacts; 1: no key player; 2: key players, none supportive (champion or
    supporter); 3: at least one supportive key player.
    """
    active = [person for person in people if person.is_active]
    if not active:
        return 0
    key_players = [person for person in active if is_key_player(person)]
    if not key_players:
        return 1
    if not any(person.attitude in SUPPORTIVE_ATTITUDES for person in key_players):
        return 2
    return 3


T = TypeVar("T")


@dataclass
class OrgNode(Generic[T]):
    """One person of the org chart and the people who report to them."""

    item: T
    children: list[OrgNode[T]] = field(default_factory=list)


def org_chart(
    items: Sequence[T], *, key: Callable[[T], Hashable], parent: Callable[[T], Hashable | None]
) -> list[OrgNode[T]]:
    """Arrange ``items`` as a forest by their manager, keeping the order of ``items``.

    Someone whose manager is missing (none, or not among ``items``) is a root. A cycle of
    managers is broken at its first member in ``items``, which becomes a root: everyone
    appears exactly once.

    >>> people = [("A", "C"), ("B", "A"), ("C", "B"), ("D", "X"), ("E", "D")]
    >>> def show(nodes): return [(node.item[0], show(node.children)) for node in nodes]
    >>> show(org_chart(people, key=lambda p: p[0], parent=lambda p: p[1]))
    [('D', [('E', [])]), ('A', [('B', [('C', [])])])]
    """
    keys = {key(item) for item in items}
    children: dict[Hashable, list[T]] = {}
    for item in items:
        manager = parent(item)
        if manager is not None and manager in keys and manager != key(item):
            children.setdefault(manager, []).append(item)
    placed: set[Hashable] = set()

    def grow(item: T) -> OrgNode[T]:
        placed.add(key(item))
        node = OrgNode(item)
        for child in children.get(key(item), []):
            if key(child) not in placed:
                node.children.append(grow(child))
        return node

    def is_root(item: T) -> bool:
        manager = parent(item)
        return manager is None or manager not in keys or manager == key(item)

    forest = [grow(item) for item in items if is_root(item)]
    for item in items:  # what is left hangs in cycles
        if key(item) not in placed:
            forest.append(grow(item))
    return forest
