"""Accounts: log in with an email (any case), wrong passwords, throttling after repeated
failures (django-axes), log out, password change, and password reset by email (sent by
the Celery task, eager in tests)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an-entirely-new-passphrase-77"
LOGIN = reverse("accounts:login")


def log_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def test_login_with_email_in_any_case(cast, client):
    response = log_in(client, "OWNER@Northwind.TEST")
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.session[SESSION_KEY] == str(cast.owner.pk)
    assert "Northwind Communications" in client.get(response["Location"]).content.decode()


def test_login_page_asks_for_an_email(cast, client):
    body = client.get(LOGIN).content.decode()
    assert 'type="email"' in body and 'name="username"' in body


def test_wrong_password_says_so_and_does_not_log_in(cast, client):
    response = log_in(client, "owner@northwind.test", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_is_locked_after_repeated_failures(cast, client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert log_in(client, "owner@northwind.test", "wrong").status_code == 200
    locked = log_in(client, "owner@northwind.test", "wrong")
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # Even the right password is refused while the lock lasts.
    again = log_in(client, "owner@northwind.test")
    assert again.status_code == 429
    assert "Too many failed log-ins" in again.content.decode()
    assert SESSION_KEY not in client.session


def test_lockout_of_one_account_leaves_others_alone(cast, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "owner@northwind.test", "wrong")
    assert log_in(client, "manager@northwind.test").status_code == 302


def test_logout_ends_the_session(cast, client):
    client.force_login(cast.owner)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    dashboard = client.get(reverse("portal:dashboard"))
    assert dashboard.status_code == 302 and LOGIN in dashboard["Location"]


def test_password_change(cast, client):
    client.force_login(cast.owner)
    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    cast.owner.refresh_from_db()
    assert cast.owner.check_password(NEW_PASSWORD)
    # Still signed in: changing the password keeps this session.
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_password_reset_email_link_sets_a_new_password(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password_reset"), {"email": "Staff@Northwind.test"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["staff@northwind.test"]
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", message.body)
    assert found, message.body
    link = found.group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")

    cast.staff.refresh_from_db()
    assert cast.staff.check_password(NEW_PASSWORD)
    client.logout()
    assert log_in(client, "staff@northwind.test", NEW_PASSWORD).status_code == 302
    # The link worked once.
    assert "no longer valid" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@x.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []
