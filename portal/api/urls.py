"""`/api/`: the schema, its interactive docs and version 1 of the API.

Every route here is checked for API keys of each scope by tests/api/test_isolation_matrix.py
(the web isolation matrix leaves /api/ to it)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from portal.api import views_clients

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False
router.register("clients", views_clients.ClientViewSet, basename="client")
router.register("contacts", views_clients.ContactViewSet, basename="contact")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(router.urls)),
]
