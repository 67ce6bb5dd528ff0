"""The URLconf of bench.incident_page only: the project's URLs plus a bare view that
goes through the same middleware. Never part of the project's URLconf."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("__bare__/", bare),
    path("", include("portal.urls")),
]
