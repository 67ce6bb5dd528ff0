"""Agency administration: members and their roles, pending invitations, agency settings
and logo, and per client the staff assigned to it and its contacts' portal access.

Owners manage members and settings; owners and managers manage client teams and portal
access (and revoke the contact invitations they see). Every object named in a URL is
looked up within the request's scope, so another agency's member, invitation or portal
access is a 404. Each change leaves a message saying what happened.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import FormView, TemplateView, UpdateView

from clients.agency_forms import (
    AgencySettingsForm,
    ClientAssignForm,
    MemberInviteForm,
    MemberRoleForm,
    PortalInviteForm,
)
from clients.invitations import InvitationError, invitation_create, invitation_revoke
from clients.logo import logo_response
from clients.membership_services import (
    MembershipError,
    membership_change_role,
    membership_remove,
    portal_access_revoke,
)
from clients.models import (
    Agency,
    Invitation,
    InvitationKind,
    Membership,
    PortalAccess,
    Role,
)
from clients.services import assign_staff, client_team, unassign_staff
from portal.http import PortalRequest, safe_next
from portal.views.base import ClientView, MemberView


def _req(request: HttpRequest) -> PortalRequest:
    return cast(PortalRequest, request)


def _agency(view: MemberView) -> Agency:
    agency = view.scope.agency
    assert agency is not None  # MemberView lets only members of an agency in
    return agency


def pending_invitations(qs: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """Invitations not yet used or withdrawn (expired ones included, marked as such)."""
    return qs.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "client", "invited_by"
    )


# -- members ---------------------------------------------------------------------------


class _Members:
    """The agency's memberships as the scope allows (mixed into MemberView)."""

    def memberships(self) -> QuerySet[Membership]:
        view = cast(MemberView, self)
        return Membership.objects.within(view.scope).select_related("user")

    def owner_count(self) -> int:
        return self.memberships().filter(role=Role.OWNER).count()


class MembersView(_Members, MemberView, TemplateView):
    required_role = "manager"
    template_name = "agency/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["members"] = self.memberships().order_by("user__full_name", "user__email")
        context["owner_count"] = self.owner_count()
        context["role_choices"] = Role.choices
        context["invitations"] = pending_invitations(Invitation.objects.within(self.scope))
        return context


class MemberInviteView(MemberView, FormView[MemberInviteForm]):
    required_role = "owner"
    form_class = MemberInviteForm
    template_name = "agency/member_invite.html"

    def form_valid(self, form: MemberInviteForm) -> HttpResponse:
        try:
            invitation, _token = invitation_create(
                agency=_agency(self),
                kind=InvitationKind.MEMBER,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=_req(self.request).user,
            )
        except InvitationError as e:
            form.add_error(None, e.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation sent to {invitation.email} as {invitation.get_role_display().lower()}. "
            f"The link works once and expires in {_ttl_text(invitation)}.",
        )
        return redirect("agency:members")


def _ttl_text(invitation: Invitation) -> str:
    hours = round((invitation.expires_at - invitation.created_at).total_seconds() / 3600)
    return f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"


class MemberRoleView(_Members, MemberView):
    """POST role=…: change a member's role. For htmx, answers with the member's row
    (and the messages, out of band); otherwise redirects to the members page."""

    required_role = "owner"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        req = _req(request)
        membership = get_object_or_404(
            Membership.objects.within(req.scope, write=True).select_related("user"),
            public_id=kwargs["pk"],
        )
        form = MemberRoleForm(request.POST, scope=req.scope)
        if not form.is_valid():
            messages.error(request, "Choose a role: owner, manager or staff.")
        else:
            old = membership.get_role_display()
            try:
                membership = membership_change_role(
                    membership=membership, role=form.cleaned_data["role"], by=req.user
                )
            except MembershipError as e:
                messages.error(request, e.message)
            else:
                new = membership.get_role_display()
                if old != new:
                    messages.success(
                        request, f"{membership.user.display_name} is now {new.lower()} (was {old})."
                    )
                if membership.user_id == req.user.pk and old != new:
                    # Their own role changed: the page they are on may no longer be theirs.
                    return _redirect(req, reverse("portal:dashboard"))
        if req.htmx:
            return render(
                request,
                "agency/_member_row_response.html",
                {"m": membership, "owner_count": self.owner_count(), "role_choices": Role.choices},
            )
        return redirect("agency:members")


