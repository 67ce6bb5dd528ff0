"""Replies to mentions, below /clients/<client>/responses/ (namespace `responses`).
Every view derives from portal.views.base.ClientView."""

from django.urls import path

from incidents.views import responses as views

app_name = "responses"

urlpatterns = [
    path("<uuid:mention>/", views.MentionReplyView.as_view(), name="for_mention"),
    path("r/<uuid:pk>/", views.ResponseUpdateView.as_view(), name="update"),
    path("incident/<uuid:incident>/", views.IncidentMentionsView.as_view(), name="incident"),
]
