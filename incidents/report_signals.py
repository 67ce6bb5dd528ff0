"""A report's PDF leaves storage with its row: when a report is deleted (with its
post-mortem, plan revision or client), its file is deleted once the deletion commits,
so no client's document outlives the client in media storage."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from incidents.models import Report


@receiver(post_delete, sender=Report, dispatch_uid="report_file_delete")
def delete_report_file(sender: type[Report], instance: Report, **kwargs: Any) -> None:
    name = instance.file.name or ""
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
