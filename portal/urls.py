"""The project's URLs. Every page is a view derived from portal.views.base, and the
isolation matrix (tests/portal/test_isolation_matrix.py) checks each one for every role."""

from django.contrib import admin
from django.urls import include, path

from portal.views import accounts, dashboard

accounts_patterns = (
    [
        path("login/", accounts.LoginView.as_view(), name="login"),
        path("logout/", accounts.LogoutView.as_view(), name="logout"),
        path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
        path(
            "password/done/",
            accounts.PasswordChangeDoneView.as_view(),
            name="password_change_done",
        ),
        path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
        path(
            "password/reset/sent/",
            accounts.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            accounts.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/complete/",
            accounts.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

portal_patterns = (
    [
        path("", dashboard.DashboardView.as_view(), name="dashboard"),
        path("agency/switch/", dashboard.SwitchAgencyView.as_view(), name="switch_agency"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("accounts/", include(accounts_patterns)),
    path("clients/", include("clients.urls")),
    path("clients/<uuid:client>/", include("plans.urls")),
    path("clients/<uuid:client>/monitoring/", include("incidents.urls")),
    path("clients/<uuid:client>/incidents/", include("incidents.incident_urls")),
    path("trends/", include("incidents.trend_urls")),
    path(
        "clients/<uuid:client>/incidents/<uuid:incident>/statements/",
        include("incidents.statement_urls"),
    ),
    path("clients/<uuid:client>/responses/", include("incidents.response_urls")),
    path("clients/<uuid:client>/postmortems/", include("incidents.postmortem_urls")),
    path("clients/<uuid:client>/drill/", include("incidents.drill_urls")),
    path("clients/<uuid:client>/reports/", include("incidents.report_urls")),
    path("s/", include("incidents.public_urls")),
    path("portal/", include("clients.portal_urls")),
    path("portal/<uuid:client>/", include("plans.portal_urls")),
    path("portal/<uuid:client>/reports/", include("incidents.report_portal_urls")),
    path("portal/<uuid:client>/", include("incidents.portal_urls")),
    path("agency/", include("clients.agency_urls")),
    path("invite/", include("clients.invite_urls")),
    path("hooks/", include("incidents.hook_urls")),
    path("api/", include("portal.api.urls")),
    path("admin/", admin.site.urls),
]
