"""Agency administration: members, invitations, settings, staff assignments, portal access."""

from django.urls import path

from clients.views import agency_admin as views
from clients.views import webhooks
from portal.views import api_keys

app_name = "agency"

urlpatterns = [
    path("members/", views.MembersView.as_view(), name="members"),
    path("members/invite/", views.MemberInviteView.as_view(), name="member_invite"),
    path("members/<uuid:pk>/role/", views.MemberRoleView.as_view(), name="member_role"),
    path("members/<uuid:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path(
        "invitations/<uuid:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("settings/", views.AgencySettingsView.as_view(), name="settings"),
    path("logo/", views.AgencyLogoView.as_view(), name="logo"),
    path("clients/<uuid:client>/team/", views.ClientTeamView.as_view(), name="client_team"),
    path(
        "clients/<uuid:client>/team/assign/",
        views.ClientAssignView.as_view(),
        name="client_assign",
    ),
    path(
        "clients/<uuid:client>/team/<uuid:user>/unassign/",
        views.ClientUnassignView.as_view(),
        name="client_unassign",
    ),
    path(
        "clients/<uuid:client>/portal/invite/",
        views.PortalInviteView.as_view(),
        name="portal_invite",
    ),
    path(
        "clients/<uuid:client>/portal/<uuid:pk>/revoke/",
        views.PortalRevokeView.as_view(),
        name="portal_revoke",
    ),
    # REST API keys
    path("api-keys/", api_keys.ApiKeysView.as_view(), name="api_keys"),
    path("api-keys/<uuid:pk>/revoke/", api_keys.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    # outgoing webhooks
    path("webhooks/", webhooks.WebhooksView.as_view(), name="webhooks"),
    path("webhooks/new/", webhooks.WebhookCreateView.as_view(), name="webhook_create"),
    path("webhooks/<uuid:pk>/", webhooks.WebhookView.as_view(), name="webhook"),
    path("webhooks/<uuid:pk>/edit/", webhooks.WebhookEditView.as_view(), name="webhook_edit"),
    path("webhooks/<uuid:pk>/ping/", webhooks.WebhookPingView.as_view(), name="webhook_ping"),
    path("webhooks/<uuid:pk>/enable/", webhooks.WebhookEnableView.as_view(), name="webhook_enable"),
    path(
        "webhooks/<uuid:pk>/disable/",
        webhooks.WebhookDisableView.as_view(),
        name="webhook_disable",
    ),
    path("webhooks/<uuid:pk>/secret/", webhooks.WebhookSecretView.as_view(), name="webhook_secret"),
    path(
        "webhooks/<uuid:pk>/deliveries/<uuid:delivery>/resend/",
        webhooks.WebhookResendView.as_view(),
        name="webhook_resend",
    ),
    path("webhooks/<uuid:pk>/delete/", webhooks.WebhookDeleteView.as_view(), name="webhook_delete"),
]
