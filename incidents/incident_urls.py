"""The incident pages of a client, below /clients/<client>/incidents/ (namespace
`incidents`). Every view derives from portal.views.base.ClientView. There is no URL to
edit or delete a timeline entry: the timeline is append-only."""

from django.urls import path

from incidents.views import incidents as views
from incidents.views import trends

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="list"),
    path("open/", views.IncidentOpenView.as_view(), name="open"),
    path("trends/", trends.ClientTrendsView.as_view(), name="trends"),
    path("from-alert/<uuid:alert>/", views.OpenFromAlertView.as_view(), name="open_from_alert"),
    path("<uuid:pk>/", views.IncidentDetailView.as_view(), name="detail"),
    path("<uuid:pk>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("<uuid:pk>/entries/", views.AddEntryView.as_view(), name="add_entry"),
    path(
        "<uuid:pk>/entries/<uuid:entry>/correct/",
        views.CorrectEntryView.as_view(),
        name="correct_entry",
    ),
    path("<uuid:pk>/status/", views.ChangeStatusView.as_view(), name="change_status"),
    path("<uuid:pk>/severity/", views.ChangeSeverityView.as_view(), name="change_severity"),
    path("<uuid:pk>/tasks/<uuid:task>/done/", views.TaskDoneView.as_view(), name="task_done"),
    path(
        "<uuid:pk>/roles/<uuid:role>/",
        views.AssignRoleView.as_view(),
        name="assign_role",
    ),
    path(
        "<uuid:pk>/stakeholders/",
        views.NotifyStakeholderView.as_view(),
        name="notify_stakeholder",
    ),
]
