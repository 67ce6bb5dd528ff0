"""Every URL pattern of the project, for the isolation matrices (pages and API)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver


def walk(
    resolver: URLResolver, prefix: str = "", ns: str = ""
) -> list[tuple[str, str, URLPattern]]:
    """(namespaced name, route, pattern) of every URL pattern below a resolver; an
    unnamed pattern's name is ""."""
    found: list[tuple[str, str, URLPattern]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            child_ns = ns
            if entry.namespace:
                child_ns = f"{ns}:{entry.namespace}" if ns else entry.namespace
            found += walk(entry, route, child_ns)
        else:
            name = f"{ns}:{entry.name}" if ns and entry.name else (entry.name or "")
            found.append((name, route, entry))
    return found
