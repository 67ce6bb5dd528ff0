"""A client's monitoring page (guide I.A, II.B): mention volume and sentiment over time
as a server-side SVG chart (the renderer the PDF uses), counts, top terms, top authors by
reach, open alerts and source health; and the client's monitoring settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView, UpdateView

from incidents import selectors
from incidents.forms import MonitoringProfileForm
from incidents.models import AlertStatus, MonitoringProfile, Sentiment, Triage
from incidents.views import Monitoring
from portal.charts.timeseries import render_timeseries
from portal.views.base import ClientView


class OverviewView(Monitoring, ClientView, TemplateView):
    template_name = "monitoring/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        range_key = self.request.GET.get("range", selectors.DEFAULT_RANGE)
        if range_key not in selectors.RANGES:
            range_key = selectors.DEFAULT_RANGE
        label, hours = selectors.RANGES[range_key]
        now = timezone.now()
        since = now - timedelta(hours=hours)
        mentions = self.mentions()
        buckets = selectors.hourly_volume(mentions, end=now, hours=hours, tz=self.tz)
        in_range = mentions.filter(published_at__gte=since).aggregate(
            total=Count("pk"),
            negative=Count("pk", filter=Q(sentiment_label=Sentiment.NEGATIVE)),
            positive=Count("pk", filter=Q(sentiment_label=Sentiment.POSITIVE)),
        )
        chart = render_timeseries(
            buckets,
            tz=self.tz,
            title=f"Mentions of {self.client.name}, {label.lower()}, per hour",
        )
        context.update(
            range_key=range_key,
            range_label=label,
            ranges=[(k, v[0]) for k, v in selectors.RANGES.items()],
            # The renderer escapes every piece of text it writes: its output is markup.
            chart=mark_safe(chart),
            figures=in_range,
            needs_response=mentions.filter(triage=Triage.NEEDS_RESPONSE).count(),
            new_count=mentions.filter(triage=Triage.NEW).count(),
            top_terms=selectors.top_terms(self.terms(), since=since),
            top_authors=selectors.top_authors(mentions, since=since),
            open_alerts=self.alerts().filter(status=AlertStatus.OPEN),
            health=selectors.source_health(self.sources()),
            failing_sources=self.sources().filter(enabled=True, consecutive_failures__gt=0)[:5],
            term_total=self.terms().count(),
        )
        return context


class SettingsView(Monitoring, ClientView, UpdateView[MonitoringProfile, MonitoringProfileForm]):
    writes = True
    form_class = MonitoringProfileForm
    template_name = "monitoring/settings.html"

    def get_object(self, queryset: Any = None) -> MonitoringProfile:
        profile, _ = MonitoringProfile.objects.get_or_create(client=self.client)
        return profile

    def form_valid(self, form: MonitoringProfileForm) -> HttpResponse:
        form.save()
        messages.success(self.request, "Monitoring settings saved.")
        return redirect("monitoring:overview", client=self.client.public_id)
