"""The client portal is read-only: every portal URL, reached by following the links a
contact sees, renders no form but the log-out button, and refuses every write method."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from clients.models import PortalAccess
from incidents.reports import report_request_plan, report_request_postmortem
from tests.clients.portal_factories import a_portal_world
from tests.plans.factories import a_risk, approved_plan

PORTAL_NAMESPACES = ("clientportal", "plansportal", "incidentsportal", "reportsportal")
# Pages of the portal no portal page links to (the walk opens them directly): none now,
# the PDF list has its entry in the portal navigation.
UNLINKED: set[str] = set()
WRITE_METHODS = ("post", "put", "patch", "delete")


def portal_pattern_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, ns: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, entry.namespace or ns)
            elif isinstance(entry, URLPattern) and ns in PORTAL_NAMESPACES:
                names.add(f"{ns}:{entry.name}")

    walk(get_resolver(), "")
    return names


class PageParser(HTMLParser):
    """The links, images and forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.html = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "img" and values.get("src"):
            self.links.append(values["src"])
        elif tag == "form":
            self.forms.append(values)


def crawl(http, start: str) -> dict[str, PageParser]:
    """Every page under /portal/ reachable from `start` by links and images."""
    seen: dict[str, PageParser] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = http.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        parser = PageParser()
        if response["Content-Type"].startswith("text/html"):
            parser.html = True
            parser.feed(response.content.decode())
        seen[url] = parser
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # outside links (where a statement was published)
            if href.startswith("?"):
                href = url.split("?")[0] + href
            if href.startswith("/portal/") and href not in seen:
                queue.append(href)
    return seen


def test_every_portal_page_is_reachable_has_no_form_but_logout_and_refuses_writes(
    cast, client, django_capture_on_commit_callbacks
):
    PortalAccess.objects.create(client=cast.second_client, user=cast.contact_user)
    world = a_portal_world(cast)
    _plan, revision = approved_plan(cast.client, cast.owner)
    a_risk(cast.client, cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        report_request_plan(revision=revision, variant="client", paper_size="a4", by=cast.owner)
        report_request_postmortem(
            postmortem=world.postmortem, variant="client", paper_size="a4", by=cast.owner
        )
    from tests.clients.test_portal import _give_logo

    _give_logo(cast.agency)
    client.force_login(cast.contact_user)

    pages = crawl(client, reverse("clientportal:home"))
    reached = {resolve(urlsplit(url).path).view_name for url in pages}
    assert reached == portal_pattern_names() - UNLINKED, "portal URLs no link leads to"
    assert any(str(world.past.public_id) in url for url in pages)
    for name in UNLINKED:
        pages.update(crawl(client, reverse(name, kwargs={"client": cast.client.public_id})))

    logout = reverse("accounts:logout")
    assert all(p.forms for p in pages.values() if p.html)  # the log-out button
    for url, parser in pages.items():
        for form in parser.forms:
            assert form.get("method", "get").lower() == "post", f"{url}: a form {form}"
            assert form.get("action") == logout, f"{url}: a form that is not log-out: {form}"
        for method in WRITE_METHODS:
            response = getattr(client, method)(url)
            assert response.status_code == 405, f"{method.upper()} {url}: {response.status_code}"


def test_writes_to_the_portal_are_refused_for_everyone(cast, client):
    url = reverse("clientportal:contacts", kwargs={"client": cast.client.public_id})
    # The contact reaches a read-only page (no POST); agency people are not portal users.
    for user, status in ((cast.contact_user, 405), (cast.owner, 403), (cast.staff, 403)):
        client.force_login(user)
        assert client.post(url, {"name": "Injected"}).status_code == status, user
    assert not cast.client.contacts.filter(name="Injected").exists()


def test_the_demo_contact_walks_the_whole_portal(db, client):
    from django.core.management import call_command

    from portal.models import User

    call_command("demo_data")
    client.force_login(User.objects.get(email="contact@acme.example"))
    pages = crawl(client, reverse("clientportal:home"))
    assert any(resolve(urlsplit(u).path).view_name == "plansportal:plan" for u in pages)
    for url, parser in pages.items():
        assert all(f.get("action") == reverse("accounts:logout") for f in parser.forms), url
