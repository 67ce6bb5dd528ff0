"""The client portal's plan pages, mounted under portal/<uuid:client>/ ("plansportal")."""

from django.urls import path

from plans.views import portal

app_name = "plansportal"

urlpatterns = [
    path("plan/", portal.PortalPlanView.as_view(), name="plan"),
    path("risks/", portal.PortalRisksView.as_view(), name="risks"),
]
