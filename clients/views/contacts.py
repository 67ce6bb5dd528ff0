"""Stakeholder contacts of a client (guide II.A, IV.B): list with search, filters and
pagination, create / edit / delete (full pages, plus inline add and inline row edit with
htmx), CSV import and export, vCard download.

Every view renders the full page, or for an htmx request only the partial it swaps, so
the feature works the same with JavaScript off. Reading (list, detail, vCard, export) is
open to read-only staff; every write is a `writes = True` page (403 for them even on GET).
"""

from __future__ import annotations

import io
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import (
    CreateView,
    DeleteView,
    DetailView,
    FormView,
    TemplateView,
    UpdateView,
)
from django_htmx.middleware import HtmxDetails

from clients.contact_forms import (
    ADD_FIELDS,
    ROW_FIELDS,
    ContactFilterForm,
    ContactForm,
    ContactImportForm,
    client_tags,
)
from clients.contacts_csv import (
    COLUMN_ALIASES,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    contacts_export,
    contacts_import,
    export_filename,
)
from clients.models import Client, Contact, ContactKind
from clients.vcard import contact_vcard, vcard_filename
from portal.http import PortalRequest
from portal.scoping import Scope
from portal.views.base import ClientObjectView, ClientView

PAGE_SIZE = 25
ADD_FORM_ID = "contact-add-form"


def htmx(request: HttpRequest) -> HtmxDetails:
    return cast(PortalRequest, request).htmx


class _Contacts:
    """The client's contacts, as the request's scope allows (mixed into ClientView)."""

    scope: Scope
    client: Client

    def contacts(self) -> QuerySet[Contact]:
        return Contact.objects.within(self.scope).filter(client=self.client)

    def kind_counts(self) -> tuple[int, list[tuple[str, str, int]]]:
        rows = dict(self.contacts().values_list("kind").annotate(n=Count("pk")).order_by())
        counts = [(value, str(label), rows.get(value, 0)) for value, label in ContactKind.choices]
        return sum(rows.values()), counts

    def add_form(self, data: Any = None) -> ContactForm:
        return ContactForm(
            data,
            client=self.client,
            scope=self.scope,
            fields=ADD_FIELDS,
            auto_id="add-%s",
        )


