"""The scoping primitive answers who may see and change which client."""

from __future__ import annotations

from clients.models import Client, Contact, Membership
from portal.scoping import Scope


def member_scope(user) -> Scope:  # type: ignore[no-untyped-def]
    memberships = list(Membership.objects.filter(user=user).select_related("agency"))
    return Scope.for_member(user, memberships[0] if memberships else None, memberships)


def names(qs) -> set[str]:  # type: ignore[no-untyped-def]
    return set(qs.values_list("name", flat=True))


def test_owner_and_manager_see_every_client_of_their_agency_only(cast):
    everything = {"Acme Foods", "Blue Air", "Cobalt Bank"}
    for user in (cast.owner, cast.manager):
        scope = member_scope(user)
        assert names(Client.objects.within(scope)) == everything
        assert names(Client.objects.within(scope, write=True)) == everything


def test_assigned_staff_see_their_client_and_write_only_with_change_access(cast):
    assert names(Client.objects.within(member_scope(cast.staff), write=True)) == {"Acme Foods"}
    readonly = member_scope(cast.readonly_staff)
    assert names(Client.objects.within(readonly)) == {"Acme Foods"}
    assert not Client.objects.within(readonly, write=True).exists()


def test_unassigned_staff_see_no_client(cast):
    assert not Client.objects.within(member_scope(cast.unassigned_staff)).exists()


def test_other_agency_sees_none_of_ours(cast):
    scope = member_scope(cast.outsider)
    assert names(Client.objects.within(scope)) == {"Rival Client"}
    assert not Contact.objects.within(scope).filter(client=cast.client).exists()


def test_client_contact_reads_their_client_in_the_portal_and_writes_nothing(cast):
    scope = Scope.for_portal(cast.contact_user)
    assert names(Client.objects.within(scope)) == {"Acme Foods"}
    assert not Client.objects.within(scope, write=True).exists()
    assert not Membership.objects.within(scope).exists()


def test_a_client_contact_is_no_agency_member(cast):
    assert not member_scope(cast.contact_user).is_member


def test_anonymous_sees_nothing(cast):
    assert not Client.objects.within(Scope.anonymous()).exists()
