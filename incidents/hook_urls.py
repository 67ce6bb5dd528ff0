"""Endpoints that other systems call: the inbound push of mentions (signed, no login)."""

from django.urls import path

from incidents.views.push import PushView

app_name = "hooks"

urlpatterns = [
    path("push/<uuid:source>/", PushView.as_view(), name="push"),
]
