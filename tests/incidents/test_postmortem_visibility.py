"""A client contact sees a post-mortem, its action items and its PDF together or not at
all: only once it is final and shared with the client, and never for a drill."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from incidents.models import ActionItem, PostMortem
from tests.incidents.report_helpers import a_final_postmortem, a_stored_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "shared", "drill"),
    list(itertools.product(["draft", "final"], [True, False], [False, True])),
)
def test_the_contact_sees_the_review_its_action_items_and_its_pdf_together(
    cast: Any, status: str, shared: bool, drill: bool
) -> None:
    postmortem = a_final_postmortem(cast, shared=shared, is_drill=drill)
    PostMortem.objects.filter(pk=postmortem.pk).update(status=status)
    ActionItem.objects.create(postmortem=postmortem, title="Brief the call centre sooner")
    report = a_stored_report(cast, postmortem=postmortem)
    http = cast.login(HttpClient(), cast.contact_user)
    kwargs = {"client": cast.client.public_id}

    reviews = http.get(reverse("incidentsportal:reviews", kwargs=kwargs)).content.decode()
    download = http.get(
        reverse("reportsportal:download", kwargs={**kwargs, "pk": report.public_id})
    )

    visible = status == "final" and shared and not drill
    assert ("A batch was recalled" in reviews) is visible
    assert ("Brief the call centre sooner" in reviews) is visible
    assert download.status_code == (200 if visible else 404)
