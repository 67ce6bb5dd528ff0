from django.urls import path

from clients.views import client_pages, contacts

app_name = "clients"

urlpatterns = [
    path("new/", client_pages.ClientCreateView.as_view(), name="create"),
    path("<uuid:client>/", client_pages.ClientOverviewView.as_view(), name="overview"),
    path("<uuid:client>/edit/", client_pages.ClientEditView.as_view(), name="edit"),
    # Stakeholder contacts
    path("<uuid:client>/contacts/", contacts.ContactListView.as_view(), name="contacts"),
    path(
        "<uuid:client>/contacts/new/", contacts.ContactCreateView.as_view(), name="contact_create"
    ),
    path(
        "<uuid:client>/contacts/import/",
        contacts.ContactImportView.as_view(),
        name="contacts_import",
    ),
    path(
        "<uuid:client>/contacts/export.csv",
        contacts.ContactExportView.as_view(),
        name="contacts_export",
    ),
    path(
        "<uuid:client>/contacts/<uuid:pk>/",
        contacts.ContactDetailView.as_view(),
        name="contact_detail",
    ),
    path(
        "<uuid:client>/contacts/<uuid:pk>/edit/",
        contacts.ContactEditView.as_view(),
        name="contact_edit",
    ),
    path(
        "<uuid:client>/contacts/<uuid:pk>/row/",
        contacts.ContactRowView.as_view(),
        name="contact_row",
    ),
    path(
        "<uuid:client>/contacts/<uuid:pk>/delete/",
        contacts.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path(
        "<uuid:client>/contacts/<uuid:pk>/vcard/",
        contacts.ContactVCardView.as_view(),
        name="contact_vcard",
    ),
]
