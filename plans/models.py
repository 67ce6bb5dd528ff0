"""Prevention (guide I.B, I.C, IV.A, V.B, V.C): a client's crisis plan kept as immutable
revisions with its scenarios and playbooks, the risk register with its change history,
and crisis drills (exercises) and training records.

A revision is editable only while it is a draft; the services in plans/services.py are
the only writers and refuse anything else. Sections of a plan that are lists (escalation
levels, crisis team, key messages, statement templates) are stored as JSON validated by
the forms of plans/forms.py; scenarios and playbook steps are rows, because monitoring
suggests scenarios by their trigger terms and incidents seed tasks from their steps.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Client
from portal.durations import format_duration
from portal.scoping import ScopedQuerySet, ScopeSpec


class CrisisPlan(models.Model):
    """The one crisis plan of a client; its content lives in its revisions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="crisis_plan")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_crisis_plans",
        help_text="Reminded when the plan is due for review.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        "review every (days)",
        default=180,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="Approving a revision sets the next review this many days later.",
    )
    next_review_date = models.DateField()
    # The day the last review reminder went out: the reminder task claims a plan for
    # today with a compare-and-set on this field, so a second run sends nothing.
    last_review_reminder_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(portal=Q())

    class Meta:
        ordering = ["client__name"]

    def __str__(self) -> str:
        return f"Crisis plan of {self.client}"

    @property
    def approved_revision(self) -> PlanRevision | None:
        return self.revisions.filter(status=RevisionStatus.APPROVED).first()

    @property
    def open_revision(self) -> PlanRevision | None:
        """The draft or in-review revision, if one is being worked on."""
        return self.revisions.filter(status__in=OPEN_STATUSES).first()

    def review_overdue(self, today: Any = None) -> bool:
        return self.next_review_date < (today or timezone.localdate())


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW)


