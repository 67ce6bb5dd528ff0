"""The base views hand forms what they ask for: the scope, and on a client's page the
client, while forms that name neither are built as Django builds them."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact
from plans.models import Exercise
from tests.conftest import Cast


def test_form_that_takes_a_client_offers_only_that_clients_choices(
    cast: Cast, client: HttpClient
) -> None:
    when = timezone.now() + timedelta(days=3)
    Exercise.objects.create(client=cast.client, title="Recall drill", scheduled_at=when)
    Exercise.objects.create(client=cast.second_client, title="Outage drill", scheduled_at=when)
    client.force_login(cast.owner)

    page = client.get(reverse("plans:training_create", kwargs={"client": cast.client.public_id}))

    assert page.status_code == 200
    assert "Recall drill" in page.content.decode()
    assert "Outage drill" not in page.content.decode()


def test_form_without_a_client_parameter_on_a_client_page_still_saves(
    cast: Cast, client: HttpClient
) -> None:
    client.force_login(cast.owner)
    url = reverse("clients:edit", kwargs={"client": cast.client.public_id})

    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Acme Foods Ltd", "industry": "Food"})

    assert response.status_code == 302
    cast.client.refresh_from_db()
    assert cast.client.name == "Acme Foods Ltd"


def test_delete_confirmation_form_on_a_client_page_still_deletes(
    cast: Cast, client: HttpClient
) -> None:
    client.force_login(cast.owner)
    url = reverse(
        "clients:contact_delete",
        kwargs={"client": cast.client.public_id, "pk": cast.contact.public_id},
    )

    response = client.post(url)

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=cast.contact.pk).exists()
