from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from clients.models import Agency, Client, Contact, Invitation, Membership, PortalAccess


class MembershipInline(admin.TabularInline[Membership, Agency]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "time_zone", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["public_id"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__email", "agency__name"]
    autocomplete_fields = ["user", "agency"]


@admin.register(Client)
class ClientAdmin(GuardedModelAdmin):
    list_display = ["name", "agency", "industry", "created_at"]
    list_filter = ["agency"]
    search_fields = ["name", "agency__name"]
    readonly_fields = ["public_id"]


@admin.register(PortalAccess)
class PortalAccessAdmin(admin.ModelAdmin[PortalAccess]):
    list_display = ["user", "client", "granted_by", "created_at"]
    list_filter = ["client__agency"]
    search_fields = ["user__email", "client__name"]
    autocomplete_fields = ["user", "client"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ["name", "client", "kind", "organisation", "email", "notify_from_severity"]
    list_filter = ["kind", "notify_from_severity", "client__agency"]
    search_fields = ["name", "organisation", "email", "tags"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = [
        "email",
        "agency",
        "kind",
        "role",
        "client",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["kind", "agency"]
    search_fields = ["email"]
    readonly_fields = ["public_id", "token_hash", "accepted_at", "accepted_by", "created_at"]
