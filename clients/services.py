"""Writes and reads of tenancy: staff assignments (guardian object permissions),
memberships, portal access. Keyword-only, typed, atomic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db import transaction
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from clients.models import Client, Membership, Role
from portal.models import User

VIEW_PERM = "clients.view_client"
CHANGE_PERM = "clients.change_client"


@dataclass(frozen=True)
class TeamMember:
    user: User
    role: str
    access: str  # "all clients" (owner/manager), "read-write" or "read-only"


def client_team(*, client: Client) -> list[TeamMember]:
    """Who in the agency works on this client, and with which access."""
    team: list[TeamMember] = []
    managers = Membership.objects.filter(
        agency_id=client.agency_id, role__in=[Role.OWNER, Role.MANAGER]
    ).select_related("user")
    for m in managers:
        team.append(TeamMember(user=m.user, role=m.get_role_display(), access="all clients"))
    staff_ids = set(
        Membership.objects.filter(agency_id=client.agency_id, role=Role.STAFF).values_list(
            "user_id", flat=True
        )
    )
    # With attach_perms=True guardian answers {user: [codename, ...]}.
    with_perms = cast(
        dict[User, list[str]],
        get_users_with_perms(
            client, attach_perms=True, with_superusers=False, with_group_users=False
        ),
    )
    for user, perms in sorted(with_perms.items(), key=lambda item: item[0].email):
        if user.pk not in staff_ids:
            continue
        access = "read-write" if "change_client" in perms else "read-only"
        team.append(TeamMember(user=user, role="Staff", access=access))
    return team


@transaction.atomic
def assign_staff(*, client: Client, user: User, write: bool) -> None:
    """Give a staff member of the client's agency access to the client."""
    if not Membership.objects.filter(agency_id=client.agency_id, user=user).exists():
        raise ValueError(f"{user} is not a member of {client.agency}.")
    assign_perm(VIEW_PERM, user, client)
    if write:
        assign_perm(CHANGE_PERM, user, client)
    else:
        remove_perm(CHANGE_PERM, user, client)


@transaction.atomic
def unassign_staff(*, client: Client, user: User) -> None:
    remove_perm(CHANGE_PERM, user, client)
    remove_perm(VIEW_PERM, user, client)
