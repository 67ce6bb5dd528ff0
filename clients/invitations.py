"""Invitations: an emailed, expiring, single-use link that makes someone an agency member
(with a role) or a client contact (portal access to one client).

Only a SHA-256 hash of the token is stored, so a database leak does not leak live links.
Accepting is a compare-and-set on the invitation row (healthchecks' claim pattern): of two
simultaneous accepts exactly one updates the row and creates the membership or portal
access; the other is told the link was already used.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import (
    Agency,
    Client,
    Invitation,
    InvitationKind,
    Membership,
    PortalAccess,
    Role,
)
from portal.mail import queue_email
from portal.models import User


class InvitationError(Exception):
    """Why an invitation cannot be created, used or revoked, in words for the person
    who tried. `status` is the HTTP status a page about it answers with."""

    def __init__(self, message: str, *, reason: str = "invalid", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status


UNUSABLE = {
    "accepted": "This invitation has already been used. Each link works once — if that was "
    "you, just log in; otherwise ask for a new invitation.",
    "revoked": "This invitation was withdrawn by the agency. Ask them for a new one if you "
    "still need access.",
    "expired": "This invitation has expired. Ask the person who invited you to send a new one.",
}


def _unusable(invitation: Invitation) -> InvitationError:
    reason = invitation.status
    return InvitationError(UNUSABLE[reason], reason=reason, status=410)


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("invitations:accept", args=[token])


def _target_name(invitation: Invitation) -> str:
    if invitation.kind == InvitationKind.CONTACT and invitation.client is not None:
        return f"the {invitation.client.name} client portal of {invitation.agency.name}"
    return invitation.agency.name


@transaction.atomic
def invitation_create(
    *,
    agency: Agency,
    kind: str,
    email: str,
    role: str | None = None,
    client: Client | None = None,
    by: User,
) -> tuple[Invitation, str]:
    """Invite `email` to the agency (kind "member", with a role) or to a client's portal
    (kind "contact"). Returns the invitation and the token, which exists only in the email.

    A pending invitation of the same person to the same place is revoked: sending again
    replaces the old link rather than leaving two alive.
    """
    email = email.strip().lower()
    if not email:
        raise InvitationError("An email address is required.")
    pending = Invitation.objects.filter(
        agency=agency,
        kind=kind,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    if kind == InvitationKind.MEMBER:
        if role not in Role.values:
            raise InvitationError("Choose a role: owner, manager or staff.")
        if client is not None:
            raise InvitationError("A member invitation is to the whole agency, not one client.")
        if Membership.objects.filter(agency=agency, user__email__iexact=email).exists():
            raise InvitationError(f"{email} is already a member of {agency.name}.")
    elif kind == InvitationKind.CONTACT:
        if client is None:
            raise InvitationError("A client contact is invited to one client's portal.")
        if client.agency_id != agency.pk:
            raise InvitationError(f"{client.name} is not a client of {agency.name}.")
        if PortalAccess.objects.filter(client=client, user__email__iexact=email).exists():
            raise InvitationError(f"{email} already has access to {client.name}'s portal.")
        pending = pending.filter(client=client)
        role = ""
    else:
        raise InvitationError(f"Unknown kind of invitation “{kind}”.")

    now = timezone.now()
    pending.update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        agency=agency,
        kind=kind,
        email=email,
        role=role or "",
        client=client,
        token_hash=Invitation.hash_token(token),
        invited_by=by,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_TTL_HOURS),
    )
    template = (
        "emails/invitation_member.txt"
        if kind == InvitationKind.MEMBER
        else "emails/invitation_contact.txt"
    )
    queue_email(
        to=[email],
        subject=f"{by.display_name} invited you to {_target_name(invitation)} on Firebreak",
        template=template,
        context={
            "invitation": invitation,
            "inviter": by,
            "agency": agency,
            "client": client,
            "role": invitation.get_role_display() if role else "",
            "link": invitation_link(token),
            "ttl_hours": settings.INVITATION_TTL_HOURS,
        },
    )
    return invitation, token


def invitation_lookup(*, token: str) -> Invitation:
    """The pending invitation a token names; InvitationError (404 unknown, 410 expired,
    used or revoked) otherwise."""
    invitation = (
        Invitation.objects.select_related("agency", "client", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check that you copied the whole link from "
            "the email.",
            reason="unknown",
            status=404,
        )
    if invitation.status != "pending":
        raise _unusable(invitation)
    return invitation


def invitation_accept(*, token: str, user: User) -> Membership | PortalAccess:
    """Use an invitation: `user` becomes a member of the agency or gets portal access to
    the client. Works once; refuses expired, used, revoked and someone else's invitations."""
    invitation = invitation_lookup(token=token)
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            f"This invitation was sent to {invitation.email}, but you are logged in as "
            f"{user.email}. Log out and open the link again, or ask for an invitation to "
            "your own address.",
            reason="wrong_user",
            status=403,
        )
    with transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, accepted_by=user)
        if claimed != 1:
            # Someone (perhaps this person in another tab) got there first.
            invitation.refresh_from_db()
            raise _unusable(invitation)
        if invitation.kind == InvitationKind.MEMBER:
            # Already a member (joined another way meanwhile): keep the role they have.
            membership, _ = Membership.objects.get_or_create(
                agency=invitation.agency, user=user, defaults={"role": invitation.role}
            )
            return membership
        assert invitation.client is not None  # the check constraint guarantees it
        access, _ = PortalAccess.objects.get_or_create(
            client=invitation.client, user=user, defaults={"granted_by": invitation.invited_by}
        )
        return access


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    """Withdraw a pending (or expired) invitation so its link stops working."""
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked != 1:
        invitation.refresh_from_db()
        if invitation.accepted_at:
            raise InvitationError(
                f"The invitation of {invitation.email} was already accepted; remove their "
                "access instead.",
                reason="accepted",
                status=409,
            )
        raise InvitationError(
            f"The invitation of {invitation.email} was already revoked.",
            reason="revoked",
            status=409,
        )
    invitation.refresh_from_db()
