"""The request type views receive (the tenant is resolved once, by TenancyMiddleware),
and what views read from a request the same way everywhere (a safe `next`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from clients.models import Agency, Membership
    from portal.models import User
    from portal.scoping import Scope


class PortalRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
    scope: Scope
    agency: Agency | None
    membership: Membership | None


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` a form posted, if it leads back into this site; else `default`.

    Django's `url_has_allowed_host_and_scheme` decides: another host ("https://evil.example/",
    "//evil.example"), a non-web scheme ("javascript:...") or, on an HTTPS
    request, a plain-HTTP link are all refused, so a crafted form cannot make the portal
    an open redirect."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
