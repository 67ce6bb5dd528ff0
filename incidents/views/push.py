"""The inbound push endpoint: `POST /hooks/push/<source id>/` with a signed JSON body
(incidents.push). Public (the signature is the credential), CSRF-exempt, POST only, JSON
answers with a sentence saying what was wrong."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from incidents.models import Source, SourceKind
from incidents.push import MAX_BYTES, PushRefused, receive_push
from incidents.webhooks import SIGNATURE_HEADER
from portal.views.base import PublicView


def _refusal(status: int, message: str, problems: list[str] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": message}
    if problems:
        body["problems"] = problems
    return JsonResponse(body, status=status)


@method_decorator(csrf_exempt, name="dispatch")
class PushView(PublicView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, source: uuid.UUID) -> JsonResponse:
        # Enabled push sources only; anything else is "no such endpoint".
        found = Source.objects.filter(public_id=source, kind=SourceKind.PUSH, enabled=True).first()
        if found is None:
            return _refusal(404, "There is no enabled push source at this address.")
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > MAX_BYTES:
            return _refusal(413, f"The body is larger than {MAX_BYTES // 1024} kB.")
        # Read at most one byte over the cap (a chunked body has no declared length).
        body = request.read(MAX_BYTES + 1)
        try:
            result = receive_push(
                source=found, body=body, signature=request.headers.get(SIGNATURE_HEADER)
            )
        except PushRefused as refused:
            return _refusal(refused.status, refused.message, refused.problems)
        return JsonResponse({"stored": result.created, "duplicates": result.duplicates}, status=200)
