"""Watch terms of a client: the list with an inline add form, edit and delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DeleteView, TemplateView, UpdateView

from incidents.forms import WatchTermForm
from incidents.models import WatchTerm
from incidents.views import Monitoring
from portal.views.base import ClientObjectView, ClientView


class TermListView(Monitoring, ClientView, TemplateView):
    template_name = "monitoring/terms.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["terms"] = self.terms().annotate(mention_total=Count("mentions"))
        if self.can_write:
            context["form"] = WatchTermForm(scope=self.scope, client=self.client)
        return context


class TermCreateView(Monitoring, ClientView, CreateView[WatchTerm, WatchTermForm]):
    writes = True
    form_class = WatchTermForm
    template_name = "monitoring/term_form.html"

    def form_valid(self, form: WatchTermForm) -> HttpResponse:
        form.instance.client = self.client
        term = form.save()
        messages.success(self.request, f"Now watching “{term.term}”.")
        return redirect("monitoring:terms", client=self.client.public_id)


class TermEditView(Monitoring, ClientObjectView[WatchTerm], UpdateView[WatchTerm, WatchTermForm]):
    writes = True
    model = WatchTerm
    form_class = WatchTermForm
    template_name = "monitoring/term_form.html"
    context_object_name = "term"

    def form_valid(self, form: WatchTermForm) -> HttpResponse:
        term = form.save()
        messages.success(self.request, f"Term “{term.term}” saved.")
        return redirect("monitoring:terms", client=self.client.public_id)


class TermDeleteView(Monitoring, ClientObjectView[WatchTerm], DeleteView[WatchTerm, Any]):
    writes = True
    model = WatchTerm
    template_name = "monitoring/term_confirm_delete.html"
    context_object_name = "term"

    def get_success_url(self) -> str:
        messages.success(
            self.request,
            f"No longer watching “{self.object.term}”. Mentions already stored are kept.",
        )
        return reverse("monitoring:terms", kwargs={"client": self.client.public_id})
