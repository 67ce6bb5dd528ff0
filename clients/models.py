"""Tenancy: agencies (the tenants), their members, clients, client contacts' portal access,
stakeholder contacts and invitations."""

from __future__ import annotations

import hashlib
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.scoping import ScopedQuerySet, ScopeSpec


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/Paris.")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


class Agency(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    logo = models.ImageField(upload_to="logos/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    STAFF = "staff", "Staff"


class Membership(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path=None)

    class Meta:
        ordering = ["agency", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="one_membership_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.agency}"


class Client(models.Model):
    """A client brand of an agency. Staff see a client when assigned to it, as
    django-guardian object permissions (`view_client`, `change_client`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=120)
    industry = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path="pk", portal=Q())

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="client_name_unique_in_agency")
        ]

    def __str__(self) -> str:
        return self.name


class PortalAccess(models.Model):
    """A client contact's read-only access to one client's portal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_accesses"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    class Meta:
        verbose_name_plural = "portal accesses"
        ordering = ["client", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["client", "user"], name="one_portal_access_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"


class ContactKind(models.TextChoices):
    INTERNAL = "internal", "Internal"
    MEDIA = "media", "Media"
    INFLUENCER = "influencer", "Influencer"
    PARTNER = "partner", "Partner"
    REGULATOR = "regulator", "Regulator"
    CUSTOMER = "customer", "Customer"


SEVERITY_CHOICES = [
    (1, "1 — Minor"),
    (2, "2 — Moderate"),
    (3, "3 — Major"),
    (4, "4 — Critical"),
]


class Contact(models.Model):
    """A stakeholder to inform during a crisis (guide II.A, IV.B)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=ContactKind.choices, default=ContactKind.MEDIA)
    organisation = models.CharField(max_length=150, blank=True)
    role = models.CharField("role or title", max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    social_handles = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated, e.g. @jane, linkedin.com/in/jane"
    )
    reach = models.PositiveIntegerField(
        "audience reach", null=True, blank=True, help_text="Followers, readers or subscribers."
    )
    notify_from_severity = models.PositiveSmallIntegerField(
        "notify from severity",
        choices=SEVERITY_CHOICES,
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="The lowest incident severity at which this contact must be informed.",
    )
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    # Client contacts see their client's stakeholder list (notes are left out by the
    # portal templates, not by this filter).
    scope_spec = ScopeSpec(portal=Q())

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"],
                condition=~Q(email=""),
                name="contact_email_unique_per_client",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    @property
    def handle_list(self) -> list[str]:
        return [h.strip() for h in self.social_handles.split(",") if h.strip()]


class InvitationKind(models.TextChoices):
    MEMBER = "member", "Agency member"
    CONTACT = "contact", "Client contact"


class Invitation(models.Model):
    """An emailed, expiring, single-use invitation. Only a hash of the token is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=16, choices=InvitationKind.choices)
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path=None)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="member") & ~Q(role="") & Q(client__isnull=True))
                | (Q(kind="contact") & Q(role="") & Q(client__isnull=False)),
                name="invitation_kind_matches_target",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.agency}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
