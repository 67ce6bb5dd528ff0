"""Monitoring (the first step of an incident's life): sources, watch terms, mentions and
alerts per client (guide I.A, II.B). Incidents, timelines and post-mortems come later."""

from __future__ import annotations

import secrets
import uuid

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

    def __str__(self) -> str:
        return self.name

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
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="mentions")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="mentions")
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=200, blank=True)
    author_reach = models.PositiveBigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)  # safe plain text, never markup
    published_at = models.DateTimeField(db_index=True)
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
