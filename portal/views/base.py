"""Base classes every Firebreak view derives from. They apply the scoping primitive on
dispatch so that a view cannot forget it:

- anonymous visitors are sent to the login page;
- agency pages need a membership of the current agency (else 403), and some a role;
- a client that is not within the scope is a 404 (another agency's, or not assigned);
- a write (any unsafe method, or a page that exists to change something) on a client
  the actor may only read is a 403;
- objects are looked up by public id among `Model.objects.within(scope)` of that client.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Generic, TypeVar, cast

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views import View

from clients.models import Client
from portal.http import PortalRequest
from portal.scoping import Scope, ScopedQuerySet

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_M = TypeVar("_M", bound=models.Model)


def _form_takes(form_class: type, name: str) -> bool:
    """Whether a form's constructor (its own or an ancestor's: subclasses often pass
    **kwargs through) names a parameter `name` (`scope`, `client`)."""
    return any(
        name in inspect.signature(vars(klass)["__init__"]).parameters
        for klass in form_class.__mro__
        if "__init__" in vars(klass)
    )


class PublicView(View):
    """A page anyone may open (login, password reset, invitation links)."""


class SignedInView(LoginRequiredMixin, View):
    """A page for anyone signed in, member or client contact (password change)."""

    @property
    def scope(self) -> Scope:
        """The request's scope (resolved once by TenancyMiddleware)."""
        return cast(PortalRequest, self.request).scope


class MemberView(SignedInView):
    """A page of the agency UI. `required_role` narrows it to owners ("owner") or to
    owners and managers ("manager")."""

    required_role: ClassVar[str | None] = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        scope = cast(PortalRequest, request).scope
        if not scope.is_member:
            raise PermissionDenied("This page is for agency members.")
        if self.required_role == "owner" and not scope.is_owner:
            raise PermissionDenied("Only the agency's owners can do this.")
        if self.required_role == "manager" and not scope.is_manager:
            raise PermissionDenied("Only the agency's owners and managers can do this.")
        self.check_scope(cast(PortalRequest, request), **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        """Resolve and check the objects named in the URL (subclasses extend it)."""

    def get_form_kwargs(self) -> dict[str, Any]:
        """Forms that take a `scope` (every ScopedModelForm) get the request's; plain
        forms, such as DeleteView's confirmation, are left as Django builds them."""
        kwargs: dict[str, Any] = super().get_form_kwargs()  # type: ignore[misc]
        form_class = self.get_form_class()  # type: ignore[attr-defined]
        if _form_takes(form_class, "scope"):
            kwargs["scope"] = self.scope
        return kwargs


class ClientView(MemberView):
    """A page about one client, named by the `client` URL kwarg (its public id).

    `writes = True` marks pages that exist to change something (edit forms): a
    read-only actor gets 403 on them even for GET.
    """

    writes: ClassVar[bool] = False
    client: Client

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        self.client = get_object_or_404(
            Client.objects.within(request.scope).select_related("agency"),
            public_id=kwargs["client"],
        )
        if (self.writes or request.method not in SAFE_METHODS) and not request.scope.can_write(
            self.client
        ):
            raise PermissionDenied("You can read this client but not change it.")
        self.can_write = request.scope.can_write(self.client)

    def get_form_kwargs(self) -> dict[str, Any]:
        """Forms that take a `client` get the page's (besides the scope, see MemberView);
        forms that do not name one are left alone, so a plain form cannot be given an
        argument it would refuse."""
        kwargs = super().get_form_kwargs()
        if _form_takes(self.get_form_class(), "client"):  # type: ignore[attr-defined]
            kwargs["client"] = self.client
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["client"] = self.client
        context["can_write"] = self.can_write
        return context


class ClientObjectView(ClientView, Generic[_M]):
    """A page about one object of a client, named by the `pk` URL kwarg (public id)."""

    model: type[_M]

    def get_queryset(self) -> models.QuerySet[_M]:
        manager = cast(ScopedQuerySet[_M], self.model._default_manager.all())
        return manager.within(self.scope).filter(client=self.client)

    def get_object(self, queryset: models.QuerySet[_M] | None = None) -> _M:
        qs = queryset if queryset is not None else self.get_queryset()
        return get_object_or_404(qs, public_id=self.kwargs["pk"])


class ClientPortalView(SignedInView):
    """A page of the read-only client portal: the request's scope becomes the portal
    scope (the contact's clients, client-visible content only, no writes)."""

    http_method_names = ["get", "head", "options"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        req = cast(PortalRequest, request)
        req.scope = Scope.for_portal(req.user)
        if not req.scope.clients().exists():
            raise PermissionDenied("This portal is for client contacts.")
        return super().dispatch(request, *args, **kwargs)
