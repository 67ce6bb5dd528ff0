"""The mention inbox: newest first, filters, counts per status, bulk triage limited to
the client's mentions, the "new mentions" banner, the detail page, and mention text that
never becomes markup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Mention, MentionTriageChange, Triage
from incidents.response_services import response_save
from tests.browser import log_in
from tests.incidents.ui_factories import a_mention, a_source, a_term


def url(name: str, client, **kwargs) -> str:
    return reverse(f"monitoring:{name}", kwargs={"client": client.public_id, **kwargs})


def listed(response) -> list[str]:
    """Public ids of the mentions on the page, in order."""
    return [str(m.public_id) for m in response.context["mentions"]]


def test_inbox_lists_newest_first(cast, client):
    now = timezone.now()
    old = a_mention(cast.client, text="old", published_at=now - timedelta(days=2))
    new = a_mention(cast.client, text="new", published_at=now - timedelta(minutes=1))
    client.force_login(cast.staff)
    response = client.get(url("inbox", cast.client))
    assert listed(response) == [str(new.public_id), str(old.public_id)]


def test_inbox_never_shows_another_clients_mentions(cast, client):
    a_mention(cast.second_client, text="Blue Air delay")
    mine = a_mention(cast.client, text="Acme launch")
    client.force_login(cast.manager)
    assert listed(client.get(url("inbox", cast.client))) == [str(mine.public_id)]


def test_script_in_mention_text_is_shown_as_text(cast, client):
    mention = a_mention(
        cast.client,
        text="<script>alert('pwned')</script> Acme <b>bold</b>",
        author="<img src=x onerror=alert(1)>",
        title="<i>headline</i>",
    )
    client.force_login(cast.staff)
    for page in (
        client.get(url("inbox", cast.client)),
        client.get(url("mention", cast.client, pk=mention.public_id)),
    ):
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>bold</b>" not in html and "<i>headline" not in html


def test_filters_narrow_the_list(cast, client):
    now = timezone.now()
    feed, other_feed = a_source(cast.client), a_source(cast.client)
    recall = a_term(cast.client, "recall")
    negative = a_mention(
        cast.client, feed, text="recall!", sentiment_label="negative", terms=(recall,)
    )
    a_mention(cast.client, other_feed, text="nice", sentiment_label="positive")
    old = a_mention(cast.client, feed, text="last month", published_at=now - timedelta(days=20))
    assigned = a_mention(cast.client, feed, text="mine", assignee=cast.staff, triage="ignored")
    client.force_login(cast.staff)

    def found(query: str) -> set[str]:
        return set(listed(client.get(url("inbox", cast.client) + "?" + query)))

    assert found("sentiment=negative") == {str(negative.public_id)}
    assert found(f"term={recall.public_id}") == {str(negative.public_id)}
    assert str(other_feed.public_id) and len(found(f"source={other_feed.public_id}")) == 1
    assert str(old.public_id) not in found("period=7d")
    assert found("assignee=me") == {str(assigned.public_id)}
    assert found(f"assignee={cast.staff.public_id}") == {str(assigned.public_id)}
    assert str(assigned.public_id) not in found("assignee=none")
    assert found("triage=ignored") == {str(assigned.public_id)}
    day = (now - timedelta(days=20)).astimezone(timezone.get_current_timezone()).date()
    assert str(old.public_id) in found(f"start={day.isoformat()}&end={day.isoformat()}")


def test_an_unknown_filter_value_is_ignored(cast, client):
    a_mention(cast.client)
    client.force_login(cast.staff)
    response = client.get(url("inbox", cast.client) + "?sentiment=furious&source=nope")
    assert response.status_code == 200


def test_counts_per_triage_status(cast, client):
    for triage in ["new", "new", "needs_response", "ignored"]:
        a_mention(cast.client, triage=triage)
    a_mention(cast.second_client, triage="needs_response")
    client.force_login(cast.manager)
    response = client.get(url("inbox", cast.client))
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts == {"new": 2, "needs_response": 1, "responded": 0, "ignored": 1}


def test_inbox_pages_by_fifty(cast, client):
    source = a_source(cast.client)
    for _ in range(55):
        a_mention(cast.client, source)
    client.force_login(cast.staff)
    assert len(listed(client.get(url("inbox", cast.client)))) == 50
    second = client.get(url("inbox", cast.client) + "?page=2")
    assert len(listed(second)) == 5
    assert "every 15s" not in second.content.decode()  # only page 1 polls


def test_htmx_request_gets_only_the_table(cast, client):
    a_mention(cast.client)
    client.force_login(cast.staff)
    response = client.get(url("inbox", cast.client), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'class="data inbox"' in html


def test_bulk_triage_changes_the_selected_mentions_and_says_how_many(cast, client):
    first, second, untouched = (a_mention(cast.client) for _ in range(3))
    client.force_login(cast.staff)
    response = client.post(
        url("inbox_bulk", cast.client),
        {
            "mention": [first.public_id, second.public_id],
            "triage": "needs_response",
            "assignee": str(cast.readonly_staff.public_id),
        },
        follow=True,
    )
    assert "2 mentions changed." in response.content.decode()
    first.refresh_from_db()
    untouched.refresh_from_db()
    assert first.triage == Triage.NEEDS_RESPONSE and first.assignee == cast.readonly_staff
    assert untouched.triage == Triage.NEW and untouched.assignee is None


def test_bulk_triage_ignores_mentions_of_other_clients_and_agencies(cast, client):
    mine = a_mention(cast.client)
    sibling = a_mention(cast.second_client)
    foreign = a_mention(cast.other_client)
    client.force_login(cast.staff)
    response = client.post(
        url("inbox_bulk", cast.client),
        {"mention": [mine.public_id, sibling.public_id, foreign.public_id], "triage": "ignored"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 mention changed." in html
    assert "2 selected mentions were not changed" in html
    assert Mention.objects.get(pk=sibling.pk).triage == Triage.NEW
    assert Mention.objects.get(pk=foreign.pk).triage == Triage.NEW
    assert Mention.objects.get(pk=mine.pk).triage == Triage.IGNORED


def test_bulk_triage_refuses_an_assignee_who_cannot_see_the_client(cast, client):
    mention = a_mention(cast.client)
    client.force_login(cast.manager)
    response = client.post(
        url("inbox_bulk", cast.client),
        {"mention": [mention.public_id], "assignee": str(cast.unassigned_staff.public_id)},
        follow=True,
    )
    assert "that person cannot see it" in response.content.decode()
    mention.refresh_from_db()
    assert mention.assignee is None


def test_bulk_triage_needs_a_selection_and_a_change(cast, client):
    mention = a_mention(cast.client)
    client.force_login(cast.staff)
    nothing = client.post(url("inbox_bulk", cast.client), {"triage": "ignored"}, follow=True)
    assert "Select at least one mention." in nothing.content.decode()
    no_change = client.post(
        url("inbox_bulk", cast.client), {"mention": [mention.public_id]}, follow=True
    )
    assert "Choose a status or an assignee to apply." in no_change.content.decode()


def test_read_only_staff_cannot_bulk_triage_and_sees_no_checkboxes(cast, client):
    mention = a_mention(cast.client)
    client.force_login(cast.readonly_staff)
    page = client.get(url("inbox", cast.client)).content.decode()
    assert 'name="mention"' not in page
    response = client.post(
        url("inbox_bulk", cast.client), {"mention": [mention.public_id], "triage": "ignored"}
    )
    assert response.status_code == 403


def test_new_mentions_banner_counts_arrivals_since_the_page_loaded(cast, client):
    client.force_login(cast.staff)
    page = client.get(url("inbox", cast.client))
    since = page.context["since"]
    assert 'hx-trigger="every 15s"' in page.content.decode()
    a_mention(cast.client, fetched_at=timezone.now() + timedelta(seconds=1))
    a_mention(cast.second_client, fetched_at=timezone.now() + timedelta(seconds=1))
    banner = client.get(url("inbox_new_count", cast.client), {"since": since})
    assert "1 new mention — show" in banner.content.decode()
    empty = client.get(url("inbox_new_count", cast.client), {"since": "garbage"})
    assert "new mention" not in empty.content.decode()


def test_mention_detail_links_out_safely_and_changes_triage(cast, client):
    term = a_term(cast.client, "Acme")
    mention = a_mention(cast.client, url="https://social.example/p/1", terms=(term,))
    client.force_login(cast.staff)
    page = client.get(url("mention", cast.client, pk=mention.public_id)).content.decode()
    assert 'rel="noopener noreferrer nofollow"' in page
    assert ">Acme</span>" in page
    response = client.post(
        url("mention", cast.client, pk=mention.public_id),
        {"triage": "responded", "assignee": str(cast.staff.public_id)},
    )
    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.triage == Triage.RESPONDED and mention.assignee == cast.staff


def test_bulk_triage_is_recorded_and_shown_on_each_mention(cast, client):
    first, second = a_mention(cast.client), a_mention(cast.client)
    already = a_mention(cast.client, triage=Triage.NEEDS_RESPONSE, assignee=cast.readonly_staff)
    client.force_login(cast.staff)
    client.post(
        url("inbox_bulk", cast.client),
        {
            "mention": [first.public_id, second.public_id, already.public_id],
            "triage": "needs_response",
            "assignee": str(cast.readonly_staff.public_id),
        },
    )
    changes = MentionTriageChange.objects.filter(mention=first)
    assert [(c.by, c.triage_from, c.triage_to, c.assignee_to, c.batch_size) for c in changes] == [
        (cast.staff, "new", "needs_response", cast.readonly_staff, 2)
    ]
    # A mention that already had that status and assignee was not changed, nor recorded.
    assert not MentionTriageChange.objects.filter(mention=already).exists()
    page = client.get(url("mention", cast.client, pk=first.public_id)).content.decode()
    history = page[page.index('id="triage-history"') :]
    assert cast.staff.display_name in history
    assert "changed the status from New to <strong>Needs response</strong>" in history
    assert f"assigned it to <strong>{cast.readonly_staff.display_name}</strong>" in history
    assert "(bulk triage of 2 mentions)" in history


def test_a_change_on_the_mention_page_is_recorded_with_the_previous_assignee(cast, client):
    mention = a_mention(cast.client, assignee=cast.readonly_staff)
    client.force_login(cast.manager)
    page = client.get(url("mention", cast.client, pk=mention.public_id)).content.decode()
    assert "No triage changes yet" in page
    client.post(
        url("mention", cast.client, pk=mention.public_id), {"triage": "ignored", "assignee": "none"}
    )
    change = MentionTriageChange.objects.get(mention=mention)
    assert change.by == cast.manager and change.batch_size == 1
    assert (change.triage_from, change.triage_to) == ("new", "ignored")
    assert change.assignee_changed and change.assignee_from == cast.readonly_staff
    assert change.assignee_to is None
    page = client.get(url("mention", cast.client, pk=mention.public_id)).content.decode()
    assert f"left it unassigned (was {cast.readonly_staff.display_name})" in page
    assert "bulk triage" not in page


def test_another_agencys_mention_is_a_404(cast, client):
    foreign = a_mention(cast.other_client)
    client.force_login(cast.owner)
    assert client.get(url("mention", cast.client, pk=foreign.public_id)).status_code == 404


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_writer_selects_all_mentions_in_the_browser_and_marks_them(cast, live_server, page):
    source = a_source(cast.client)
    for i in range(3):
        a_mention(cast.client, source, text=f"Acme post {i}")
    log_in(page, live_server.url, "staff@northwind.test")
    page.goto(live_server.url + url("overview", cast.client))
    page.get_by_role("heading", name="Volume and sentiment").wait_for()
    page.goto(live_server.url + url("inbox", cast.client))
    page.get_by_label("Select all mentions on this page").check()
    assert page.locator("input[name=mention]:checked").count() == 3
    page.get_by_label("Set status").select_option("needs_response")
    page.get_by_role("button", name="Apply to selected").click()
    page.get_by_text("3 mentions changed.").wait_for()
    assert Mention.objects.filter(triage=Triage.NEEDS_RESPONSE).count() == 3


def test_sending_a_reply_shows_in_the_mentions_history(cast, client):
    mention = a_mention(cast.client, author="@jane_doe")
    response_save(mention=mention, by=cast.staff, body="Hi Jane, sorry!", status="sent")
    change = MentionTriageChange.objects.get(mention=mention)
    assert (change.by, change.triage_to) == (cast.staff, Triage.RESPONDED)
    client.force_login(cast.manager)
    page = client.get(url("mention", cast.client, pk=mention.public_id)).content.decode()
    assert "changed the status from New to <strong>Responded</strong>" in page
