from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def tenancy(request: HttpRequest) -> dict[str, Any]:
    scope = getattr(request, "scope", None)
    return {
        "scope": scope,
        "current_agency": getattr(request, "agency", None),
        "current_membership": getattr(request, "membership", None),
    }
