"""Log in, log out, password change and reset: Django's views with our forms."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from portal.forms import (
    EmailAuthenticationForm,
    PortalPasswordChangeForm,
    PortalSetPasswordForm,
    QueuedPasswordResetForm,
)
from portal.views.base import PublicView, SignedInView


class LoginView(PublicView, auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(PublicView, auth_views.LogoutView):
    pass


class PasswordChangeView(SignedInView, auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(SignedInView, auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(PublicView, auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(PublicView, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(PublicView, auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(PublicView, auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
