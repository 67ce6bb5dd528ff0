"""Changing who belongs to an agency: a member's role, removing a member, withdrawing a
client contact's portal access. Keyword-only, typed, atomic.

An agency always keeps at least one owner: the last owner can be neither demoted nor
removed (otherwise nobody could manage members again). The check runs inside the
transaction that makes the change, after locking the agency's owner rows, so two owners
demoting each other at once cannot both succeed.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.utils import get_user_obj_perms_model

from clients.models import Client, Membership, PortalAccess, Role
from portal.models import User


class MembershipError(Exception):
    """A membership change that is refused, in words for the owner who tried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _other_owners_exist(membership: Membership) -> bool:
    owners = list(
        Membership.objects.select_for_update()
        .filter(agency_id=membership.agency_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    return any(pk != membership.pk for pk in owners)


LAST_OWNER = (
    "{who} is the last owner of {agency}. Make someone else an owner first: an agency "
    "always needs an owner to manage its members."
)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Give a member another role. Staff assignments are kept, so a manager made staff
    again sees the clients they were assigned to before."""
    if role not in Role.values:
        raise MembershipError("Choose a role: owner, manager or staff.")
    membership = Membership.objects.select_related("agency", "user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and not _other_owners_exist(membership):
        raise MembershipError(
            LAST_OWNER.format(who=membership.user.display_name, agency=membership.agency.name)
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove someone from an agency, with their staff assignments on its clients (so a
    later re-invitation starts from nothing)."""
    membership = Membership.objects.select_related("agency", "user").get(pk=membership.pk)
    if membership.role == Role.OWNER and not _other_owners_exist(membership):
        raise MembershipError(
            LAST_OWNER.format(who=membership.user.display_name, agency=membership.agency.name)
        )
    client_pks = [
        str(pk)
        for pk in Client.objects.filter(agency_id=membership.agency_id).values_list("pk", flat=True)
    ]
    get_user_obj_perms_model()._default_manager.filter(
        user=membership.user,
        content_type=ContentType.objects.get_for_model(Client),
        object_pk__in=client_pks,
    ).delete()
    membership.delete()


@transaction.atomic
def portal_access_revoke(*, access: PortalAccess, by: User) -> None:
    """Withdraw a client contact's access to one client's portal."""
    PortalAccess.objects.filter(pk=access.pk).delete()
