"""`/api/`: the schema, its interactive docs and version 1 of the API.

Every route here is checked for API keys of each scope by tests/api/test_isolation_matrix.py
(the web isolation matrix leaves /api/ to it)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from portal.api import (
    views_clients,
    views_incidents,
    views_learning,
    views_monitoring,
    views_plans,
)

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False
router.register("clients", views_clients.ClientViewSet, basename="client")
router.register("contacts", views_clients.ContactViewSet, basename="contact")
router.register("risks", views_plans.RiskViewSet, basename="risk")
router.register("plans", views_plans.PlanViewSet, basename="plan")
router.register("scenarios", views_plans.ScenarioViewSet, basename="scenario")
router.register("sources", views_monitoring.SourceViewSet, basename="source")
router.register("watch-terms", views_monitoring.WatchTermViewSet, basename="watch-term")
router.register("mentions", views_monitoring.MentionViewSet, basename="mention")
router.register("alerts", views_monitoring.AlertViewSet, basename="alert")
router.register("incidents", views_incidents.IncidentViewSet, basename="incident")
router.register("statements", views_incidents.StatementViewSet, basename="statement")
router.register("postmortems", views_learning.PostMortemViewSet, basename="postmortem")
router.register("reports", views_learning.ReportViewSet, basename="report")
router.register("action-items", views_learning.ActionItemViewSet, basename="action-item")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(router.urls)),
]
