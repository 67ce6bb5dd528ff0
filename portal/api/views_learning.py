"""Post-mortems (start one for a resolved incident, write its sections while a draft,
ask for its PDF), PDF reports (poll, download) and action items."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import django_filters
from django.db.models import Q, QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import (
    ActionItem,
    ActionItemStatus,
    PostMortem,
    PostMortemStatus,
    Report,
    ReportStatus,
)
from incidents.postmortem_actions import action_item_create, action_item_update
from incidents.postmortems import TEXT_FIELDS, postmortem_create, postmortem_update
from incidents.reports import (
    STALLED,
    report_downloaded,
    report_file_name,
    report_request_postmortem,
    with_stalled,
)
from portal.api.filtering import ApiFilterSet
from portal.api.serializers_learning import (
    ActionItemSerializer,
    PostMortemSerializer,
    ReportRequestSerializer,
    ReportSerializer,
)
from portal.api.viewsets import ScopedViewSet
from portal.models import ApiKey, User


class PostMortemFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="incident__client__public_id")
    incident = django_filters.UUIDFilter(field_name="incident__public_id")
    status = django_filters.ChoiceFilter(choices=PostMortemStatus.choices)

    class Meta:
        model = PostMortem
        fields = ["client", "incident", "status", "shared_with_client"]


class PostMortemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Post-mortems of the incidents in scope. Creating one needs a resolved or closed
    incident; finalising and sharing with the client are done on the page."""

    model = PostMortem
    serializer_class = PostMortemSerializer
    filterset_class = PostMortemFilter
    related = ("incident__client", "author")
    ordering_fields: ClassVar[list[str]] = ["created_at", "updated_at"]
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("action_items")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        by = self.require_actor()
        postmortem = postmortem_create(incident=data["incident"], by=by)
        sections = {k: v for k, v in data.items() if k in TEXT_FIELDS}
        if sections:
            postmortem = postmortem_update(postmortem=postmortem, by=by, **sections)
        serializer.instance = postmortem

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        sections = {k: v for k, v in serializer.validated_data.items() if k in TEXT_FIELDS}
        postmortem = cast(PostMortem, serializer.instance)
        if sections:
            postmortem_update(postmortem=postmortem, by=self.require_actor(), **sections)
        serializer.instance = self.get_queryset().get(pk=postmortem.pk)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        summary="Generate the post-mortem's PDF (poll the report it returns)",
    )
    @action(detail=True, methods=["post"])
    def pdf(self, request: Request, id: str) -> Response:
        postmortem = self.get_object()
        body = ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = report_request_postmortem(
            postmortem=postmortem, by=self.require_actor(), **body.validated_data
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> Any:
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class ReportFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    postmortem = django_filters.UUIDFilter(field_name="postmortem__public_id")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, method="filter_status")

    class Meta:
        model = Report
        fields = ["client", "postmortem", "kind", "variant", "status"]

    def filter_status(self, queryset: QuerySet[Report], name: str, value: str) -> QuerySet[Report]:
        """The status as the API shows it: a stalled report is failed, not queued or
        running (the queryset is annotated with `stalled` by the viewset)."""
        if value == ReportStatus.FAILED:
            return queryset.filter(Q(status=value) | Q(stalled=True))
        if value in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            return queryset.filter(Q(status=value) & Q(stalled=False))
        return queryset.filter(status=value)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """PDF reports: poll one until its status is `done`, then download it."""

    model = Report
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    related = ("client", "postmortem", "plan_revision")
    ordering_fields: ClassVar[list[str]] = ["requested_at"]
    ordering = ("-requested_at", "-id")

    def get_queryset(self) -> Any:
        """Each report with `stalled` (incidents.reports.with_stalled), shown as failed."""
        return with_stalled(super().get_queryset())

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")
        },
        summary="Download the PDF",
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def download(self, request: Request, id: str) -> FileResponse:
        report = self.get_object()
        if not report.file and getattr(report, "stalled", False):
            raise NotFound(f"This report has no PDF. {STALLED}")
        if not report.file:
            raise NotFound(
                "This report has no PDF yet: poll it until its status is done "
                f"(it is {report.get_status_display().lower()})."
            )
        try:
            handle = report.file.open("rb")
        except FileNotFoundError:
            raise NotFound("The PDF file is missing: ask for the report again.") from None
        _record_download(request, report)
        return FileResponse(
            handle,
            content_type="application/pdf",
            as_attachment=True,
            filename=report_file_name(report),
        )


def _record_download(request: Request, report: Report) -> None:
    """Audit (incidents.reports.report_downloaded): a key's download is recorded in the
    name of the person who made the key, saying which key it was. A HEAD is no download."""
    if request.method != "GET":
        return
    key = request.auth if isinstance(request.auth, ApiKey) else None
    if key is not None:
        where = f"REST API with the key '{key.name}' ({key.prefix}...)"
        report_downloaded(report=report, by=key.created_by, where=where)
    elif isinstance(request.user, User):
        report_downloaded(report=report, by=request.user, where="REST API")


class ActionItemFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="postmortem__incident__client__public_id")
    postmortem = django_filters.UUIDFilter(field_name="postmortem__public_id")
    status = django_filters.MultipleChoiceFilter(choices=ActionItemStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")

    class Meta:
        model = ActionItem
        fields = ["client", "postmortem", "status", "due_before"]


class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """What post-mortems decided to change, with an owner role, a due date and a status."""

    model = ActionItem
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    related = ("postmortem__incident__client", "owner", "plan_revision")
    ordering_fields: ClassVar[list[str]] = ["created_at", "updated_at"]
    ordering = ("-created_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        postmortem = data.pop("postmortem")
        wanted = data.pop("status", None)
        item = action_item_create(postmortem=postmortem, by=self.require_actor(), **data)
        if wanted and wanted != item.status:
            item = action_item_update(item=item, by=self.require_actor(), status=wanted)
        serializer.instance = item

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        changes = dict(serializer.validated_data)
        changes.pop("postmortem", None)
        item = cast(ActionItem, serializer.instance)
        action_item_update(item=item, by=self.require_actor(), **changes)
        serializer.instance = self.get_queryset().get(pk=item.pk)
