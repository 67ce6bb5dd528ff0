from django.contrib import admin

from incidents.models import (
    Alert,
    Mention,
    MonitoringProfile,
    Source,
    WatchTerm,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(MonitoringProfile)
class MonitoringProfileAdmin(admin.ModelAdmin[MonitoringProfile]):
    list_display = ["client", "influencer_reach", "alert_emails"]
    search_fields = ["client__name"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = [
        "name",
        "client",
        "kind",
        "enabled",
        "last_success_at",
        "last_error",
        "next_poll_at",
    ]
    list_filter = ["kind", "enabled", "client__agency"]
    search_fields = ["name", "url", "client__name"]
    readonly_fields = [
        "public_id",
        "etag",
        "last_modified",
        "last_polled_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_poll_at",
        "polling_since",
        "mention_count",
    ]


@admin.register(WatchTerm)
class WatchTermAdmin(admin.ModelAdmin[WatchTerm]):
    list_display = ["term", "client", "kind", "mode", "high_priority", "enabled"]
    list_filter = ["kind", "mode", "high_priority", "enabled"]
    search_fields = ["term", "client__name"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin[Mention]):
    list_display = ["published_at", "client", "source", "author", "sentiment_label", "triage"]
    list_filter = ["sentiment_label", "triage", "client__agency"]
    search_fields = ["text", "author", "external_id"]
    raw_id_fields = ["source", "assignee"]
    filter_horizontal = ["matched_terms"]
    readonly_fields = ["public_id", "fetched_at"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin[Alert]):
    list_display = ["opened_at", "client", "kind", "status", "score", "severity"]
    list_filter = ["kind", "status", "client__agency"]
    search_fields = ["explanation", "client__name"]
    raw_id_fields = ["mentions", "handled_by"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ["url", "agency", "active", "consecutive_failures"]
    list_filter = ["active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ["created_at", "endpoint", "event", "attempts", "last_status", "delivered_at"]
    list_filter = ["event"]