def _redirect(request: PortalRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class MemberRemoveView(_Members, MemberView, TemplateView):
    required_role = "owner"
    template_name = "agency/member_remove.html"

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.membership = get_object_or_404(
            Membership.objects.within(request.scope, write=True).select_related("user"),
            public_id=kwargs["pk"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        m = self.membership
        context["m"] = m
        context["is_last_owner"] = m.role == Role.OWNER and self.owner_count() == 1
        context["is_self"] = m.user_id == _req(self.request).user.pk
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        req = _req(request)
        m = self.membership
        try:
            membership_remove(membership=m, by=req.user)
        except MembershipError as e:
            messages.error(request, e.message)
            return redirect("agency:members")
        agency = _agency(self)
        if m.user_id == req.user.pk:
            messages.success(request, f"You left {agency.name}.")
            return redirect("portal:dashboard")
        messages.success(
            request,
            f"{m.user.display_name} was removed from {agency.name}, with their client assignments.",
        )
        return redirect("agency:members")


# -- invitations -------------------------------------------------------------------------


class InvitationRevokeView(MemberView):
    """POST: withdraw a pending invitation. Owners revoke any; managers the invitations of
    client contacts (member invitations decide who runs the agency: owners only)."""

    required_role = "manager"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        req = _req(request)
        invitation = get_object_or_404(
            Invitation.objects.within(req.scope, write=True), public_id=kwargs["pk"]
        )
        back = safe_next(req, reverse("agency:members"))
        if invitation.kind == InvitationKind.MEMBER and not req.scope.is_owner:
            messages.error(request, "Only the agency's owners can withdraw member invitations.")
            return HttpResponseRedirect(back)
        try:
            invitation_revoke(invitation=invitation, by=req.user)
        except InvitationError as e:
            messages.error(request, e.message)
        else:
            messages.success(
                request,
                f"The invitation of {invitation.email} was revoked; its link no longer works.",
            )
        return HttpResponseRedirect(back)


# -- settings and logo ---------------------------------------------------------------------


class AgencySettingsView(MemberView, UpdateView[Agency, AgencySettingsForm]):
    required_role = "owner"
    form_class = AgencySettingsForm
    template_name = "agency/settings.html"

    def get_object(self, queryset: QuerySet[Agency] | None = None) -> Agency:
        # The current agency, fresh: the scope's copy is shared with the rest of the request.
        return Agency.objects.get(pk=_agency(self).pk)

    def form_valid(self, form: AgencySettingsForm) -> HttpResponse:
        old_logo = Agency.objects.get(pk=form.instance.pk).logo
        agency = form.save()
        old_name = old_logo.name or ""
        if old_name and old_name != agency.logo.name:
            storage = old_logo.storage
            transaction.on_commit(lambda: storage.delete(old_name))
        messages.success(self.request, "Agency settings saved.")
        return redirect("agency:settings")


class AgencyLogoView(MemberView):
    """The current agency's logo, served through the view (media is never served
    directly, so one agency cannot fetch another's files by guessing names)."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return logo_response(Agency.objects.get(pk=_agency(self).pk))


# -- client team and portal access ---------------------------------------------------------


class _ClientTeam(ClientView):
    """Staff assignments and portal access of one client (owners and managers)."""

    required_role = "manager"

    def team_context(
        self,
        *,
        assign_form: ClientAssignForm | None = None,
        invite_form: PortalInviteForm | None = None,
    ) -> dict[str, Any]:
        scope = self.scope
        team = client_team(client=self.client)
        return {
            "client": self.client,
            "can_write": self.can_write,
            "managers": [m for m in team if m.access == "all clients"],
            "assigned": [m for m in team if m.access != "all clients"],
            "assign_form": assign_form or ClientAssignForm(scope=scope, client=self.client),
            "invite_form": invite_form or PortalInviteForm(scope=scope, client=self.client),
            "accesses": PortalAccess.objects.within(scope)
            .filter(client=self.client)
            .select_related("user", "granted_by"),
            "invitations": pending_invitations(
                Invitation.objects.within(scope).filter(
                    client=self.client, kind=InvitationKind.CONTACT
                )
            ),
        }

    def render_team(self, status: int = 200, **forms: Any) -> HttpResponse:
        return render(
            self.request, "agency/client_team.html", self.team_context(**forms), status=status
        )

    def back(self) -> HttpResponse:
        return redirect("agency:client_team", client=self.client.public_id)


class ClientTeamView(_ClientTeam, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_team()


class ClientAssignView(_ClientTeam):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ClientAssignForm(request.POST, scope=self.scope, client=self.client)
        if not form.is_valid():
            return self.render_team(assign_form=form)
        user = form.cleaned_data["user"]
        assign_staff(client=self.client, user=user, write=form.write)
        access = "read and write" if form.write else "read only"
        messages.success(
            request, f"{user.display_name} now works on {self.client.name} ({access})."
        )
        return self.back()


class ClientUnassignView(_ClientTeam):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = get_object_or_404(
            Membership.objects.within(self.scope, write=True).select_related("user"),
            user__public_id=kwargs["user"],
        )
        unassign_staff(client=self.client, user=membership.user)
        messages.success(
            request, f"{membership.user.display_name} no longer works on {self.client.name}."
        )
        return self.back()


class PortalInviteView(_ClientTeam):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        req = _req(request)
        form = PortalInviteForm(request.POST, scope=self.scope, client=self.client)
        if not form.is_valid():
            return self.render_team(invite_form=form)
        try:
            invitation, _token = invitation_create(
                agency=self.client.agency,
                kind=InvitationKind.CONTACT,
                email=form.cleaned_data["email"],
                client=self.client,
                by=req.user,
            )
        except InvitationError as e:
            form.add_error("email", e.message)
            return self.render_team(invite_form=form)
        messages.success(
            request,
            f"Invitation to {self.client.name}'s portal sent to {invitation.email}. "
            f"The link works once and expires in {_ttl_text(invitation)}.",
        )
        return self.back()


class PortalRevokeView(_ClientTeam):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access = get_object_or_404(
            PortalAccess.objects.within(self.scope, write=True)
            .filter(client=self.client)
            .select_related("user"),
            public_id=kwargs["pk"],
        )
        portal_access_revoke(access=access, by=_req(request).user)
        messages.success(
            request, f"{access.user.display_name} can no longer see {self.client.name}'s portal."
        )
        return self.back()
