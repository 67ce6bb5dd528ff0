"""Who is calling: an API key (`Authorization: Bearer fbk_…`) or, for the browsable API,
the signed-in session. Either way the view reads `request.scope`."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from portal.api.keys import key_for_token, touch
from portal.http import PortalRequest
from portal.models import ApiKey, User
from portal.scoping import Scope


def scope_for_key(key: ApiKey) -> Scope:
    return Scope(
        kind="api",
        agency=key.agency,
        only_client_id=key.client_id,
        read_only=key.read_only,
    )


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                "Send the key as `Authorization: Bearer fbk_…`, with nothing after the key."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("That API key is not valid.") from None
        key = key_for_token(token)
        if key is None:
            raise AuthenticationFailed(
                "That API key is not valid: it is unknown, mistyped or revoked. "
                "An agency admin can create a new one under Agency → API keys."
            )
        touch(key)
        # The view and the scoping primitive read the scope from the Django request, as
        # on every web page; the key's scope replaces whatever a session cookie gave.
        cast(PortalRequest, request._request).scope = scope_for_key(key)
        user: User | AnonymousUser = AnonymousUser()
        return user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def request_scope(request: Request) -> Scope:
    return cast(PortalRequest, request._request).scope


def request_key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def actor(request: Request) -> User | None:
    """The person a write is recorded under: the signed-in user, or the key's creator."""
    key = request_key(request)
    if key is not None:
        return key.created_by
    user = request.user
    return user if isinstance(user, User) else None
