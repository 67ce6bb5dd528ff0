"""Agency administration: members, invitations, settings, staff assignments, portal access."""

from django.urls import path

from clients.views import agency_admin as views

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
]
