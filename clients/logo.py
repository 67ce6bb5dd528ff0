"""Serving an agency's logo: one response shared by the agency UI (the member's own
agency) and the client portal (the agency of one of the contact's clients). It lives
here, not in either view module, so neither kind of page imports the other's views."""

from __future__ import annotations

from django.http import FileResponse, Http404

from clients.agency_forms import LOGO_CONTENT_TYPES
from clients.models import Agency


def logo_response(agency: Agency) -> FileResponse:
    """An agency's logo as a response: only names the settings form chose, never
    inline-executable content. The caller has already checked the agency is visible."""
    if not agency.logo:
        raise Http404("This agency has no logo.")
    ext = (agency.logo.name or "").rsplit(".", 1)[-1].lower()
    content_type = LOGO_CONTENT_TYPES.get(ext)
    if content_type is None:
        # Only names the settings form chose are served; anything else is not a logo.
        raise Http404("This agency has no logo.")
    try:
        handle = agency.logo.open("rb")
    except FileNotFoundError as e:
        raise Http404("The logo file is missing.") from e
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="logo.{ext}"'
    return response
