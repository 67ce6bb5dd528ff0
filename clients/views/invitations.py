"""The page an invitation email links to. The token in the URL is the credential, so the
page is public; what it offers depends on who opens it:

- signed out, no account with the invited email: a sign-up form (the email is fixed);
- signed out, an account exists: "log in to accept" (then back here);
- signed in as the invited email: an Accept button;
- signed in as someone else: a clear message and a way to log out.

Unknown links are a 404 page; expired, used and revoked ones a 410 page saying which.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from clients.agency_forms import InvitationSignUpForm
from clients.invitations import InvitationError, invitation_accept, invitation_lookup
from clients.models import Invitation, InvitationKind, Membership, PortalAccess
from portal.http import PortalRequest
from portal.middleware import SESSION_AGENCY_KEY
from portal.models import User
from portal.views.base import PublicView

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class InvitationAcceptView(PublicView):
    http_method_names = ["get", "head", "post"]
    template_name = "invitations/accept.html"
    invitation: Invitation

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            self.invitation = invitation_lookup(token=kwargs["token"])
        except InvitationError as e:
            return unusable(request, e)
        return super().dispatch(request, *args, **kwargs)

    # -- what the visitor may do ----------------------------------------------------------
    def mode(self) -> str:
        user = cast(PortalRequest, self.request).user
        if user.is_authenticated:
            return "accept" if user.email.lower() == self.invitation.email.lower() else "wrong_user"
        if User.objects.filter(email__iexact=self.invitation.email).exists():
            return "login"
        return "signup"

    def page(self, *, form: InvitationSignUpForm | None = None, status: int = 200) -> HttpResponse:
        mode = self.mode()
        if mode == "signup" and form is None:
            form = InvitationSignUpForm(email=self.invitation.email)
        login_url = reverse("accounts:login") + "?" + urlencode({"next": self.request.path})
        context = {
            "invitation": self.invitation,
            "mode": mode,
            "form": form,
            "login_url": login_url,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.page()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token: str = kwargs["token"]
        mode = self.mode()
        if mode == "login":
            return redirect(reverse("accounts:login") + "?" + urlencode({"next": request.path}))
        if mode == "wrong_user":
            return self.page(status=403)
        if mode == "accept":
            try:
                result = invitation_accept(token=token, user=cast(PortalRequest, request).user)
            except InvitationError as e:
                return unusable(request, e)
            return self.accepted(result)

        form = InvitationSignUpForm(request.POST, email=self.invitation.email)
        if not form.is_valid():
            return self.page(form=form)
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=self.invitation.email,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                )
                result = invitation_accept(token=token, user=user)
        except IntegrityError:
            # The account was created in the meantime (another tab, another invitation).
            return redirect(reverse("accounts:login") + "?" + urlencode({"next": request.path}))
        except InvitationError as e:
            return unusable(request, e)
        login(request, user, backend=LOGIN_BACKEND)
        return self.accepted(result)

    def accepted(self, result: Membership | PortalAccess) -> HttpResponse:
        if isinstance(result, Membership):
            # Land in the agency just joined, whatever agency was current before.
            self.request.session[SESSION_AGENCY_KEY] = str(result.agency.public_id)
            messages.success(
                self.request,
                f"Welcome to {result.agency.name}. You joined as "
                f"{result.get_role_display().lower()}.",
            )
            return redirect("portal:dashboard")
        messages.success(
            self.request, f"Welcome. You can now follow {result.client.name} in your portal."
        )
        return redirect("clientportal:home")


def unusable(request: HttpRequest, error: InvitationError) -> HttpResponse:
    return render(
        request,
        "invitations/unusable.html",
        {"error": error, "reason": error.reason, "kinds": InvitationKind},
        status=error.status,
    )
