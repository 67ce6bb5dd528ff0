"""Views of the monitoring pages of a client (sources, watch terms, settings, mention
inbox, alerts, overview); the inbound push endpoint lives in `push.py`.

`Monitoring` is mixed into every monitoring view: it gives the client's records as the
request's scope allows, the people who may be assigned a mention and the agency's time
zone. Views stay thin; writes go through services (alert_actions, triage)."""

from __future__ import annotations

from functools import cached_property
from typing import cast
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest

from clients.models import Client
from clients.services import client_team
from incidents.drill_mentions import real_mentions
from incidents.models import Alert, Mention, Source, WatchTerm
from portal.http import PortalRequest
from portal.models import User
from portal.scoping import Scope


def user_of(request: HttpRequest) -> User:
    return cast(PortalRequest, request).user


def is_htmx(request: HttpRequest) -> bool:
    details = cast(PortalRequest, request).htmx
    return bool(details) and not details.history_restore_request


class Monitoring:
    """The client's monitoring records within the scope (mixed into ClientView)."""

    scope: Scope
    client: Client

    def sources(self) -> QuerySet[Source]:
        return Source.objects.within(self.scope).filter(client=self.client)

    def terms(self) -> QuerySet[WatchTerm]:
        return WatchTerm.objects.within(self.scope).filter(client=self.client)

    def mentions(self) -> QuerySet[Mention]:
        """The client's real mentions: drill replays belong to their drill only."""
        return real_mentions(Mention.objects.within(self.scope).filter(client=self.client))

    def alerts(self) -> QuerySet[Alert]:
        return Alert.objects.within(self.scope).filter(client=self.client)

    @cached_property
    def team(self) -> list[User]:
        """Everyone who can see the client: the only people a mention may be assigned to."""
        return [member.user for member in client_team(client=self.client)]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.client.agency.time_zone)
