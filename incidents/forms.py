"""Forms of the monitoring pages: sources, watch terms, settings, the inbox filters and
triage. Model forms take the request's scope (clients.forms.ScopedModelForm); choices of
people are limited to those who can see the client."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.db.models import QuerySet

from clients.forms import DatePicker, PortalForm, ScopedModelForm
from clients.models import Client
from incidents.drill_mentions import DRILL_SOURCE_NAME
from incidents.models import (
    Mention,
    MonitoringProfile,
    Sentiment,
    Source,
    SourceKind,
    Triage,
    WatchTerm,
)
from incidents.monitoring.matching import TermKind as MatchKind
from incidents.monitoring.matching import normalise_term
from portal.models import User

MASTODON_TAG_WEB = re.compile(r"^/tags/(?P<tag>[^/?#]+)/?$")
MASTODON_TAG_API = re.compile(r"^/api/v1/timelines/tag/(?P<tag>[^/?#]+)/?$")
MASTODON_ACCOUNT_WEB = re.compile(r"^/@(?P<acct>[^/?#]+)/?$")
MASTODON_ACCOUNT_API = re.compile(r"^/api/v1/accounts/(?P<id>[0-9A-Za-z]+)/statuses/?$")


class SourceForm(ScopedModelForm):
    class Meta:
        model = Source
        fields = ["name", "kind", "url", "interval_minutes", "enabled"]
        labels = {"url": "URL", "interval_minutes": "Poll every (minutes)"}
        help_texts = {
            "url": (
                "Feeds: the RSS, Atom, RDF or JSON Feed address. Mastodon hashtag: "
                "https://mastodon.social/tags/acme. Mastodon account: "
                "https://mastodon.social/@acme. "
                "Leave empty for a push source."
            ),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["url"].widget.attrs["placeholder"] = "https://"
        self.fields["url"].required = False

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        renamed = name.casefold() != (self.instance.name or "").casefold()
        if renamed and name.casefold() == DRILL_SOURCE_NAME.casefold():
            raise forms.ValidationError(
                f"“{DRILL_SOURCE_NAME}” is kept for the mentions drills replay: "
                "choose another name."
            )
        clash = Source.objects.filter(client=self.client, name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise forms.ValidationError(f"{self.client.name} already has a source named “{name}”.")
        return name

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        kind = data.get("kind")
        url: str = (data.get("url") or "").strip()
        if kind is None or "url" in self.errors:
            return data
        if kind == SourceKind.PUSH:
            # A push source receives deliveries; it has nothing to poll.
            data["url"] = ""
            return data
        if not url:
            self.add_error("url", "Enter the address to poll: this kind of source needs one.")
            return data
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            self.add_error("url", "Only http:// and https:// addresses can be polled.")
            return data
        if parts.username or parts.password:
            self.add_error("url", "Leave user names and passwords out of the address.")
            return data
        # Web addresses are kept as typed (easier to recognise); the poller turns them
        # into the public API timeline (incidents.polling).
        if kind == SourceKind.MASTODON_TAG and not (
            MASTODON_TAG_WEB.match(parts.path) or MASTODON_TAG_API.match(parts.path)
        ):
            self.add_error(
                "url", "A Mastodon hashtag timeline looks like https://mastodon.social/tags/acme."
            )
        elif kind == SourceKind.MASTODON_ACCOUNT and not (
            MASTODON_ACCOUNT_WEB.match(parts.path) or MASTODON_ACCOUNT_API.match(parts.path)
        ):
            self.add_error("url", "A Mastodon account looks like https://mastodon.social/@acme.")
        return data


class WatchTermForm(ScopedModelForm):
    class Meta:
        model = WatchTerm
        fields = ["term", "kind", "mode", "high_priority", "enabled"]
        labels = {"mode": "Matching", "high_priority": "Alert on every match"}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        term: str = (data.get("term") or "").strip()
        kind = data.get("kind")
        if not term or kind is None:
            return data
        literal = normalise_term(term, MatchKind(kind))
        if not literal:
            self.add_error("term", "Enter a term with at least one letter or digit.")
            return data
        data["term"] = term
        others = WatchTerm.objects.filter(client=self.client).exclude(pk=self.instance.pk)
        for other in others:
            # The matcher ignores case and accents, so "Café" and "cafe" are one term.
            same = normalise_term(other.term, MatchKind(other.kind)) == literal
            if same or other.term.casefold() == term.casefold():
                self.add_error(
                    "term",
                    f"{self.client.name} already watches “{other.term}” "
                    f"({other.get_kind_display().lower()}), which matches the same text: "
                    "matching ignores case and accents.",
                )
                break
        return data


class MonitoringProfileForm(ScopedModelForm):
    class Meta:
        model = MonitoringProfile
        fields = ["influencer_reach", "alert_emails"]
        labels = {"influencer_reach": "Influencer reach (followers)"}


def team_choices(team: Sequence[User]) -> list[tuple[str, str]]:
    return [(str(u.public_id), u.display_name) for u in team]


PERIODS: dict[str, tuple[str, timedelta]] = {
    "1h": ("Last hour", timedelta(hours=1)),
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
}


class MentionFilterForm(PortalForm):
    """The inbox filters (GET). Invalid values are ignored field by field, so a stale
    link still shows the inbox."""

    sentiment = forms.ChoiceField(
        required=False, choices=[("", "Any sentiment"), *Sentiment.choices]
    )
    triage = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *Triage.choices]
    )
    source = forms.ChoiceField(required=False, label="Source")
    term = forms.ChoiceField(required=False, label="Term")
    assignee = forms.ChoiceField(required=False, label="Assignee")
    period = forms.ChoiceField(
        required=False,
        label="Published",
        choices=[("", "Any time"), *((k, v[0]) for k, v in PERIODS.items())],
    )
    start = forms.DateField(required=False, label="From", widget=DatePicker())
    end = forms.DateField(required=False, label="To", widget=DatePicker())

    def __init__(
        self,
        *args: Any,
        sources: QuerySet[Source],
        terms: QuerySet[WatchTerm],
        team: Sequence[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._field("source").choices = [
            ("", "Any source"),
            *((str(s.public_id), s.name) for s in sources),
        ]
        self._field("term").choices = [
            ("", "Any term"),
            *((str(t.public_id), t.term) for t in terms),
        ]
        self._field("assignee").choices = [
            ("", "Anyone"),
            ("me", "Assigned to me"),
            ("none", "Unassigned"),
            *team_choices(team),
        ]

    def _field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    @property
    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in ("", None)}

    @property
    def is_filtered(self) -> bool:
        return bool(self.values)

    def filter(
        self, mentions: QuerySet[Mention], *, user: User, now: datetime, tz: tzinfo
    ) -> QuerySet[Mention]:
        v = self.values
        if "sentiment" in v:
            mentions = mentions.filter(sentiment_label=v["sentiment"])
        if "triage" in v:
            mentions = mentions.filter(triage=v["triage"])
        if "source" in v:
            mentions = mentions.filter(source__public_id=v["source"])
        if "term" in v:
            mentions = mentions.filter(matched_terms__public_id=v["term"])
        if "assignee" in v:
            who = v["assignee"]
            if who == "me":
                mentions = mentions.filter(assignee=user)
            elif who == "none":
                mentions = mentions.filter(assignee__isnull=True)
            else:
                mentions = mentions.filter(assignee__public_id=who)
        if "period" in v:
            mentions = mentions.filter(published_at__gte=now - PERIODS[v["period"]][1])
        # Dates are days of the agency's calendar.
        if "start" in v:
            mentions = mentions.filter(
                published_at__gte=datetime.combine(v["start"], time.min, tzinfo=tz)
            )
        if "end" in v:
            mentions = mentions.filter(
                published_at__lt=datetime.combine(v["end"] + timedelta(days=1), time.min, tzinfo=tz)
            )
        return mentions


KEEP = ""
UNASSIGN = "none"


class TriageForm(PortalForm):
    """Triage status and assignee of one mention (its detail page)."""

    triage = forms.ChoiceField(choices=Triage.choices, label="Status")
    assignee = forms.ChoiceField(required=False, label="Assignee")

    def __init__(self, *args: Any, team: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = {str(u.public_id): u for u in team}
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(UNASSIGN, "Nobody"), *team_choices(team)]
        field.error_messages["invalid_choice"] = (
            "Choose someone who works on this client: that person cannot see it."
        )

    def assignee_user(self) -> User | None:
        return self.team.get(self.cleaned_data.get("assignee") or "")


class BulkTriageForm(PortalForm):
    """Triage of the selected mentions of the inbox. The ids are parsed here; which of
    them belong to the client is decided by the view's scoped queryset."""

    triage = forms.ChoiceField(
        required=False, label="Set status", choices=[(KEEP, "Keep status"), *Triage.choices]
    )
    assignee = forms.ChoiceField(required=False, label="Assign to")

    def __init__(self, *args: Any, team: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = {str(u.public_id): u for u in team}
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(KEEP, "Keep assignee"), (UNASSIGN, "Nobody"), *team_choices(team)]
        field.error_messages["invalid_choice"] = (
            "Choose someone who works on this client: that person cannot see it."
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        ids: list[uuid.UUID] = []
        raw = self.data.getlist("mention") if hasattr(self.data, "getlist") else []
        for value in raw:
            try:
                ids.append(uuid.UUID(str(value)))
            except ValueError:
                continue
        if not ids:
            raise forms.ValidationError("Select at least one mention.")
        data["mention_ids"] = ids
        if not data.get("triage") and not data.get("assignee") and not self.errors:
            raise forms.ValidationError("Choose a status or an assignee to apply.")
        return data

    def assignee_user(self) -> User | None:
        return self.team.get(self.cleaned_data.get("assignee") or "")
