"""The client portal's reports, below /portal/<client>/reports/ (namespace
`reportsportal`): client versions of shared post-mortems and approved plans only."""

from django.urls import path

from incidents.views import reports as views

app_name = "reportsportal"

urlpatterns = [
    path("", views.PortalReportListView.as_view(), name="list"),
    path("<uuid:pk>/download/", views.PortalReportDownloadView.as_view(), name="download"),
]
