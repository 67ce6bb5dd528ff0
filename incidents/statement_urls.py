"""The statements of one incident, below /clients/<client>/incidents/<incident>/statements/
(namespace `statements`). Every view derives from portal.views.base.ClientView."""

from django.urls import path

from incidents.views import statements as views

app_name = "statements"

urlpatterns = [
    path("", views.StatementListView.as_view(), name="list"),
    path("new/", views.StatementFormView.as_view(), name="draft"),
    path("<uuid:pk>/edit/", views.StatementFormView.as_view(), name="edit"),
    path("<uuid:pk>/approve/", views.StatementApproveView.as_view(), name="approve"),
    path("<uuid:pk>/publish/", views.StatementPublishView.as_view(), name="publish"),
    path("public-page/", views.PublicPageToggleView.as_view(), name="public_page"),
]
