"""The client portal's home and per-client pages of the clients app ("clientportal")."""

from django.urls import path

from clients.views import client_portal

app_name = "clientportal"

urlpatterns = [
    path("", client_portal.PortalHomeView.as_view(), name="home"),
    path("<uuid:client>/", client_portal.PortalClientView.as_view(), name="client"),
    path("<uuid:client>/contacts/", client_portal.PortalContactsView.as_view(), name="contacts"),
    path("<uuid:client>/logo/", client_portal.PortalLogoView.as_view(), name="logo"),
]
