"""Public pages reached by an unguessable slug, below /s/ (namespace `public`)."""

from django.urls import path

from incidents.views import public as views

app_name = "public"

urlpatterns = [
    path("<str:slug>/", views.PublicStatementsView.as_view(), name="page"),
]
