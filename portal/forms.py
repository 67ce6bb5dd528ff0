"""Forms of the portal app: login and password reset (email goes through the worker)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from clients.forms import LabelsWithoutColon
from portal.mail import queue_email


class EmailAuthenticationForm(LabelsWithoutColon, AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class PortalPasswordChangeForm(LabelsWithoutColon, PasswordChangeForm):
    pass


class PortalSetPasswordForm(LabelsWithoutColon, SetPasswordForm):  # type: ignore[type-arg]
    pass


class QueuedPasswordResetForm(LabelsWithoutColon, PasswordResetForm):
    """Django's reset form, but the email is rendered here and sent by a Celery task."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template.loader import render_to_string

        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        queue_email(to=[to_email], subject=subject, template=email_template_name, context=context)
