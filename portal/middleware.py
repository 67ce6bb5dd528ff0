"""Resolve the current agency and the request's Scope, once per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal.http import PortalRequest
from portal.scoping import Scope

SESSION_AGENCY_KEY = "firebreak.agency"


class TenancyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        req = cast(PortalRequest, request)
        req.agency = None
        req.membership = None
        if not request.user.is_authenticated:
            req.scope = Scope.anonymous()
            return self.get_response(request)

        memberships = list(req.user.memberships.select_related("agency").order_by("agency__name"))
        wanted = request.session.get(SESSION_AGENCY_KEY)
        current = next((m for m in memberships if str(m.agency.public_id) == wanted), None)
        if current is None and memberships:
            current = memberships[0]
        req.membership = current
        req.agency = current.agency if current else None
        req.scope = Scope.for_member(req.user, current, memberships)
        if req.agency is not None:
            timezone.activate(req.agency.time_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
