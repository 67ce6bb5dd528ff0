"""The agency's trends across incidents, at /trends/ (namespace `trends`); a client's
own trends page is `incidents:trends`. Views derive from portal.views.base."""

from django.urls import path

from incidents.views import trends

app_name = "trends"

urlpatterns = [
    path("", trends.AgencyTrendsView.as_view(), name="agency"),
]
