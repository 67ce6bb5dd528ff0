"""Agency → API keys: owners and managers create keys for integrations (the full key is
shown once, on the page the creation leads to, and never again), see when each was last
used, and revoke them. Only the prefix and a hash of a key are stored."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from portal.api.forms import ApiKeyForm
from portal.api.keys import api_key_create, api_key_revoke
from portal.models import ApiKey
from portal.views.base import MemberView

NEW_KEY_SESSION = "firebreak.new_api_key"


@method_decorator(never_cache, name="dispatch")
class ApiKeysView(MemberView):
    """GET: the agency's keys and the form for a new one. POST: create one, then redirect
    to the list, which shows the full key once: it is handed over in the session and
    removed from it by that very page (so a reload creates nothing and shows nothing)."""

    required_role = "manager"
    template_name = "agency/api_keys.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        extra: dict[str, Any] = {}
        handed = request.session.pop(NEW_KEY_SESSION, None)
        if isinstance(handed, dict) and isinstance(handed.get("key"), str):
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
        request.session[NEW_KEY_SESSION] = {"key": str(new.key.public_id), "token": new.token}
        return HttpResponseRedirect(reverse("agency:api_keys"))

    def page(self, form: ApiKeyForm, status: int = 200, **extra: Any) -> HttpResponse:
        keys = ApiKey.objects.within(self.scope).select_related(
            "client", "created_by", "revoked_by"
        )
        context = {
            "form": form,
            "active": [k for k in keys if k.revoked_at is None],
            "revoked": [k for k in keys if k.revoked_at is not None][:20],
            **extra,
        }
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
