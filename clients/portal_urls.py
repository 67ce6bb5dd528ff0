from django.urls import path

from clients.views import client_portal

app_name = "clientportal"

urlpatterns = [
    path("", client_portal.PortalHomeView.as_view(), name="home"),
    path("<uuid:client>/", client_portal.PortalClientView.as_view(), name="client"),
]
