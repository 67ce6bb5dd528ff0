"""Agency → API keys: owners and managers create keys for integrations (the full key is
shown once, on the page the creation leads to, and never again), see when each was last
used, and revoke them (revoked keys are listed newest first, a page at a time). Only the
prefix and a hash of a key are stored."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from portal.api.forms import ApiKeyForm
from portal.api.keys import api_key_create, api_key_revoke
from portal.handover import hand_over, handed_over
from portal.http import PortalRequest
from portal.models import ApiKey
from portal.views.base import MemberView

REVOKED_PAGE_SIZE = 20


@method_decorator(never_cache, name="dispatch")
class ApiKeysView(MemberView):
    """GET: the agency's keys and the form for a new one. POST: create one, then redirect
    to the list, which shows the full key once. The token is handed over through the
    session for the redirect's request only (portal/handover.py): that page shows it, a
    reload shows nothing, and going anywhere else first drops it, so it never waits in
    the session for the list to be opened later.

    For htmx (the pager of the revoked keys) only that list is rendered, except when htmx
    restores a page it did not keep for the back button: that answer replaces the whole
    body. The page showing a token keeps itself out of htmx's history snapshots."""

    required_role = "manager"
    template_name = "agency/api_keys.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        details = cast(PortalRequest, request).htmx
        if details and not details.history_restore_request:
            return render(request, "agency/_revoked_keys.html", {"page_obj": self.revoked()})
        extra: dict[str, Any] = {}
        handed = handed_over(request)
        if handed is not None and isinstance(handed.get("key"), str):
            created = ApiKey.objects.within(self.scope).filter(public_id=handed["key"]).first()
            if created is not None:
                extra = {"new_key": handed.get("token"), "created": created}
        return self.page(ApiKeyForm(scope=self.scope), **extra)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ApiKeyForm(request.POST, scope=self.scope)
        if not form.is_valid():
            return self.page(form, status=400)
        assert self.scope.agency is not None and self.scope.user is not None
        new = api_key_create(
            agency=self.scope.agency,
            by=self.scope.user,
            name=form.cleaned_data["name"],
            client=form.cleaned_data["client"],
            read_only=form.read_only,
        )
        page = reverse("agency:api_keys")
        hand_over(request, page, {"key": str(new.key.public_id), "token": new.token})
        return HttpResponseRedirect(page)

    def revoked(self) -> Page[ApiKey]:
        keys = (
            ApiKey.objects.within(self.scope)
            .filter(revoked_at__isnull=False)
            .select_related("revoked_by")
            .order_by("-revoked_at", "-pk")
        )
        return Paginator(keys, REVOKED_PAGE_SIZE).get_page(self.request.GET.get("page"))

    def page(self, form: ApiKeyForm, status: int = 200, **extra: Any) -> HttpResponse:
        active = (
            ApiKey.objects.within(self.scope)
            .filter(revoked_at__isnull=True)
            .select_related("client", "created_by")
        )
        context = {"form": form, "active": active, "page_obj": self.revoked(), **extra}
        return render(self.request, self.template_name, context, status=status)


class ApiKeyRevokeView(MemberView):
    """POST: revoke a key; requests sending it are refused (401) from now on."""

    required_role = "manager"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = get_object_or_404(
            ApiKey.objects.within(self.scope, write=True), public_id=kwargs["pk"]
        )
        assert self.scope.user is not None
        if key.revoked_at is not None:
            messages.info(request, f"The key “{key.name}” was already revoked.")
        else:
            api_key_revoke(key=key, by=self.scope.user)
            messages.success(
                request,
                f"The key “{key.name}” ({key.prefix}…) is revoked: requests sending it are "
                "refused from now on.",
            )
        return HttpResponseRedirect(reverse("agency:api_keys"))
