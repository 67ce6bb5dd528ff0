"""Email leaves through a real Celery worker on the real broker, after commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from portal.mail import queue_email
from tests.waiting import wait_for

pytestmark = pytest.mark.worker


def test_email_is_sent_by_the_worker_after_commit(celery_worker, settings):
    with transaction.atomic():
        queue_email(
            to=["jane@planet.test"],
            subject="Holding statement ready",
            template="emails/test_message.txt",
            context={"name": "Jane"},
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the email"
    message = mail.outbox[0]
    assert message.to == ["jane@planet.test"]
    assert message.subject == "Holding statement ready"
    assert "Hello Jane" in message.body


def test_rolled_back_email_is_never_sent(celery_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to=["x@y.test"], subject="Nope", template="emails/test_message.txt", context={})
        raise RuntimeError("rollback")
    queue_email(
        to=["after@y.test"], subject="Later", template="emails/test_message.txt", context={}
    )
    assert wait_for(lambda: len(mail.outbox) >= 1)
    assert [m.subject for m in mail.outbox] == ["Later"]
