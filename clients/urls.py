from django.urls import path

from clients.views import client_pages

app_name = "clients"

urlpatterns = [
    path("new/", client_pages.ClientCreateView.as_view(), name="create"),
    path("<uuid:client>/", client_pages.ClientOverviewView.as_view(), name="overview"),
    path("<uuid:client>/edit/", client_pages.ClientEditView.as_view(), name="edit"),
]
