"""Throttling per API key (or per signed-in user for the browsable API). DRF answers a
throttled request with 429 and a `Retry-After` header.

The rate is read when a request is checked, not when the class is imported, so a
setting change (tests, `API_THROTTLE_RATE`) applies at once. Counts live in Django's
cache: configure a shared cache (Redis) so that several web processes count together."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from portal.api.auth import request_key

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str | None], api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        key = request_key(request)
        if key is not None:
            ident = f"key-{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
