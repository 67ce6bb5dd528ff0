"""Monitoring pages of a client, below /clients/<client>/monitoring/ (namespace
`monitoring`). Every view derives from portal.views.base.ClientView."""

from django.urls import path

from incidents.views import alerts, inbox, monitoring, sources, terms

app_name = "monitoring"

urlpatterns = [
    path("", monitoring.OverviewView.as_view(), name="overview"),
    path("settings/", monitoring.SettingsView.as_view(), name="settings"),
    path("sources/", sources.SourceListView.as_view(), name="sources"),
    path("sources/new/", sources.SourceCreateView.as_view(), name="source_create"),
    path("sources/<uuid:pk>/edit/", sources.SourceEditView.as_view(), name="source_edit"),
    path("sources/<uuid:pk>/delete/", sources.SourceDeleteView.as_view(), name="source_delete"),
    path("sources/<uuid:pk>/poll/", sources.SourcePollView.as_view(), name="source_poll"),
    path("terms/", terms.TermListView.as_view(), name="terms"),
    path("terms/new/", terms.TermCreateView.as_view(), name="term_create"),
    path("terms/<uuid:pk>/edit/", terms.TermEditView.as_view(), name="term_edit"),
    path("terms/<uuid:pk>/delete/", terms.TermDeleteView.as_view(), name="term_delete"),
    path("inbox/", inbox.InboxView.as_view(), name="inbox"),
    path("inbox/bulk/", inbox.InboxBulkView.as_view(), name="inbox_bulk"),
    path("inbox/new/", inbox.InboxNewCountView.as_view(), name="inbox_new_count"),
    path("mentions/<uuid:pk>/", inbox.MentionView.as_view(), name="mention"),
    path("alerts/", alerts.AlertListView.as_view(), name="alerts"),
    path("alerts/<uuid:pk>/acknowledge/", alerts.AlertAckView.as_view(), name="alert_ack"),
    path("alerts/<uuid:pk>/dismiss/", alerts.AlertDismissView.as_view(), name="alert_dismiss"),
]
