"""Sources of a client with their health (last success, last error in plain words, next
poll, mention count), create / edit / delete, and "poll now". Push sources show their
endpoint, and their secret to those who may change the client."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, DeleteView, TemplateView, UpdateView

from incidents.forms import SourceForm
from incidents.models import Source, SourceKind
from incidents.tasks import poll_source_task
from incidents.views import Monitoring
from portal.views.base import ClientObjectView, ClientView


def push_endpoint(request: HttpRequest, source: Source) -> str:
    """The absolute URL a listening tool delivers to."""
    return request.build_absolute_uri(reverse("hooks:push", kwargs={"source": source.public_id}))


class SourceListView(Monitoring, ClientView, TemplateView):
    template_name = "monitoring/sources.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sources = list(self.sources())
        for source in sources:
            source.endpoint = (  # type: ignore[attr-defined]
                push_endpoint(self.request, source) if source.kind == SourceKind.PUSH else None
            )
        context.update(sources=sources, created=self.request.GET.get("created", ""))
        return context


class SourceCreateView(Monitoring, ClientView, CreateView[Source, SourceForm]):
    writes = True
    form_class = SourceForm
    template_name = "monitoring/source_form.html"

    def form_valid(self, form: SourceForm) -> HttpResponse:
        form.instance.client = self.client
        source = form.save()
        if source.kind == SourceKind.PUSH:
            messages.success(
                self.request,
                f"Push source “{source.name}” added. Give its endpoint and secret, shown "
                "below, to the tool that delivers mentions.",
            )
            url = reverse("monitoring:sources", kwargs={"client": self.client.public_id})
            return redirect(f"{url}?created={source.public_id}#source-{source.public_id}")
        messages.success(
            self.request, f"Source “{source.name}” added. It is polled within a minute."
        )
        return redirect("monitoring:sources", client=self.client.public_id)


class SourceEditView(Monitoring, ClientObjectView[Source], UpdateView[Source, SourceForm]):
    writes = True
    model = Source
    form_class = SourceForm
    template_name = "monitoring/source_form.html"
    context_object_name = "source"

    def form_valid(self, form: SourceForm) -> HttpResponse:
        source = form.save()
        messages.success(self.request, f"Source “{source.name}” saved.")
        return redirect("monitoring:sources", client=self.client.public_id)


class SourceDeleteView(Monitoring, ClientObjectView[Source], DeleteView[Source, Any]):
    writes = True
    model = Source
    template_name = "monitoring/source_confirm_delete.html"
    context_object_name = "source"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["mention_total"] = self.object.mentions.count()
        return context

    def get_success_url(self) -> str:
        messages.success(self.request, f"Source “{self.object.name}” and its mentions deleted.")
        return reverse("monitoring:sources", kwargs={"client": self.client.public_id})


class SourcePollView(Monitoring, ClientObjectView[Source]):
    """POST: poll this source as soon as a worker is free."""

    http_method_names = ["post"]
    model = Source

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        source = self.get_object()
        if not source.is_polled:
            messages.error(request, f"“{source.name}” is a push source: it is never polled.")
            return redirect("monitoring:sources", client=self.client.public_id)
        Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
        source_id = source.id
        transaction.on_commit(lambda: poll_source_task.delay(source_id))
        messages.success(request, f"“{source.name}” will be polled in a moment.")
        return redirect("monitoring:sources", client=self.client.public_id)