class PlanRevision(models.Model):
    """One version of a crisis plan. Immutable once it leaves the draft status."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(CrisisPlan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_summary = models.TextField(
        "what changed", blank=True, help_text="A line or two for the reviewers."
    )
    # Sections of the plan (guide I.B, IV.A).
    objectives = models.TextField(blank=True)
    plan_scope = models.TextField("scope", blank=True)
    escalation_levels = models.JSONField(default=list, blank=True)
    team_roles = models.JSONField(default=list, blank=True)
    channels = models.TextField("communication channels", blank=True)
    approval_chain = models.TextField("approval chain for public statements", blank=True)
    key_messages = models.JSONField(default=list, blank=True)
    statement_templates = models.JSONField(default=list, blank=True)
    monitoring_notes = models.TextField(blank=True)
    internal_notes = models.TextField(
        blank=True, help_text="For the agency only; never shown to client contacts."
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Client contacts see the plan in force and the ones it replaced, never a draft.
    scope_spec = ScopeSpec(
        client_path="plan__client",
        portal=Q(status__in=[RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED]),
    )

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="revision_number_per_plan"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_revision_per_plan",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="approved"),
                name="one_approved_revision_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} ({self.get_status_display().lower()})"

    @property
    def client(self) -> Client:
        return self.plan.client

    @property
    def is_draft(self) -> bool:
        return self.status == RevisionStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Scenario(models.Model):
    """A crisis scenario of a plan revision (guide I.C), with its playbook."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    revision = models.ForeignKey(PlanRevision, on_delete=models.CASCADE, related_name="scenarios")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    trigger_terms = models.TextField(
        blank=True,
        help_text="Comma-separated words or phrases; monitoring suggests this scenario "
        "when mentions contain them.",
    )
    risks: models.ManyToManyField[Risk, Any] = models.ManyToManyField(
        "Risk", blank=True, related_name="scenarios"
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="revision__plan__client",
        portal=Q(revision__status__in=[RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED]),
    )

    class Meta:
        ordering = ["revision", "position", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def trigger_term_list(self) -> list[str]:
        return [t.strip() for t in self.trigger_terms.split(",") if t.strip()]


def format_offset(minutes: int) -> str:
    """120 -> "+2 h", 90 -> "+1 h 30 min", 1440 -> "+1 d"."""
    if minutes == 0:
        return "at opening"
    return "+" + format_duration(minutes)


class PlaybookStep(models.Model):
    """One step of a scenario's playbook: what to do, who does it, by when."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=300)
    owner_role = models.CharField(max_length=80, blank=True)
    due_offset_minutes = models.PositiveIntegerField(
        default=0, help_text="Minutes after the incident is opened."
    )
    client_visible = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="scenario__revision__plan__client",
        portal=Q(
            client_visible=True,
            scenario__revision__status__in=[RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED],
        ),
    )

    class Meta:
        ordering = ["scenario", "position", "due_offset_minutes"]

    def __str__(self) -> str:
        return f"{self.due_label}: {self.action}"

    @property
    def due_label(self) -> str:
        return format_offset(self.due_offset_minutes)


# -- risk register (guide I.C) ---------------------------------------------------------


class RiskCategory(models.TextChoices):
    PRODUCT_QUALITY = "product_quality", "Product quality"
    CONTROVERSY = "controversy", "Controversy"
    COMMUNICATION_ERROR = "communication_error", "Communication error"
    CYBER_ATTACK = "cyber_attack", "Cyber-attack"
    OPERATIONAL = "operational", "Operational"
    LEGAL = "legal", "Legal or regulatory"
    EXECUTIVE_CONDUCT = "executive_conduct", "Executive conduct"
    CUSTOMER_SERVICE = "customer_service", "Customer complaints"
    SAFETY = "safety", "Health and safety"
    OTHER = "other", "Other"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


SCALE = [(n, str(n)) for n in range(1, 6)]
LIKELIHOOD_CHOICES = [
    (1, "1 — Rare"),
    (2, "2 — Unlikely"),
    (3, "3 — Possible"),
    (4, "4 — Likely"),
    (5, "5 — Almost certain"),
]
IMPACT_CHOICES = [
    (1, "1 — Negligible"),
    (2, "2 — Minor"),
    (3, "3 — Moderate"),
    (4, "4 — Major"),
    (5, "5 — Severe"),
]


class Risk(models.Model):
    """A risk of the client's register. Changes go through plans.services.risk_update,
    which writes the history (RiskChange)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=32, choices=RiskCategory.choices)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(
        choices=LIKELIHOOD_CHOICES, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        choices=IMPACT_CHOICES, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Stored (likelihood × impact) so that lists sort and filter on it in the database.
    score = models.PositiveSmallIntegerField(editable=False, default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_risks",
    )
    mitigations = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    review_date = models.DateField(null=True, blank=True)
    internal_notes = models.TextField(
        blank=True, help_text="For the agency only; never shown to client contacts."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    # Client contacts see their register (internal notes are left out by the portal
    # templates, not by this filter).
    scope_spec = ScopeSpec(portal=Q())

    class Meta:
        ordering = ["-score", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scale_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.score = self.likelihood * self.impact
        super().save(*args, **kwargs)

    @property
    def level(self) -> str:
        """low / medium / high / critical, the bands of the heat map."""
        from portal.charts.heatmap import score_band

        return score_band(self.score)


class RiskChange(models.Model):
    """One changed field of a risk: who, when, from what, to what."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=64)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path="risk__client", portal=None)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk}: {self.field}"


# -- drills and training (guide V.C) -------------------------------------------------------


class ExerciseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Exercise(models.Model):
    """A crisis drill: a scenario rehearsed by the team at a given time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="exercises")
    title = models.CharField(max_length=200)
    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="exercises"
    )
    scheduled_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ExerciseStatus.choices, default=ExerciseStatus.PLANNED
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participants = models.TextField(blank=True, help_text="One person per line or comma-separated.")
    objectives = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="0–100: how well the team met the objectives.",
    )
    lessons_learned = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(portal=None)

    class Meta:
        ordering = ["-scheduled_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def participant_list(self) -> list[str]:
        import re

        return [p.strip() for p in re.split(r"[,\n]", self.participants) if p.strip()]


class TrainingKind(models.TextChoices):
    DRILL = "drill", "Crisis simulation"
    MEDIA = "media", "Media / spokesperson training"
    SOCIAL = "social", "Social media trends"
    AWARENESS = "awareness", "Crisis awareness session"
    OTHER = "other", "Other"


class TrainingRecord(models.Model):
    """Who was trained on what, when (guide V.C)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="training_records")
    person = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=TrainingKind.choices, default=TrainingKind.OTHER)
    topic = models.CharField("what", max_length=200)
    completed_on = models.DateField("when")
    exercise = models.ForeignKey(
        Exercise,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_records",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(portal=None)

    class Meta:
        ordering = ["person", "-completed_on"]

    def __str__(self) -> str:
        return f"{self.person}: {self.topic}"
