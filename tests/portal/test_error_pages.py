"""Firebreak's own error pages: a person who follows a bad link, or another agency's,
lands on a page that says what happened and where to go, inside the app's layout."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse


def test_another_agencys_client_is_a_friendly_404(cast, client):
    client.force_login(cast.owner)
    response = client.get(reverse("plans:plan", kwargs={"client": cast.other_client.public_id}))
    assert response.status_code == 404
    body = response.content.decode()
    assert "We can't find that page" in body
    assert reverse("portal:dashboard") in body
    assert "Rival Client" not in body


def test_read_only_write_is_a_403_that_says_why(cast, client):
    client.force_login(cast.readonly_staff)
    response = client.get(reverse("plans:plan_settings", kwargs={"client": cast.client.public_id}))
    assert response.status_code == 403
    body = response.content.decode()
    assert "You can read this client but not change it." in body
    assert "ask an owner or manager" in body


def test_client_contact_gets_sent_back_to_the_portal(cast, client):
    client.force_login(cast.contact_user)
    response = client.get(reverse("plans:plan", kwargs={"client": cast.client.public_id}))
    assert response.status_code == 403
    assert reverse("clientportal:home") in response.content.decode()


@pytest.mark.django_db
def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "may not have" in html
