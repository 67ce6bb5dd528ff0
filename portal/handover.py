"""A secret handed from a POST to the page its redirect leads to, and to nothing after.

A new API key's token must survive one redirect (POST, redirect, GET: so that a reload
of the page creates nothing and resubmits nothing) and no more. It cannot ride in the
URL (URLs end up in logs and the browser's history) nor in a cookie (Django's cookie
storage is signed, not encrypted), so it goes in the server-side session for exactly one
request:

- `hand_over(request, for_path, value)` puts it in the session, naming the page it is for;
- `HandoverMiddleware` takes it out of the session at the start of the session's very
  next request, whatever that request is, before any view runs;
- `handed_over(request)` gives it to that request if the request is for the named page.

So the page the redirect leads to shows it once; a reload shows nothing; and if the
user goes anywhere else first (the redirect not followed, another tab, the back button),
it is dropped there and then instead of waiting in the session until the list is next
opened, possibly days later. The cost of that strictness: a request from another tab
landing between the POST and its redirect loses the token, and the user revokes that key
and creates another, which the page offers anyway for a lost key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "firebreak.handover"
_ATTR = "_firebreak_handover"


def hand_over(request: HttpRequest, for_path: str, value: dict[str, Any]) -> None:
    """Keep `value` for the session's next request, if that request is for `for_path`."""
    request.session[SESSION_KEY] = {"path": for_path, "value": value}


def handed_over(request: HttpRequest) -> dict[str, Any] | None:
    """What the previous request handed over to this page, or None."""
    handover = getattr(request, _ATTR, None)
    if not isinstance(handover, dict) or handover.get("path") != request.path:
        return None
    value = handover.get("value")
    return value if isinstance(value, dict) else None


class HandoverMiddleware:
    """Takes a handover out of the session on the next request (after SessionMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # pop() marks the session modified only when the key was there, so the other
        # requests do not write their session back for it.
        setattr(request, _ATTR, request.session.pop(SESSION_KEY, None))
        return self.get_response(request)
