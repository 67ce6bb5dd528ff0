from django.contrib import admin
from django.http import HttpRequest

from incidents.models import (
    Alert,
    Incident,
    IncidentRole,
    IncidentTask,
    Mention,
    MentionResponse,
    MonitoringProfile,
    Report,
    Source,
    StakeholderNotification,
    Statement,
    TimelineEntry,
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


class IncidentRoleInline(admin.TabularInline[IncidentRole, Incident]):
    model = IncidentRole
    extra = 0


class IncidentTaskInline(admin.TabularInline[IncidentTask, Incident]):
    model = IncidentTask
    extra = 0
    raw_id_fields = ["assignee", "done_by", "playbook_step"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin[Incident]):
    list_display = ["title", "client", "severity", "status", "is_drill", "opened_at"]
    list_filter = ["status", "severity", "is_drill", "client__agency"]
    search_fields = ["title", "summary", "client__name"]
    raw_id_fields = ["alert", "plan_revision", "scenario", "exercise", "mentions", "opened_by"]
    readonly_fields = ["public_id", "public_slug", "version"]
    inlines = [IncidentRoleInline, IncidentTaskInline]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin[TimelineEntry]):
    """Read-only: the timeline is append-only, in the admin too."""

    list_display = ["created_at", "incident", "kind", "visibility", "author"]
    list_filter = ["kind", "visibility"]
    search_fields = ["text"]

    def has_change_permission(self, request: HttpRequest, obj: TimelineEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TimelineEntry | None = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin[Statement]):
    list_display = ["incident", "channel", "status", "author", "approver", "published_at"]
    list_filter = ["channel", "status"]
    search_fields = ["body"]


@admin.register(MentionResponse)
class MentionResponseAdmin(admin.ModelAdmin[MentionResponse]):
    list_display = ["mention", "client", "status", "author", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["mention", "incident"]


@admin.register(StakeholderNotification)
class StakeholderNotificationAdmin(admin.ModelAdmin[StakeholderNotification]):
    list_display = ["incident", "contact", "channel", "severity", "automatic", "notified_at"]
    list_filter = ["automatic", "channel"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    """View and delete only (deleting removes the file too: report_signals). A report is
    made and remade by its request service and task; its History lists every download
    (incidents.reports.report_downloaded)."""

    list_display = [
        "requested_at",
        "__str__",
        "client",
        "status",
        "paper_size",
        "generation",
        "pages",
        "finished_at",
    ]
    list_filter = ["kind", "variant", "status", "client__agency"]
    search_fields = ["client__name", "postmortem__incident__title", "public_id"]
    list_select_related = ["client"]
    date_hierarchy = "requested_at"
    # Every field read-only; the file by its name only (media is served through the
    # scoped download views, never by a URL of its own).
    fields = (
        "public_id",
        "client",
        "kind",
        "postmortem",
        "plan_revision",
        "variant",
        "paper_size",
        "status",
        "progress",
        "error",
        "generation",
        "stored_file",
        "file_generation",
        "pages",
        "byte_size",
        "render_seconds",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    @admin.display(description="file in media storage")
    def stored_file(self, obj: Report) -> str:
        return obj.file.name or "—"
