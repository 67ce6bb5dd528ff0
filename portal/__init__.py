"""Firebreak: the project package (settings, urls, celery) and the `portal` app."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
