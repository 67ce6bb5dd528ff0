"""The client portal's incident pages, mounted under portal/<uuid:client>/
("incidentsportal"). GET only: the portal has no write endpoint."""

from django.urls import path

from incidents.views import portal

app_name = "incidentsportal"

urlpatterns = [
    path("incidents/", portal.PortalIncidentsView.as_view(), name="list"),
    path("incidents/<uuid:pk>/", portal.PortalIncidentView.as_view(), name="detail"),
    path("reviews/", portal.PortalReviewsView.as_view(), name="reviews"),
]
