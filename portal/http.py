"""The request type views receive: the tenant is resolved once, by TenancyMiddleware."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
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
