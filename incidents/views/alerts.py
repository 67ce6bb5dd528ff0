"""Alerts of a client: the list (filter by status and kind, `PAGE_SIZE` per page, the
filters kept in the page links; `?alert=<id>`, the link to one alert, shows the page
holding it in the list of its status) and the two actions a person takes from the UI,
acknowledge and dismiss (POST, compare-and-set in the service)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from incidents.alert_actions import AlertActionError, alert_acknowledge, alert_dismiss
from incidents.models import Alert, AlertKind, AlertStatus
from incidents.views import Monitoring, is_htmx, user_of
from portal.http import safe_next
from portal.views.base import ClientObjectView, ClientView

PAGE_SIZE = 50


class AlertListView(Monitoring, ClientView, TemplateView):
    """The list; for htmx (its pagination) only the list itself."""

    template_name = "monitoring/alerts.html"
    partial_name = "monitoring/_alert_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        if is_htmx(request):
            return render(request, self.partial_name, context)
        return self.render_to_response(context)

    def linked(self) -> Alert | None:
        """The client's alert named by `?alert=` (the links of emails, webhooks and the
        mention page), if it is one."""
        public_id = self.request.GET.get("alert", "")
        try:
            return self.alerts().filter(public_id=public_id).first() if public_id else None
        except ValidationError:  # not a UUID
            return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", AlertStatus.OPEN)
        kind = self.request.GET.get("kind", "")
        page_number = self.request.GET.get("page")
        linked = self.linked()
        if linked is not None:
            # The list the alert is in now (it may have been handled since the link was
            # made), at its page.
            status, kind = linked.status, ""
        # The id breaks ties between alerts opened at the same moment, so no alert is on
        # two pages or on none.
        alerts = self.alerts().select_related("handled_by").order_by("-opened_at", "-id")
        if status in AlertStatus.values:
            alerts = alerts.filter(status=status)
        else:
            status = ""
        if kind in AlertKind.values:
            alerts = alerts.filter(kind=kind)
        else:
            kind = ""
        if linked is not None:
            newer = alerts.filter(
                Q(opened_at__gt=linked.opened_at) | Q(opened_at=linked.opened_at, id__gt=linked.id)
            ).count()
            page_number = str(newer // PAGE_SIZE + 1)
        counts = dict(self.alerts().values_list("status").annotate(n=Count("pk")).order_by())
        page = Paginator(alerts, PAGE_SIZE).get_page(page_number)
        # The page links keep the list shown (not the alert, which would pin the page).
        query = urlencode({k: v for k, v in (("status", status or "all"), ("kind", kind)) if v})
        context.update(
            page_obj=page,
            alerts=page.object_list,
            querystring_base=f"{query}&" if query else "",
            status=status,
            kind=kind,
            statuses=[(v, str(label), counts.get(v, 0)) for v, label in AlertStatus.choices],
            kinds=AlertKind.choices,
        )
        return context


class AlertActionView(Monitoring, ClientObjectView[Alert]):
    """POST: acknowledge or dismiss; back to where the button was (same site only)."""

    http_method_names = ["post"]
    model = Alert
    action: ClassVar[str]
    done: ClassVar[str]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        alert = self.get_object()
        do = alert_acknowledge if self.action == "acknowledge" else alert_dismiss
        try:
            do(alert=alert, by=user_of(request))
        except AlertActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.done.format(kind=alert.get_kind_display()))
        alerts = reverse("monitoring:alerts", kwargs={"client": self.client.public_id})
        return redirect(safe_next(request, alerts))


class AlertAckView(AlertActionView):
    action = "acknowledge"
    done = "{kind} alert acknowledged: the team can see someone is on it."


class AlertDismissView(AlertActionView):
    action = "dismiss"
    done = "{kind} alert dismissed."
