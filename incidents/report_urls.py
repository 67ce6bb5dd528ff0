"""Stored PDF reports of a client, below /clients/<client>/reports/ (namespace
`reports`). GETs first; the POSTs that queue a PDF last."""

from django.urls import path

from incidents.views import reports as views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("<uuid:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<uuid:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
    path(
        "postmortem/<uuid:pk>/",
        views.PostMortemReportRequestView.as_view(),
        name="postmortem_request",
    ),
    path("plan/", views.PlanReportRequestView.as_view(), name="plan_request"),
    path("<uuid:pk>/regenerate/", views.ReportRegenerateView.as_view(), name="regenerate"),
]