class ContactListView(_Contacts, ClientView, TemplateView):
    template_name = "clients/contacts.html"
    partial_name = "clients/_contact_table.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        details = htmx(self.request)
        if details and not details.history_restore_request:
            return render(request, self.partial_name, context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contacts = self.contacts()
        filters = ContactFilterForm(self.request.GET, tags=client_tags(contacts))
        page = _paginate(filters.filter(contacts), self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        total, counts = self.kind_counts()
        context.update(
            filters=filters,
            page_obj=page,
            contacts=page.object_list,
            querystring_base=f"{query}&" if query else "",
            export_query=query,
            total=total,
            kind_counts=counts,
            is_filtered=filters.is_filtered,
        )
        if self.can_write:
            context["add_form"] = self.add_form()
        return context


def _paginate(qs: QuerySet[Contact], page: str | None) -> Page[Contact]:
    return Paginator(qs, PAGE_SIZE).get_page(page)


class ContactDetailView(ClientObjectView[Contact], DetailView[Contact]):
    model = Contact
    template_name = "clients/contact_detail.html"
    context_object_name = "contact"


class ContactCreateView(_Contacts, ClientView, CreateView[Contact, ContactForm]):
    """The full "add contact" page, and the target of the inline add form of the list:
    for htmx it answers with a fresh add form plus the new row (out of band)."""

    writes = True
    form_class = ContactForm
    template_name = "clients/contact_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if htmx(self.request):
            kwargs.update(fields=ADD_FIELDS, auto_id="add-%s")
        return kwargs

    def form_valid(self, form: ContactForm) -> HttpResponse:
        contact = form.save_or_error()
        if contact is None:
            return self.form_invalid(form)
        if htmx(self.request):
            total, counts = self.kind_counts()
            fresh = self.add_form()
            # Ready for the next one: htmx focuses an autofocus field it swaps in.
            fresh.fields["name"].widget.attrs["autofocus"] = True
            return render(
                self.request,
                "clients/_contact_add_form.html",
                {
                    "client": self.client,
                    "can_write": True,
                    "add_form": fresh,
                    "added": contact,
                    "total": total,
                    "kind_counts": counts,
                },
            )
        messages.success(self.request, f"Contact “{contact.name}” added.")
        return redirect("clients:contacts", client=self.client.public_id)

    def form_invalid(self, form: ContactForm) -> HttpResponse:
        if htmx(self.request):
            return render(
                self.request,
                "clients/_contact_add_form.html",
                {"client": self.client, "can_write": True, "add_form": form},
            )
        return super().form_invalid(form)


class ContactEditView(ClientObjectView[Contact], UpdateView[Contact, ContactForm]):
    writes = True
    model = Contact
    form_class = ContactForm
    template_name = "clients/contact_form.html"
    context_object_name = "contact"

    def form_valid(self, form: ContactForm) -> HttpResponse:
        contact = form.save_or_error()
        if contact is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Contact “{contact.name}” saved.")
        return redirect(
            "clients:contact_detail", client=self.client.public_id, pk=contact.public_id
        )


class ContactRowView(ClientObjectView[Contact], TemplateView):
    """Inline edit of one row of the list (htmx): GET gives the row as a form, POST saves
    it and gives the row back (or the form with its errors). `?cancel=1` gives the row.
    Without htmx, GET shows the full edit page (which posts to contact_edit, 200 rather
    than a redirect) and POST saves and returns to the list."""

    writes = True
    model = Contact

    def form(self, contact: Contact, data: Any = None) -> ContactForm:
        inline = bool(htmx(self.request))
        return ContactForm(
            data,
            instance=contact,
            client=self.client,
            scope=self.scope,
            fields=ROW_FIELDS,
            html_form=f"row-form-{contact.public_id}" if inline else None,
            auto_id=f"row-{contact.public_id}-%s" if inline else "id_%s",
        )

    def row(self, contact: Contact, form: ContactForm | None = None) -> HttpResponse:
        context = self.get_context_data(contact=contact, form=form)
        name = "clients/_contact_row_edit.html" if form else "clients/_contact_row.html"
        return render(self.request, name, context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_object()
        if not htmx(self.request):
            # Without JavaScript the inline editor is the full edit page.
            edit = reverse(
                "clients:contact_edit",
                kwargs={"client": self.client.public_id, "pk": contact.public_id},
            )
            return self.full_page(contact, self.full_form(contact), action=edit)
        if request.GET.get("cancel"):
            return self.row(contact)
        return self.row(contact, self.form(contact))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_object()
        form = self.form(contact, request.POST)
        saved = form.save_or_error() if form.is_valid() else None
        if saved is not None:
            if htmx(self.request):
                return self.row(saved)
            messages.success(request, f"Contact “{saved.name}” saved.")
            return redirect("clients:contacts", client=self.client.public_id)
        if htmx(self.request):
            return self.row(contact, form)
        return self.full_page(contact, form)

    def full_form(self, contact: Contact) -> ContactForm:
        return ContactForm(instance=contact, client=self.client, scope=self.scope)

    def full_page(self, contact: Contact, form: ContactForm, action: str = "") -> HttpResponse:
        context = self.get_context_data(contact=contact, object=contact, form=form)
        context["form_action"] = action
        return render(self.request, "clients/contact_form.html", context)


class ContactDeleteView(_Contacts, ClientObjectView[Contact], DeleteView[Contact, Any]):
    writes = True
    model = Contact
    template_name = "clients/contact_confirm_delete.html"
    context_object_name = "contact"

    def form_valid(self, form: Any) -> HttpResponse:
        contact = self.object
        name = contact.name
        contact.delete()
        if htmx(self.request):
            # The row swaps itself out for nothing; the counts follow out of band.
            total, counts = self.kind_counts()
            context = {"client": self.client, "total": total, "kind_counts": counts, "oob": True}
            return render(self.request, "clients/_contact_counts.html", context)
        messages.success(self.request, f"Contact “{name}” deleted.")
        return redirect("clients:contacts", client=self.client.public_id)


class ContactVCardView(ClientObjectView[Contact], TemplateView):
    model = Contact

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = self.get_object()
        response = HttpResponse(
            contact_vcard(contact=contact), content_type="text/vcard; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{vcard_filename(contact=contact)}"'
        )
        return response


class ContactExportView(_Contacts, ClientView, TemplateView):
    """CSV of the client's contacts; the list's search and filters apply when given."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contacts = self.contacts()
        filters = ContactFilterForm(request.GET, tags=client_tags(contacts))
        out = io.StringIO()
        contacts_export(contacts=filters.filter(contacts).iterator(), out=out)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = export_filename(client=self.client)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


IMPORT_COLUMNS = [
    ("name", "Required. The person's (or desk's) name."),
    ("kind", "internal, media, influencer, partner, regulator or customer. Default: media."),
    ("organisation", "Outlet, company or body."),
    ("role", "Role or title."),
    ("email", "Unique per client (case does not matter)."),
    ("phone", "Any format."),
    ("social_handles", "Comma-separated, e.g. “@jane, linkedin.com/in/jane”."),
    ("reach", "Audience reach as a whole number: 12500, 12,500 or 12.5k."),
    (
        "notify_from_severity",
        "1 (minor) to 4 (critical): the lowest incident severity at which they are told. Default: 3.",
    ),
    ("tags", "Comma-separated."),
    ("notes", "Free text."),
]


class ContactImportView(ClientView, FormView[ContactImportForm]):
    writes = True
    form_class = ContactImportForm
    template_name = "clients/contacts_import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        aliases: dict[str, list[str]] = {}
        for alias, column in COLUMN_ALIASES.items():
            aliases.setdefault(column, []).append(alias)
        context["columns"] = [(c, help, aliases.get(c, [])) for c, help in IMPORT_COLUMNS]
        context["max_mb"] = MAX_IMPORT_BYTES // 1_048_576
        context["max_rows"] = MAX_IMPORT_ROWS
        return context

    def form_valid(self, form: ContactImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        # One byte past the limit is enough to know the file is too large.
        data = upload.read(MAX_IMPORT_BYTES + 1)
        result = contacts_import(client=self.client, data=data, by=self.scope.user)
        if not result.ok:
            context = self.get_context_data(
                form=form, import_errors=result.errors, filename=upload.name
            )
            return self.render_to_response(context)
        messages.success(
            self.request,
            f"Imported {result.created} contact{'s' if result.created != 1 else ''} "
            f"from {upload.name}.",
        )
        return redirect("clients:contacts", client=self.client.public_id)
