"""Cursor pagination: stable pages however fast mentions arrive (an offset would shift
under the reader), and no COUNT(*) over a table of millions."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"  # views name their own (every model has a creation time)
