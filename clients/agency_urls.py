"""Agency administration: members, invitations, settings, staff assignments, portal access."""

from django.urls import path  # noqa: F401

app_name = "agency"

urlpatterns: list = []  # type: ignore[type-arg]
