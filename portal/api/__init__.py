"""Firebreak's REST API (`/api/v1/`), Django REST framework over the same scoping
primitive as the web pages: every queryset is `Model.objects.within(request.scope)`.

auth.py builds the request's Scope from an API key; permissions.py refuses anonymous
callers and read-only writes; the views per domain live in views_*.py and their
serializers in serializers_*.py."""
