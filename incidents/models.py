"""Monitoring (the first step of an incident's life): sources, watch terms, mentions and
alerts per client (guide I.A, II.B). Incidents, timelines and post-mortems come later."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Agency, Client
from portal.scoping import ScopedQuerySet, ScopeSpec


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class MonitoringProfile(models.Model):
    """Per-client monitoring settings read by the spike detector."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="monitoring")
    influencer_reach = models.PositiveIntegerField(
        default=100_000,
        help_text="An author with at least this many followers raises an influencer alert.",
    )
    alert_emails = models.BooleanField(
        default=True, help_text="Email the client's team when an alert opens."
    )

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    def __str__(self) -> str:
        return f"Monitoring of {self.client}"


class SourceKind(models.TextChoices):
    FEED = "feed", "RSS / Atom / RDF / JSON Feed"
    MASTODON_TAG = "mastodon_tag", "Mastodon hashtag timeline"
    MASTODON_ACCOUNT = "mastodon_account", "Mastodon account timeline"
    PUSH = "push", "Inbound push (webhook from a listening tool)"


class Source(models.Model):
    """Where mentions come from. Polled sources carry their HTTP validators and health;
    push sources carry the secret their deliveries are signed with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.FEED)
    url = models.URLField(max_length=1000, blank=True)
    interval_minutes = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    enabled = models.BooleanField(default=True)
    push_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # HTTP validators for conditional GET.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    # A Mastodon account source's account id, looked up at its first poll and kept (the
    # lookup is a request of its own); cleared when the URL changes or the statuses
    # endpoint says 404, so the next poll looks the account up again.
    mastodon_account_id = models.CharField(max_length=100, blank=True, editable=False)
    # Health.
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # The per-source lock: set by a compare-and-set claim, cleared when the poll ends;
    # a claim older than the lock timeout is taken over (the worker died).
    polling_since = models.DateTimeField(null=True, blank=True, editable=False)
    mention_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="source_name_unique_per_client")
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_address = self._address()

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
        """Saving another address (URL or kind) forgets the looked-up Mastodon account
        id, so the next poll looks the account of the new address up."""
        if self.__dict__.get("mastodon_account_id") and self._address() != self._saved_address:
            self.mastodon_account_id = ""
            if update_fields is not None:
                update_fields = {*update_fields, "mastodon_account_id"}
        super().save(*args, update_fields=update_fields, **kwargs)
        self._saved_address = self._address()

    def _address(self) -> tuple[object, object]:
        # From __dict__: a deferred field is not loaded just to be compared.
        return self.__dict__.get("kind"), self.__dict__.get("url")

    @property
    def is_polled(self) -> bool:
        return self.kind != SourceKind.PUSH


class TermKind(models.TextChoices):
    BRAND = "brand", "Brand"
    PRODUCT = "product", "Product"
    PERSON = "person", "Person"
    HASHTAG = "hashtag", "Hashtag"
    NEGATIVE = "negative", "Negative keyword"


class MatchMode(models.TextChoices):
    WORD = "word", "Whole word"
    PHRASE = "phrase", "Phrase (anywhere)"


class WatchTerm(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="watch_terms")
    term = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=TermKind.choices, default=TermKind.BRAND)
    mode = models.CharField(max_length=8, choices=MatchMode.choices, default=MatchMode.WORD)
    high_priority = models.BooleanField(
        default=False, help_text="A mention matching this term raises a keyword alert."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["client", "term"], name="watch_term_unique_per_client")
        ]

    def __str__(self) -> str:
        return self.term


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class Triage(models.TextChoices):
    NEW = "new", "New"
    NEEDS_RESPONSE = "needs_response", "Needs response"
    RESPONDED = "responded", "Responded"
    IGNORED = "ignored", "Ignored"


class Mention(models.Model):
    """One post, article or comment about a client. Unique per (source, external id), so a
    re-poll, a retried task or a redelivered push never stores it twice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column indexes on client, source or published_at: the composite indexes
    # below start with client, the unique constraint with source, and every query by
    # time is per client. Every index is written on every insert; in SQLite, dropping
    # these three made inserting a batch of 100 mentions about a quarter cheaper.
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=200, blank=True)
    author_reach = models.PositiveBigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)  # safe plain text, never markup
    published_at = models.DateTimeField()
    fetched_at = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=16, blank=True)
    sentiment = models.FloatField(default=0.0)  # VADER compound, -1 … 1
    sentiment_label = models.CharField(
        max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    matched_terms = models.ManyToManyField(WatchTerm, blank=True, related_name="mentions")
    triage = models.CharField(max_length=16, choices=Triage.choices, default=Triage.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()  # internal: client contacts never see raw mentions

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="mention_unique_per_source"
            )
        ]
        indexes = [
            models.Index(fields=["client", "-published_at"], name="mention_client_time"),
            models.Index(fields=["client", "triage"], name="mention_client_triage"),
            models.Index(
                fields=["client", "sentiment_label", "published_at"], name="mention_client_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author or 'Unknown'}: {self.text[:60]}"


class AlertKind(models.TextChoices):
    VOLUME_SPIKE = "volume_spike", "Volume spike"
    NEGATIVE_SURGE = "negative_surge", "Negative surge"
    INFLUENCER = "influencer", "Influencer mention"
    KEYWORD = "keyword", "High-priority keyword"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISMISSED = "dismissed", "Dismissed"
    ESCALATED = "escalated", "Escalated"


class Alert(models.Model):
    """At most one open alert per (client, kind): a continuing surge updates it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    score = models.FloatField(default=0.0)
    severity = models.CharField(max_length=16, blank=True)
    explanation = models.TextField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observed = models.FloatField(default=0.0)
    expected = models.FloatField(default=0.0)
    mentions = models.ManyToManyField(Mention, blank=True, related_name="alerts")
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    update_count = models.PositiveIntegerField(default=0)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind"],
                condition=Q(status="open"),
                name="one_open_alert_per_kind_and_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client}"


class WebhookEndpoint(models.Model):
    """An agency's outgoing webhook: signed JSON events (alert raised, …) with retries."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=1000)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    events = models.JSONField(default=list, help_text="Event names, e.g. alert.raised.")
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # Why and when it was switched off (automatically after failures, or by whom).
    disabled_reason = models.CharField(max_length=600, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path=None)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One attempt log line per event delivery (the last response is kept)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField()
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path=None, agency_path="endpoint__agency")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


# -- incidents: the war room (guide II.A–D, III.A–C, IV.A–C) --------------------------------


class IncidentStatus(models.TextChoices):
    DETECTED = "detected", "Detected"
    ASSESSING = "assessing", "Assessing"
    RESPONDING = "responding", "Responding"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# The incidents "being handled": not yet resolved. The one definition behind every count
# and list of them (the dashboard, a client's overview, the incident list's filter), so
# those always agree; resolved and closed incidents are past ones.
BEING_HANDLED_STATUSES = (
    IncidentStatus.DETECTED,
    IncidentStatus.ASSESSING,
    IncidentStatus.RESPONDING,
    IncidentStatus.MONITORING,
)

INCIDENT_SEVERITIES = [(1, "1 — Minor"), (2, "2 — Moderate"), (3, "3 — Major"), (4, "4 — Critical")]


class Incident(models.Model):
    """A crisis being handled for a client, running the client's approved plan revision.
    Drills (`is_drill`) are never shown to client contacts and never notify anybody real."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    severity = models.PositiveSmallIntegerField(
        choices=INCIDENT_SEVERITIES,
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.DETECTED
    )
    is_drill = models.BooleanField(default=False)
    exercise = models.ForeignKey(
        "plans.Exercise", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    plan_revision = models.ForeignKey(
        "plans.PlanRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scenario = models.ForeignKey(
        "plans.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions = models.ManyToManyField(Mention, blank=True, related_name="incidents")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Milestones for response-time metrics (time to detect, acknowledge, hold, resolve).
    first_mention_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_statement_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The optional public statement page: off by default, reached by an unguessable slug.
    public_page_enabled = models.BooleanField(default=False)
    public_slug = models.CharField(max_length=64, default=new_secret, unique=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)  # bumped on every change

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(portal=Q(is_drill=False))

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["client", "status"], name="incident_client_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED


class IncidentRole(models.Model):
    """A crisis-team role of this incident (guide II.A), seeded from the plan's team."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=80)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_name = models.CharField(max_length=150, blank=True)  # as named in the plan
    deputy_name = models.CharField(max_length=150, blank=True)
    responsibilities = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path="incident__client")

    class Meta:
        ordering = ["incident", "position", "role"]

    def __str__(self) -> str:
        return self.role


