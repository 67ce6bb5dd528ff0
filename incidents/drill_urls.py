"""Drill mode, below /clients/<client>/drill/ (namespace `drills`). Every view derives
from portal.views.base.ClientView."""

from django.urls import path

from incidents.views import drills as views

app_name = "drills"

urlpatterns = [
    path("", views.DrillStartView.as_view(), name="start"),
    path("<uuid:pk>/timings/", views.DrillTimingsView.as_view(), name="timings"),
]
