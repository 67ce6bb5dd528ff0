"""Every error of the API in one JSON shape:

    {"error": {"status": 400, "code": "invalid",
               "message": "Some fields are not valid: text.",
               "fields": {"text": ["This field is required."]}}}

`message` is one sentence a developer can act on; `fields` (validation errors only) maps
each field, or `non_field_errors`, to its messages. Refusals of the services
(IncidentError, PlanError, …) become 400s with their own message."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from incidents.alert_actions import AlertActionError
from incidents.incident_services import IncidentError
from incidents.postmortems import PostMortemError
from incidents.reports import ReportError
from plans.services import PlanError

SERVICE_ERRORS: tuple[type[Exception], ...] = (
    AlertActionError,
    IncidentError,
    PlanError,
    PostMortemError,
    ReportError,
)


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees as plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _messages(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _messages(v)]
    return [str(detail)]


def error_body(status_code: int, code: str, message: str, fields: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def _validation(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail
    if isinstance(detail, dict):
        names = [k for k in detail if k != "non_field_errors"]
        if names:
            first = _messages(detail[names[0]])
            message = "Some fields are not valid: " + ", ".join(names)
            message += f" ({names[0]}: {first[0]})" if first else "."
        else:
            message = " ".join(_messages(detail)) or "The request is not valid."
        return error_body(400, "invalid", message, _flatten(detail))
    messages = _messages(detail)
    return error_body(400, "invalid", " ".join(messages), {"non_field_errors": messages})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SERVICE_ERRORS):
        exc = exceptions.ValidationError({"non_field_errors": [str(exc)]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(
            "Not found: no such object in your scope (it does not exist, or it belongs to "
            "a client this key or account cannot reach)."
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 (logged), never a traceback
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation(exc)
        return response
    assert isinstance(exc, exceptions.APIException)
    code = exc.get_codes()
    message = " ".join(_messages(exc.detail)) or str(exc)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        message = f"Too many requests for this key: try again in {int(wait) + 1} seconds."
    response.data = error_body(
        response.status_code, code if isinstance(code, str) else "error", message
    )
    return response
