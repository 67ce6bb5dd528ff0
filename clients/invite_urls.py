"""Accepting an invitation (public: the token is the credential)."""

from django.urls import path  # noqa: F401

app_name = "invitations"

urlpatterns: list = []  # type: ignore[type-arg]
