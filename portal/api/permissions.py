"""Who may call at all, and who may write. What they may reach is the scope's business
(querysets are `within(request.scope)`): another tenant's object is a 404."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from portal.api.auth import request_scope


class ScopedAccess(BasePermission):
    """API keys and signed-in agency members; read-only keys may only read."""

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = request_scope(request)
        if scope.kind == "anonymous":
            raise NotAuthenticated(
                "Authentication required: send an API key as `Authorization: Bearer fbk_…`."
            )
        if scope.kind != "api" and not scope.is_member:
            raise PermissionDenied("The API is for agency members and API keys.")
        if request.method not in SAFE_METHODS and scope.read_only:
            raise PermissionDenied(
                "This API key is read-only. Create a read-write key to change data."
            )
        return True
