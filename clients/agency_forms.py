"""Forms of agency administration: inviting members and client contacts, roles, staff
assignments, agency settings (name, time zone, logo).

Every form takes the request's scope; choices of people come from the agency's own
memberships (`Membership.objects.within(scope)`), so a user of another agency is refused
with a clear message rather than silently accepted.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse_lazy

from clients.forms import PortalForm, ScopedModelForm
from clients.models import Agency, Client, Membership, PortalAccess, Role, time_zone_choices
from portal.models import User
from portal.scoping import Scope

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_SIDE = 4096
# Pillow format name → (file extension, content type). SVG is deliberately absent: it is
# a document that can carry script, not a picture.
LOGO_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
LOGO_CONTENT_TYPES = dict(LOGO_FORMATS.values())


class ScopedForm(PortalForm):
    """A plain form that, like ScopedModelForm, is given the request's scope."""

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope


class MemberInviteForm(ScopedForm):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off", "autofocus": True})
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.STAFF,
        help_text="Owners manage members and settings; managers see and change every client; "
        "staff see only the clients they are assigned to.",
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        members = Membership.objects.within(self.scope).filter(user__email__iexact=email)
        if members.exists():
            agency = self.scope.agency
            raise forms.ValidationError(f"{email} is already a member of {agency}.")
        return email


class MemberRoleForm(ScopedForm):
    role = forms.ChoiceField(choices=Role.choices)


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class ClientAssignForm(ScopedForm):
    ACCESS_CHOICES = [("read-write", "Read and write"), ("read-only", "Read only")]

    user = StaffChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        label="Staff member",
        empty_label="Choose a staff member…",
    )
    access = forms.ChoiceField(choices=ACCESS_CHOICES, initial="read-write")

    def __init__(self, *args: Any, scope: Scope, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, scope=scope, **kwargs)
        self.client = client
        staff = Membership.objects.within(scope).filter(role=Role.STAFF)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=staff.values("user_id")).order_by(
            "full_name", "email"
        )
        # Owners and managers already see every client; only staff are assigned.
        field.error_messages["invalid_choice"] = (
            f"That person is not a staff member of {scope.agency}. Choose someone from the "
            "list: only your agency's staff can be assigned to its clients."
        )

    @property
    def write(self) -> bool:
        return bool(self.cleaned_data.get("access") == "read-write")


class PortalInviteForm(ScopedForm):
    email = forms.EmailField(
        label="Email of the client contact", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, scope: Scope, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, scope=scope, **kwargs)
        self.client = client

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        accesses = PortalAccess.objects.within(self.scope).filter(
            client=self.client, user__email__iexact=email
        )
        if accesses.exists():
            raise forms.ValidationError(
                f"{email} already has access to {self.client.name}'s portal."
            )
        return email


class LogoField(forms.ImageField):
    """A PNG, JPEG or WebP picture of at most 2 MB, checked by decoding it with Pillow
    (the name and the browser's content type prove nothing). Stored under a name we
    choose, with the extension of the format Pillow found."""

    default_error_messages = {
        "invalid_image": "That file is not a PNG, JPEG or WebP image (SVG is not accepted: "
        "it can carry script). Upload a picture file.",
    }

    def to_python(self, data: Any) -> Any:
        if isinstance(data, UploadedFile) and (data.size or 0) > MAX_LOGO_BYTES:
            raise forms.ValidationError(
                f"The logo is {(data.size or 0) / 1024 / 1024:.1f} MB; the limit is 2 MB."
            )
        f = super().to_python(data)
        if f is None:
            return None
        image = getattr(f, "image", None)
        fmt = getattr(image, "format", None)
        if fmt not in LOGO_FORMATS:
            raise forms.ValidationError(self.error_messages["invalid_image"], code="invalid_image")
        width, height = image.size  # type: ignore[union-attr]
        if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
            raise forms.ValidationError(
                f"The logo is {width}×{height} pixels; at most {MAX_LOGO_SIDE} on each side."
            )
        ext, content_type = LOGO_FORMATS[fmt]
        f.name = f"logo-{uuid.uuid4().hex}.{ext}"
        if isinstance(f, UploadedFile):
            f.content_type = content_type
        return f


class _CurrentLogo:
    """What the file input shows as the current logo: a link to the logo view (media
    files have no public URL)."""

    url = reverse_lazy("agency:logo")

    def __str__(self) -> str:
        return "current logo"


class LogoInput(forms.ClearableFileInput):
    clear_checkbox_label = "Remove the logo"
    initial_text = "Now"
    input_text = "Replace with"

    def format_value(self, value: Any) -> Any:
        return _CurrentLogo() if self.is_initial(value) else None


class AgencySettingsForm(ScopedModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="Times on pages, emails and reports are shown in this time zone.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone name such as Europe/Paris."
        },
    )
    logo = LogoField(
        required=False,
        help_text="PNG, JPEG or WebP, at most 2 MB. Used on reports (PDF) and pages.",
        widget=LogoInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Agency
        fields = ["name", "time_zone", "logo"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("The agency needs a name.")
        return name


class InvitationSignUpForm(PortalForm):
    """Create an account to accept an invitation. The email is the invitation's: the
    link went to that mailbox, which is what proves the address."""

    email = forms.EmailField(label="Email", disabled=True, required=False)
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = email
        self.fields["email"].initial = email

    def clean_full_name(self) -> str:
        name: str = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Tell your colleagues who you are.")
        return name

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth.password_validation import validate_password

        cleaned: dict[str, Any] = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ. Type the same password twice.")
        elif p1:
            candidate = User(email=self.invited_email, full_name=cleaned.get("full_name", ""))
            try:
                validate_password(p1, user=candidate)
            except forms.ValidationError as e:
                self.add_error("password1", e)
        return cleaned
