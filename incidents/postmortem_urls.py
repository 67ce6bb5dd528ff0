"""The post-mortem pages of a client, below /clients/<client>/postmortems/ (namespace
`postmortems`). A post-mortem is addressed by its incident: there is one per incident.
Every view derives from portal.views.base.ClientView."""

from django.urls import path

from incidents.views import postmortems as views

app_name = "postmortems"

urlpatterns = [
    path("", views.PostMortemListView.as_view(), name="list"),
    path("<uuid:incident>/", views.PostMortemDetailView.as_view(), name="detail"),
    path("<uuid:incident>/start/", views.PostMortemStartView.as_view(), name="start"),
    path("<uuid:incident>/edit/", views.PostMortemEditView.as_view(), name="edit"),
    path("<uuid:incident>/actions/", views.ActionItemCreateView.as_view(), name="action_create"),
    path(
        "<uuid:incident>/actions/<uuid:pk>/",
        views.ActionItemRowView.as_view(),
        name="action_row",
    ),
    path(
        "<uuid:incident>/actions/<uuid:pk>/plan/",
        views.ActionItemPlanView.as_view(),
        name="action_plan",
    ),
    path(
        "<uuid:incident>/actions/<uuid:pk>/done/",
        views.ActionItemDoneView.as_view(),
        name="action_done",
    ),
    path("<uuid:incident>/share/", views.PostMortemShareView.as_view(), name="share"),
    path("<uuid:incident>/finalise/", views.PostMortemFinaliseView.as_view(), name="finalise"),
    path("<uuid:incident>/reopen/", views.PostMortemReopenView.as_view(), name="reopen"),
]
