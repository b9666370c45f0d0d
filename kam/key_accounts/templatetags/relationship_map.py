"""The org chart of the relationship map, rendered in Python.

An account with 200 contacts made 200 recursive template includes, each with its forms:
about 400 ms of the page on PostgreSQL. The same HTML written here takes a few
milliseconds (see "Account workspace pages on PostgreSQL" in docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.key_accounts.coverage import OrgNode
from kam.key_accounts.models import Account

register = template.Library()


def _badges(contact: Any) -> SafeString:
    parts = []
    if not contact.is_active:
        parts.append(format_html('<span class="badge">{}</span>', _("Left the customer")))
    if contact.buying_role:
        parts.append(format_html('<span class="badge badge--role">{}</span>', contact.get_buying_role_display()))
    if contact.attitude:
        parts.append(
            format_html(
                '<span class="badge badge--attitude-{}">{}</span>', contact.attitude, contact.get_attitude_display()
            )
        )
    if contact.influence:
        parts.append(
            format_html(
                '<span class="influence influence--{}" title="{}">{}</span>',
                contact.influence,
                _("Influence"),
                _("Influence %(influence)s/5") % {"influence": contact.influence},
            )
        )
    return mark_safe("\n    ".join(parts))  # noqa: S308 - every part is built by format_html


def _last_contact(person: Any) -> SafeString:
    contact = person.contact
    if not contact.last_contact_at:
        return format_html("{}", _("Never recorded"))
    days = ngettext("%(days)s day ago", "%(days)s days ago", person.days_ago) % {"days": person.days_ago}
    stale = format_html(' <span class="badge badge--stale">{}</span>', _("Stale")) if person.is_stale else ""
    return format_html("{} ({}){}", date_format(contact.last_contact_at, "SHORT_DATE_FORMAT"), days, stale)


def _actions(contact: Any, account: Account, map_url: str, csrf_token: str) -> SafeString:
    edit_url = f"{map_url}?{urlencode({'edit': contact.code})}"
    edit = format_html(
        '<a class="button button--ghost" href="{}#contact-form" hx-get="{}" hx-target="#relationship-map" '
        'hx-swap="outerHTML">{}</a>',
        edit_url,
        edit_url,
        _("Edit"),
    )
    leave = ""
    if contact.is_active:
        leave_url = reverse("key_accounts:contact_leave", args=[account.code, contact.code])
        leave = format_html(
            '<form method="post" action="{}" hx-post="{}" hx-target="#relationship-map" hx-swap="outerHTML">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="button button--ghost">{}</button></form>',
            leave_url,
            leave_url,
            csrf_token,
            _("Mark as left the company"),
        )
    return format_html('<div class="person-card__actions">{}{}</div>', edit, leave)


def _card(person: Any, account: Account, can_edit: bool, map_url: str, csrf_token: str) -> SafeString:
    contact = person.contact
    classes = "person-card"
    if not contact.is_active:
        classes += " person-card--left"
    if person.is_stale:
        classes += " person-card--stale"
    owner = str(contact.relationship_owner) if contact.relationship_owner else "—"
    level = f" · {contact.get_relationship_level_display()}" if contact.relationship_level else ""
    return format_html(
        '<article class="{}" data-person="{}"><h3 class="person-card__name">{}</h3>{}'
        '<p class="person-card__badges">{}</p>'
        '<dl class="person-card__facts small"><dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd{}>{}</dd></dl>{}</article>',
        classes,
        contact.code,
        str(contact),
        format_html('<p class="person-card__title muted small">{}</p>', contact.title) if contact.title else "",
        _badges(contact),
        _("Our relationship owner"),
        owner,
        level,
        _("Last contact"),
        mark_safe(' class="stale" data-stale') if person.is_stale else "",
        _last_contact(person),
        _actions(contact, account, map_url, csrf_token) if can_edit else "",
    )


def _nodes(nodes: list[OrgNode[Any]], *args: Any) -> SafeString:
    return format_html_join(
        "",
        '<li class="org-tree__node">{}{}</li>',
        (
            (_card(node.item, *args), format_html("<ul>{}</ul>", _nodes(node.children, *args)) if node.children else "")
            for node in nodes
        ),
    )


@register.simple_tag(takes_context=True)
def org_tree(context: template.Context, chart: list[OrgNode[Any]]) -> SafeString:
    """The nested ``<li>`` of the org chart, each person's card with its edit and leave controls."""
    account: Account = context["account"]
    map_url = reverse("key_accounts:relationship_map", args=[account.code])
    return _nodes(chart, account, bool(context.get("can_edit")), map_url, str(context.get("csrf_token", "")))
