"""Outgoing webhooks of the agency (owners and managers): the list of endpoints, adding
and editing one (address and events), its page with the signing secret and the delivery
log, a test ping, switching it off and on, a new secret, sending a failed event again.

Endpoints are agency records: every lookup goes through
`WebhookEndpoint.objects.within(scope)`, so another agency's endpoint is a 404. The
work is done by the services in incidents/webhooks.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from clients.views.agency_admin import _agency, _req
from clients.webhook_forms import WebhookEndpointForm
from incidents.models import WebhookDelivery, WebhookEndpoint
from incidents.webhook_events import EVENT_LABELS, EVENTS
from incidents.webhooks import (
    MAX_RETRIES,
    SIGNATURE_HEADER,
    WebhookError,
    delivery_resend,
    delivery_state,
    disable_after,
    endpoint_create,
    endpoint_disable,
    endpoint_enable,
    endpoint_ping,
    endpoint_rotate_secret,
    endpoint_update,
)
from portal.http import PortalRequest
from portal.views.base import MemberView

LOG_PAGE_SIZE = 25


class _Webhooks(MemberView):
    required_role = "manager"

    def endpoint(self, request: PortalRequest, pk: Any, *, write: bool = False) -> WebhookEndpoint:
        return get_object_or_404(
            WebhookEndpoint.objects.within(request.scope, write=write).select_related("agency"),
            public_id=pk,
        )

    def back(self, endpoint: WebhookEndpoint) -> HttpResponse:
        return redirect("agency:webhook", pk=endpoint.public_id)


def _event_labels(endpoint: WebhookEndpoint) -> list[str]:
    return [EVENT_LABELS.get(name, name) for name in endpoint.events or []]


class WebhooksView(_Webhooks, TemplateView):
    template_name = "agency/webhooks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Each endpoint's latest attempted delivery, found by the database (the log keeps
        # a month of deliveries: reading them all to keep one an endpoint would not do).
        latest = (
            WebhookDelivery.objects.filter(endpoint=OuterRef("pk"), attempts__gt=0)
            .order_by("-last_attempt_at", "-pk")
            .values("pk")[:1]
        )
        endpoints = list(
            WebhookEndpoint.objects.within(self.scope)
            .annotate(last_delivery_pk=Subquery(latest))
            .order_by("url")
        )
        last = WebhookDelivery.objects.within(self.scope).in_bulk(
            [e.last_delivery_pk for e in endpoints if e.last_delivery_pk is not None]
        )
        context["rows"] = [
            {"endpoint": e, "events": _event_labels(e), "last": last.get(e.last_delivery_pk)}
            for e in endpoints
        ]
        return context


class _FormPage(_Webhooks, FormView[WebhookEndpointForm]):
    form_class = WebhookEndpointForm
    template_name = "agency/webhook_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        selected = form["events"].value() or []
        return {**context, "form_events": EVENTS, "selected_events": [str(v) for v in selected]}


class WebhookCreateView(_FormPage):
    def form_valid(self, form: WebhookEndpointForm) -> HttpResponse:
        endpoint = endpoint_create(
            agency=_agency(self), url=form.cleaned_data["url"], events=form.cleaned_data["events"]
        )
        messages.success(
            self.request,
            f"Webhooks will be sent to {endpoint.url}. Use the signing secret below to check "
            "that each delivery comes from us, then send a test ping.",
        )
        return self.back(endpoint)


class WebhookEditView(_FormPage):
    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.object = self.endpoint(request, kwargs["pk"], write=True)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "endpoint": self.object}

    def form_valid(self, form: WebhookEndpointForm) -> HttpResponse:
        endpoint = endpoint_update(
            endpoint=self.object,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
        )
        messages.success(self.request, "Endpoint saved.")
        return self.back(endpoint)


class WebhookView(_Webhooks, TemplateView):
    """The endpoint's page; for htmx (the log's polling and pagination) only the log,
    except when htmx restores a page it did not keep for the back button: that answer
    replaces the whole body."""

    template_name = "agency/webhook.html"

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.object = self.endpoint(request, kwargs["pk"])

    def get_template_names(self) -> list[str]:
        details = _req(self.request).htmx
        if details and not details.history_restore_request:
            return ["agency/_webhook_log.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        endpoint = self.object
        deliveries = WebhookDelivery.objects.within(self.scope).filter(endpoint=endpoint)
        page = Paginator(deliveries.order_by("-created_at", "-pk"), LOG_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            endpoint=endpoint,
            events=_event_labels(endpoint),
            page_obj=page,
            log=[
                {"d": d, "state": delivery_state(d), "label": EVENT_LABELS.get(d.event, d.event)}
                for d in page.object_list
            ],
            any_pending=deliveries.filter(attempts=0).exists(),
            signature_header=SIGNATURE_HEADER,
            disable_after=disable_after(),
            max_attempts=MAX_RETRIES + 1,
        )
        return context


class _EndpointAction(_Webhooks):
    """A POST on one endpoint; refusals come back as a message on its page."""

    http_method_names = ["post"]

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.object = self.endpoint(request, kwargs["pk"], write=True)

    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            messages.success(request, self.act(_req(request), self.object))
        except WebhookError as e:
            messages.error(request, e.message)
        return self.back(self.object)


class WebhookPingView(_EndpointAction):
    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        endpoint_ping(endpoint=endpoint, by_name=request.user.display_name)
        return "Test ping sent. Its answer appears in the delivery log below."


class WebhookEnableView(_EndpointAction):
    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        endpoint_enable(endpoint=endpoint)
        return (
            f"The endpoint is on again: new events go to {endpoint.url}. Events it missed "
            "can be sent again from the delivery log."
        )


class WebhookDisableView(_EndpointAction):
    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        endpoint_disable(endpoint=endpoint, by_name=request.user.display_name)
        return "The endpoint is off: no events are sent to it until you turn it back on."


class WebhookSecretView(_EndpointAction):
    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        endpoint_rotate_secret(endpoint=endpoint)
        return (
            "A new signing secret was made; deliveries from now on are signed with it. "
            "Update your receiver."
        )


class WebhookResendView(_EndpointAction):
    def act(self, request: PortalRequest, endpoint: WebhookEndpoint) -> str:
        delivery = get_object_or_404(
            WebhookDelivery.objects.within(request.scope, write=True).filter(endpoint=endpoint),
            public_id=self.kwargs["delivery"],
        )
        delivery.endpoint = endpoint
        delivery_resend(delivery=delivery)
        return (
            f"The {EVENT_LABELS.get(delivery.event, delivery.event).lower()} event is sent again."
        )


class WebhookDeleteView(_Webhooks, TemplateView):
    template_name = "agency/webhook_delete.html"

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.object = self.endpoint(request, kwargs["pk"], write=True)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.object
        context["delivery_count"] = self.object.deliveries.count()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        url = self.object.url
        self.object.delete()
        messages.success(request, f"Webhooks are no longer sent to {url}; its log was deleted.")
        return redirect("agency:webhooks")
