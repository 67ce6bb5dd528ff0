"""The public statement page of an incident (namespace `public`): anyone with the link
reads the incident's published statements (internal ones excepted) with their times, and nothing else.

It is the one page that reads incidents without a scope: the unguessable slug is the
credential, and the page exists only while the agency has turned it on (never for a
drill). Statements are plain text (autoescaped); search engines are asked not to index.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.views.generic import TemplateView

from incidents.models import Incident, Statement, StatementChannel, StatementStatus
from portal.views.base import PublicView


class PublicStatementsView(PublicView, TemplateView):
    template_name = "incidents/public_page.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = (
            Incident.objects.filter(
                public_slug=self.kwargs["slug"], public_page_enabled=True, is_drill=False
            )
            .select_related("client__agency")
            .first()
        )
        if incident is None:
            raise Http404("No such page.")
        context.update(
            incident=incident,
            client_name=incident.client.name,
            time_zone=incident.client.agency.time_zone,
            statements=list(
                # An internal statement (to staff) is published inside the company only.
                Statement.objects.filter(incident=incident, status=StatementStatus.PUBLISHED)
                .exclude(channel=StatementChannel.INTERNAL)
                .order_by("-published_at", "-id")
            ),
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> Any:
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"  # keep the slug out of other sites' logs
        return response
