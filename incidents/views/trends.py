"""Trends across incidents (guide V.A, V.B): the page of one client
(`incidents:trends`) and of the whole agency (`trends:agency`, the clients the member
may see). Both read through `.within(scope)` and `incidents.trends`; the charts are the
shared server-side SVG renderers, so a post-mortem PDF could draw the same ones."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from incidents.models import ActionItem, Incident
from incidents.trends import (
    ACTION_ITEMS_SHOWN,
    DEFAULT_MONTHS,
    PERIODS,
    SEVERITIES,
    Trends,
    open_action_items,
    trends,
)
from portal.charts.bars import Group, Series, render_bars
from portal.durations import format_duration
from portal.scoping import Scope
from portal.views.base import ClientView, MemberView

SEVERITY_COLOURS = ("#8fc9a3", "#e3b341", "#e0693e", "#b4321e")
MEDIAN_SERIES = (
    ("Time to acknowledge", Series("Median time to acknowledge", "#5b7fa6")),
    ("Time to first statement", Series("Median time to first statement", "#c0392b")),
)


def _minutes(value: float) -> str:
    return format_duration(round(value)) if value else "0"


def trend_charts(result: Trends) -> dict[str, str]:
    """The two charts of the page, as markup (the renderers escape every text). A page
    shows one set, so their ids are fixed."""
    labels = [f"{row.start:%b %Y}" for row in result.months]
    by_severity = render_bars(
        [
            Group(label, tuple(float(n) for n in row.by_severity))
            for label, row in zip(labels, result.months, strict=True)
        ],
        [Series(f"Severity {s}", SEVERITY_COLOURS[s - 1]) for s in SEVERITIES],
        title="Incidents opened per month, by severity",
        whole=True,
        chart_id="trends-severity",
    )
    medians = render_bars(
        [
            Group(
                label,
                tuple(
                    (
                        median.total_seconds() / 60
                        if (median := row.medians.get(name)) is not None
                        else None
                    )
                    for name, _series in MEDIAN_SERIES
                ),
            )
            for label, row in zip(labels, result.months, strict=True)
        ],
        [series for _name, series in MEDIAN_SERIES],
        title="Median response times per month",
        stacked=False,
        fmt=_minutes,
        chart_id="trends-medians",
    )
    # The renderer escapes every piece of text it writes: its output is markup.
    return {"severity": mark_safe(by_severity), "medians": mark_safe(medians)}


class TrendsPage:
    """What both pages share (mixed in before the base view): the period, the trends,
    the charts and the action items."""

    scope: Scope
    request: HttpRequest
    per_client = False

    def time_zone(self) -> ZoneInfo:
        raise NotImplementedError

    def incidents(self) -> QuerySet[Incident]:
        raise NotImplementedError

    def action_items(self) -> QuerySet[ActionItem]:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        try:
            months = int(self.request.GET.get("months", DEFAULT_MONTHS))
        except ValueError:
            months = DEFAULT_MONTHS
        if months not in PERIODS:
            months = DEFAULT_MONTHS
        result = trends(
            self.incidents(),
            months=months,
            tz=self.time_zone(),
            now=timezone.now(),
            per_client=self.per_client,
        )
        items = open_action_items(self.action_items())
        context.update(
            trends=result,
            months=months,
            periods=list(PERIODS.items()),
            charts=trend_charts(result),
            action_items=list(items[:ACTION_ITEMS_SHOWN]),
            action_item_total=items.count(),
            action_items_shown=ACTION_ITEMS_SHOWN,
            today=timezone.localdate(timezone=self.time_zone()),
            severities=SEVERITIES,
        )
        return context


class ClientTrendsView(TrendsPage, ClientView, TemplateView):
    template_name = "incidents/trends.html"

    def time_zone(self) -> ZoneInfo:
        return ZoneInfo(self.client.agency.time_zone)

    def incidents(self) -> QuerySet[Incident]:
        return Incident.objects.within(self.scope).filter(client=self.client)

    def action_items(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.within(self.scope).filter(
            postmortem__incident__client=self.client
        )


class AgencyTrendsView(TrendsPage, MemberView, TemplateView):
    template_name = "incidents/trends_agency.html"
    per_client = True

    def time_zone(self) -> ZoneInfo:
        agency = self.scope.agency
        return ZoneInfo(agency.time_zone if agency is not None else "UTC")

    def incidents(self) -> QuerySet[Incident]:
        return Incident.objects.within(self.scope)

    def action_items(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.within(self.scope)
