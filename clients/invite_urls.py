"""Accepting an invitation (public: the token is the credential)."""

from django.urls import path

from clients.views.invitations import InvitationAcceptView

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", InvitationAcceptView.as_view(), name="accept"),
]
