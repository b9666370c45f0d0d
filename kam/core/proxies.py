"""The address a request came from, when OpenKAM runs behind reverse proxies.

Behind a proxy every request arrives from the proxy's address, so the sign-in lockout
(django-axes, per username and address) would count everyone's failures as one address's.
Each proxy appends the address it received the request from to ``X-Forwarded-For``; with
``KAM_PROXY_COUNT`` = N trusted proxies in front of the app, the client is the N-th entry from
the right. Entries further left were written by the client and are not trusted. This is the
rule of Werkzeug's ``ProxyFix(x_for=N)``; django-ipware counts the hops differently (it expects
the nearest proxy in the header too) and silently falls back to the proxy's address when the
count does not match, so a small function of our own states the rule plainly.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind N proxies the N-th ``X-Forwarded-For`` entry from the right.

    A header with fewer than N entries, or whose entry is not an IP address, was not written by
    our proxies: ``REMOTE_ADDR`` is used then.
    """
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxies: int = getattr(settings, "KAM_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
