"""The one scoping primitive: what an actor may see and change.

Every view, form choice, export, API view and task asks a `Scope` which clients it
may read or write, and every tenant model's manager answers `.within(scope)`:

    Contact.objects.within(request.scope)              # what this person may see
    Contact.objects.within(request.scope, write=True)  # what this person may change

Models say how they hang off the tenant with a `scope_spec`: the lookup path to their
Client (most models), or to their Agency (agency-level records such as memberships),
and what of them a client contact may see in the read-only portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from clients.models import Agency, Client, Membership
    from portal.models import User

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class ScopeSpec:
    """How a model is reached from its tenant.

    client_path: lookup from the model to its Client ("pk" for Client itself); None for
        models that belong to the agency as a whole, reached through `agency_path`.
    portal: what a client contact may see of it (a Q), or None for nothing at all.
    """

    client_path: str | None = "client"
    agency_path: str = "agency"
    portal: Q | None = None


DEFAULT_SPEC = ScopeSpec()
MANAGER_ROLES = frozenset({"owner", "manager"})


@dataclass
class Scope:
    """Who is asking and within which tenant; built once per request (or per API key).

    kind: "member" (agency staff UI), "portal" (a client contact, read-only, sees only
    what is marked for clients), "api" (an integration key) or "anonymous".
    """

    kind: str
    user: User | None = None
    agency: Agency | None = None
    role: str | None = None
    read_only: bool = False
    only_client_id: int | None = None
    memberships: list[Membership] = field(default_factory=list)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def anonymous(cls) -> Scope:
        return cls(kind="anonymous")

    @classmethod
    def for_member(
        cls, user: User, membership: Membership | None, memberships: list[Membership]
    ) -> Scope:
        if membership is None:
            return cls(kind="member", user=user, memberships=memberships)
        return cls(
            kind="member",
            user=user,
            agency=membership.agency,
            role=membership.role,
            memberships=memberships,
        )

    @classmethod
    def for_portal(cls, user: User) -> Scope:
        return cls(kind="portal", user=user, read_only=True)

    # -- questions ----------------------------------------------------------------------
    @property
    def is_member(self) -> bool:
        return self.kind == "member" and self.agency is not None

    @property
    def is_owner(self) -> bool:
        return self.is_member and self.role == "owner"

    @property
    def is_manager(self) -> bool:
        """Owner or manager: sees and changes every client of the agency."""
        return self.is_member and self.role in MANAGER_ROLES

    @property
    def is_portal(self) -> bool:
        return self.kind == "portal"

    def clients(self, *, write: bool = False) -> models.QuerySet[Client]:
        """The clients this actor may read (or, with write=True, change)."""
        return self._write_clients if write else self._read_clients

    def can_write(self, client: Client) -> bool:
        return self._write_clients.filter(pk=client.pk).exists()

    @cached_property
    def _read_clients(self) -> models.QuerySet[Client]:
        return self._clients(write=False)

    @cached_property
    def _write_clients(self) -> models.QuerySet[Client]:
        return self._clients(write=True)

    def _clients(self, *, write: bool) -> models.QuerySet[Client]:
        from guardian.shortcuts import get_objects_for_user

        from clients.models import Client

        none = Client.objects.none()
        # An API key acts for its agency, not for a person: its scope has no user (its
        # creator may have left) and is never widened or narrowed by one.
        if self.kind == "anonymous" or (self.user is None and self.kind != "api"):
            return none
        if self.kind == "portal":
            if write:
                return none
            return Client.objects.filter(portal_accesses__user=self.user)
        if self.agency is None or (write and self.read_only):
            return none
        in_agency = Client.objects.filter(agency=self.agency)
        if self.only_client_id is not None:
            in_agency = in_agency.filter(pk=self.only_client_id)
        if self.kind == "api" or self.role in MANAGER_ROLES:
            return in_agency
        perm = "clients.change_client" if write else "clients.view_client"
        assigned = get_objects_for_user(
            self.user, perm, klass=in_agency, accept_global_perms=False, with_superuser=False
        )
        # A plain id subquery keeps guardian's joins out of every caller's query.
        return Client.objects.filter(pk__in=assigned.values("pk"))


class ScopedQuerySet(models.QuerySet[_M]):
    """The QuerySet of every tenant model; `.within(scope)` is the only way views read."""

    def within(self, scope: Scope, *, write: bool = False) -> ScopedQuerySet[_M]:
        spec: ScopeSpec = getattr(self.model, "scope_spec", DEFAULT_SPEC)
        if spec.client_path is None:
            # Agency-level records: members see their agency's; managing them is for
            # owners and managers (views ask for the finer role).
            if not scope.is_member or (write and not scope.is_manager):
                return self.none()
            return self.filter(**{spec.agency_path: scope.agency})
        qs = self.filter(**{f"{spec.client_path}__in": scope.clients(write=write)})
        if scope.is_portal:
            if spec.portal is None:
                return qs.none()
            qs = qs.filter(spec.portal)
        return qs


def scoped_lookup_error(model: type[models.Model]) -> str:
    name = model._meta.verbose_name
    return (
        f"That {name} does not exist in your agency, or you cannot use it. "
        f"Choose a {name} from the list."
    )


def restrict_form_choices(form: Any, scope: Scope) -> None:
    """Limit every model choice of a form to what the scope may change, with a clear
    message when a submitted value names an object of another tenant."""
    from django.forms import ModelChoiceField

    for bound in form.fields.values():
        if isinstance(bound, ModelChoiceField):
            qs = bound.queryset
            if qs is not None and isinstance(qs, ScopedQuerySet):
                bound.queryset = qs.within(scope, write=True)
                bound.error_messages["invalid_choice"] = scoped_lookup_error(qs.model)
                bound.error_messages["invalid_pk_value"] = scoped_lookup_error(qs.model)