class IncidentTask(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    owner_role = models.CharField(max_length=80, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_visible = models.BooleanField(default=False)
    playbook_step = models.ForeignKey(
        "plans.PlaybookStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="incident__client", portal=Q(client_visible=True, incident__is_drill=False)
    )

    class Meta:
        ordering = ["incident", "position", "due_at", "id"]

    def __str__(self) -> str:
        return self.title


class EntryKind(models.TextChoices):
    NOTE = "note", "Note"
    DECISION = "decision", "Decision"
    STATUS = "status", "Status change"
    SEVERITY = "severity", "Severity change"
    STATEMENT_DRAFTED = "statement_drafted", "Statement drafted"
    STATEMENT_APPROVED = "statement_approved", "Statement approved"
    STATEMENT_PUBLISHED = "statement_published", "Statement published"
    MENTION_ATTACHED = "mention_attached", "Mention attached"
    RESPONSE_SENT = "response_sent", "Response sent"
    TASK_DONE = "task_done", "Task done"
    STAKEHOLDER_NOTIFIED = "stakeholder_notified", "Stakeholder notified"
    MEETING = "meeting", "Meeting held"
    CORRECTION = "correction", "Correction"


class Visibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CLIENT = "client", "Client"


class TimelineEntry(models.Model):
    """Append-only: an entry is never edited or deleted; a correction is a new entry that
    references the one it corrects."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=24, choices=EntryKind.choices, default=EntryKind.NOTE)
    text = models.TextField(max_length=10_000)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    starred = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"from": "assessing", "to": …}

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="incident__client", portal=Q(visibility="client", incident__is_drill=False)
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["incident", "created_at"], name="timeline_incident_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Timeline entries are append-only: add a correction instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class StatementChannel(models.TextChoices):
    X = "x", "X / Twitter"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN = "linkedin", "LinkedIn"
    PRESS = "press", "Press release"
    WEBSITE = "website", "Website"
    INTERNAL = "internal", "Internal"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class Statement(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    channel = models.CharField(max_length=16, choices=StatementChannel.choices)
    body = models.TextField(max_length=20_000)
    is_holding = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="incident__client", portal=Q(status="published", incident__is_drill=False)
    )

    class Meta:
        ordering = ["incident", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} statement"


class ResponseStatus(models.TextChoices):
    DRAFTED = "drafted", "Drafted"
    SENT = "sent", "Sent"
    NO_RESPONSE = "no_response", "No response needed"


class MentionResponse(models.Model):
    """An individual reply to a mention (guide III.B, III.C)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="responses")
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="responses")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    body = models.TextField(max_length=5_000, blank=True)
    status = models.CharField(
        max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFTED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Response to {self.mention}"


class StakeholderNotification(models.Model):
    """Who was informed, when, by whom and what they were told (guide IV.B)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="stakeholder_notifications"
    )
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=32, default="email")
    message = models.TextField(max_length=10_000)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    automatic = models.BooleanField(default=False)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path="incident__client")

    class Meta:
        ordering = ["-notified_at"]
        constraints = [
            # Raising the severity notifies each contact once per level, however often
            # the task runs.
            models.UniqueConstraint(
                fields=["incident", "contact", "severity"],
                condition=Q(automatic=True),
                name="one_automatic_notification_per_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} informed about {self.incident}"


# -- learning: post-mortems and their action items (guide IV.C, V.A, V.B) --------------------


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINAL = "final", "Final"


def postmortem_shared(path: str = "") -> Q:
    """The post-mortems client contacts may see: final, shared with the client, and not of
    a drill. `path` is the lookup from the model being scoped to its post-mortem ("" for
    PostMortem itself); the portal rules of its action items and PDFs are this one."""
    prefix = f"{path}__" if path else ""
    return Q(
        **{
            f"{prefix}status": PostMortemStatus.FINAL,
            f"{prefix}shared_with_client": True,
            f"{prefix}incident__is_drill": False,
        }
    )


class PostMortem(models.Model):
    """The review of one resolved (or closed) incident: what happened and what the team
    learned. Its metrics are computed from the incident's data when shown
    (incidents/postmortems.py), never stored, so they cannot drift from the record.

    Client contacts see a post-mortem only once it is final *and* the agency has shared
    it with the client: a draft is work in progress, and some reviews stay internal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(
        max_length=8, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT
    )
    shared_with_client = models.BooleanField(
        default=False, help_text="Client contacts see it in their portal once it is final."
    )
    summary = models.TextField("executive summary", max_length=20_000, blank=True)
    impact = models.TextField(max_length=20_000, blank=True)
    went_well = models.TextField("what went well", max_length=20_000, blank=True)
    went_badly = models.TextField("what did not go well", max_length=20_000, blank=True)
    root_causes = models.TextField(max_length=20_000, blank=True)
    lessons = models.TextField("lessons learned", max_length=20_000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(client_path="incident__client", portal=postmortem_shared())

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "post-mortem"

    def __str__(self) -> str:
        return f"Post-mortem of {self.incident}"

    @property
    def is_final(self) -> bool:
        return self.status == PostMortemStatus.FINAL


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


ACTION_ITEM_OPEN_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class ActionItem(models.Model):
    """Something the post-mortem decided to change, with an owner (an agency member, or a
    role named in words: "Client legal team") and a due date. It may open a new draft
    revision of the client's crisis plan (guide V.B); `plan_revision` links them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(max_length=300)
    details = models.TextField(max_length=5_000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_role = models.CharField("owner (role)", max_length=120, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    plan_revision = models.ForeignKey(
        "plans.PlanRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The day the last overdue reminder went out: the daily task claims an item for today
    # with a compare-and-set on this field, so a second run the same day sends nothing.
    last_reminder_on = models.DateField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        client_path="postmortem__incident__client", portal=postmortem_shared("postmortem")
    )

    class Meta:
        ordering = ["postmortem", "created_at", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_item_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in ACTION_ITEM_OPEN_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return bool(
            self.is_open
            and self.due_date is not None
            and self.due_date < (today or timezone.localdate())
        )


# -- stored PDF reports: post-mortems and crisis plans (guide IV.C, V.A) -----------------------


class ReportKind(models.TextChoices):
    POSTMORTEM = "postmortem", "Post-mortem"
    PLAN = "plan", "Crisis plan"


class ReportVariant(models.TextChoices):
    CLIENT = "client", "Client version"
    INTERNAL = "internal", "Internal version"


class PaperSize(models.TextChoices):
    A4 = "a4", "A4"
    LETTER = "letter", "US Letter"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being generated"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class Report(models.Model):
    """A PDF made by a Celery task and kept in media storage: one row per document and
    variant (a post-mortem's client or internal version, an approved plan revision's).
    Regenerating bumps `generation` and, once the new file is written, replaces the old
    one; until then the previous file stays downloadable.

    Client contacts get only client versions, only once a file exists, and only of what
    they may see themselves: a post-mortem that is final and shared, a plan revision that
    was approved."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=12, choices=ReportKind.choices)
    postmortem = models.ForeignKey(
        PostMortem, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    plan_revision = models.ForeignKey(
        "plans.PlanRevision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    variant = models.CharField(
        max_length=8, choices=ReportVariant.choices, default=ReportVariant.CLIENT
    )
    paper_size = models.CharField(max_length=8, choices=PaperSize.choices, default=PaperSize.A4)
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    error = models.TextField(blank=True)  # in plain words, for the person who asked
    generation = models.PositiveIntegerField(default=1)  # bumped by every request
    file = models.FileField(upload_to="reports/", blank=True)
    file_generation = models.PositiveIntegerField(default=0)  # which request made `file`
    pages = models.PositiveIntegerField(null=True, blank=True)
    byte_size = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec(
        portal=Q(variant="client")
        & ~Q(file="")
        & (
            (Q(kind="postmortem") & postmortem_shared("postmortem"))
            | Q(kind="plan", plan_revision__status__in=["approved", "superseded"])
        )
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "variant"],
                condition=Q(kind="postmortem"),
                name="one_report_per_postmortem_variant",
            ),
            models.UniqueConstraint(
                fields=["plan_revision", "variant"],
                condition=Q(kind="plan"),
                name="one_report_per_plan_revision_variant",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="postmortem", postmortem__isnull=False, plan_revision__isnull=True)
                    | Q(kind="plan", plan_revision__isnull=False, postmortem__isnull=True)
                ),
                name="report_names_its_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} PDF ({self.get_variant_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def is_outdated(self) -> bool:
        """Whether the document changed after this file was made (a plan revision is
        immutable once approved; a post-mortem's text may change while it is a draft)."""
        if not self.file or self.finished_at is None or self.postmortem is None:
            return False
        return self.postmortem.updated_at > self.finished_at


class MentionTriageChange(models.Model):
    """Who changed a mention's triage status or assignee, when, from what to what: one
    row per mention and change, whether made on the mention's page or by bulk triage in
    the inbox (`batch_size` is how many mentions that one action changed)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="triage_changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    triage_from = models.CharField(max_length=16, choices=Triage.choices, blank=True)
    triage_to = models.CharField(max_length=16, choices=Triage.choices, blank=True)
    assignee_changed = models.BooleanField(default=False)
    assignee_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch_size = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()
    scope_spec = ScopeSpec()  # internal, like the mentions it describes

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Triage of mention {self.mention_id} at {self.at:%Y-%m-%d %H:%M}"
