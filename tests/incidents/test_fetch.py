"""The feed fetcher against a real local HTTP server: timeouts, size caps, redirects,
blocked addresses, schemes, conditional GET, and the allow-list setting that lets tests
reach 127.0.0.1 at all."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from incidents.monitoring import fetch as fetch_module
from incidents.monitoring.fetch import (
    BadScheme,
    BlockedAddress,
    ConnectionFailed,
    DNSFailure,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
    fetch,
    is_public_address,
)
from tests.incidents.local_server import unanswered

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
    b"<item><title>Acme recall</title><link>http://example.com/1</link></item>"
    b"</channel></rss>"
)
ETAG = '"feed-v1"'
LAST_MODIFIED = "Mon, 03 Apr 2023 01:02:03 GMT"
GZIP_BOMB = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, Location=location)

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route()

    def _route(self) -> None:
        path = self.path
        port = self.server.server_address[1]
        if path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG or (
                self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self._send(304, ETag=ETAG)
                return
            self._send(
                200,
                FEED,
                Content_Type="application/rss+xml; charset=utf-8",
                ETag=ETAG,
                Last_Modified=LAST_MODIFIED,
            )
        elif path == "/echo-host":
            self._send(200, self.headers.get("Host", "").encode(), Content_Type="text/plain")
        elif path == "/echo-peer":
            self._send(200, str(self.client_address[1]).encode(), Content_Type="text/plain")
        elif path == "/then-close":
            # Answers as if keeping the connection, then closes it (an idle timeout).
            self._send(200, str(self.client_address[1]).encode(), Content_Type="text/plain")
            self.close_connection = True
        elif path == "/slow":
            time.sleep(3)
            self._send(200, FEED)
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/big":
            # No Content-Length: the cap has to be enforced while streaming.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x" * 10_000)
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"x" * 1000)
        elif path == "/gzip-bomb":
            self._send(200, GZIP_BOMB, Content_Encoding="gzip", Content_Type="application/xml")
        elif path == "/gzip-feed":
            self._send(200, gzip.compress(FEED), Content_Encoding="gzip")
        elif path.startswith("/redirect/"):
            hops = int(path.rsplit("/", 1)[1])
            self._redirect(f"/redirect/{hops - 1}" if hops > 0 else "/feed.xml")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif path == "/to-private":
            self._redirect("http://10.0.0.7/feed.xml")
        elif path == "/to-localhost-name":
            self._redirect(f"http://localhost:{port}/feed.xml")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/missing":
            self._send(404, b"not here")
        elif path == "/busy":
            self._send(429, b"slow down", Retry_After="120")
        else:
            self._send(500, b"?")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (the timeout and size tests) reset connections mid-request.
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allowed(settings: Any) -> Any:
    """The local test server allowed by the setting, with short limits."""
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FEED_TIMEOUT_SECONDS = 0.5
    settings.FEED_MAX_BYTES = 100_000
    return settings


# --------------------------------------------------------------------------- addresses


def test_local_server_is_blocked_by_default(server: str, settings: Any) -> None:
    settings.FEED_ALLOWED_HOSTS = []
    with pytest.raises(BlockedAddress) as caught:
        fetch(f"{server}/feed.xml")
    assert "127.0.0.1" in caught.value.user_message
    assert "not allowed" in caught.value.user_message


def test_allowed_host_setting_lets_the_local_server_through(server: str, allowed: Any) -> None:
    result = fetch(f"{server}/feed.xml")
    assert result.status == 200
    assert result.body == FEED
    assert result.not_modified is False
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.url == f"{server}/feed.xml"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address checked, not bound
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
        "ff02::1",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_a_name_that_resolves_to_an_internal_address_is_blocked(
    server: str, allowed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Allowing "127.0.0.1" allows URLs that name it, not any name that resolves to it.
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    port = server.rsplit(":", 1)[1]
    with pytest.raises(BlockedAddress):
        fetch(f"http://rebind.example.com:{port}/feed.xml")


def test_connection_goes_to_the_checked_address_with_the_original_host_header(
    server: str, allowed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host name is resolved once; the connection uses that answer (no second lookup a
    # rebinding DNS server could change), while the server still sees its own name.
    allowed.FEED_ALLOWED_HOSTS = ["feeds.internal.test"]
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        if host == "feeds.internal.test":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    port = server.rsplit(":", 1)[1]
    result = fetch(f"http://feeds.internal.test:{port}/echo-host")
    assert result.body == f"feeds.internal.test:{port}".encode()
    assert lookups.count("feeds.internal.test") == 1


def test_a_connect_timeout_on_one_address_tries_the_next(
    server: str, allowed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The name resolves to a server that never accepts a connection first, then to ours.
    allowed.FEED_ALLOWED_HOSTS = ["feeds.internal.test"]
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "feeds.internal.test":
            return real("127.0.0.2", *args, **kwargs) + real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with unanswered("127.0.0.2", port):
        result = fetch(f"http://feeds.internal.test:{port}/echo-host")
    assert result.body == f"feeds.internal.test:{port}".encode()


def test_a_stalled_dns_server_fails_the_fetch_in_bounded_time(
    allowed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed.FEED_DNS_TIMEOUT_SECONDS = 0.3
    release = threading.Event()

    def stalled(host: Any, *args: Any, **kwargs: Any) -> Any:
        release.wait(10)  # a resolver that never answers (until the test ends)
        raise socket.gaierror("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    started = time.monotonic()
    try:
        with pytest.raises(DNSFailure) as caught:
            fetch("http://feeds.slow-dns.test/feed.xml")
        assert time.monotonic() - started < 1.5
        assert caught.value.user_message == (
            "The host name feeds.slow-dns.test could not be looked up: the DNS server did "
            "not answer within 0.3 seconds."
        )
    finally:
        release.set()


def test_unknown_host_name_is_a_dns_failure(settings: Any) -> None:
    with pytest.raises(DNSFailure) as caught:
        fetch("http://no-such-host.invalid/feed.xml")
    assert "could not be found" in caught.value.user_message


# --------------------------------------------------------------------------- keep-alive


def test_a_second_fetch_from_the_same_host_reuses_the_connection(server: str, allowed: Any) -> None:
    first = fetch(f"{server}/echo-peer").body
    assert fetch(f"{server}/echo-peer").body == first


def test_connections_are_not_shared_between_host_names_at_one_address(
    server: str, allowed: Any, names_resolve_locally: None
) -> None:
    allowed.FEED_ALLOWED_HOSTS = ["a.internal.test", "b.internal.test"]
    port = server.rsplit(":", 1)[1]
    peer_a = fetch(f"http://a.internal.test:{port}/echo-peer").body
    peer_b = fetch(f"http://b.internal.test:{port}/echo-peer").body
    assert peer_a != peer_b
    assert fetch(f"http://a.internal.test:{port}/echo-peer").body == peer_a


def test_idle_connections_are_bounded(
    server: str, allowed: Any, names_resolve_locally: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "MAX_IDLE_CONNECTIONS", 1)
    allowed.FEED_ALLOWED_HOSTS = ["a.internal.test", "b.internal.test"]
    port = server.rsplit(":", 1)[1]
    fetch(f"http://a.internal.test:{port}/echo-peer")
    fetch(f"http://b.internal.test:{port}/echo-peer")
    idle = fetch_module._pool._idle
    assert sum(len(conns) for conns in idle.values()) == 1
    assert [key[1] for key in idle] == ["b.internal.test"]


def test_a_connection_the_server_closed_while_idle_is_replaced(server: str, allowed: Any) -> None:
    first = fetch(f"{server}/then-close").body
    time.sleep(0.05)
    second = fetch(f"{server}/echo-peer")
    assert second.status == 200
    assert second.body != first


# --------------------------------------------------------------------------- schemes


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "gopher://example.com/",
        "javascript:alert(1)",
    ],
)
def test_only_http_and_https_are_fetched(url: str, settings: Any) -> None:
    with pytest.raises(BadScheme) as caught:
        fetch(url)
    assert caught.value.user_message == "Only http:// and https:// feed addresses are supported."


def test_garbage_url_is_invalid(settings: Any) -> None:
    with pytest.raises(InvalidURL):
        fetch("http://")


# --------------------------------------------------------------------------- redirects


def test_redirects_are_followed_within_the_limit(server: str, allowed: Any) -> None:
    result = fetch(f"{server}/redirect/3")
    assert result.body == FEED
    assert result.url == f"{server}/feed.xml"
    assert len(result.redirects) == 4


def test_too_many_redirects_are_refused(server: str, allowed: Any) -> None:
    with pytest.raises(TooManyRedirects) as caught:
        fetch(f"{server}/redirect/9")
    assert "more than 5 times" in caught.value.user_message


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private", "/to-localhost-name"])
def test_redirect_to_an_internal_address_is_blocked(server: str, allowed: Any, path: str) -> None:
    with pytest.raises(BlockedAddress):
        fetch(f"{server}{path}")


def test_redirect_to_a_file_url_is_refused(server: str, allowed: Any) -> None:
    with pytest.raises(BadScheme):
        fetch(f"{server}/to-file")


# --------------------------------------------------------------------------- limits


def test_slow_server_times_out(server: str, allowed: Any) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as caught:
        fetch(f"{server}/slow")
    assert time.monotonic() - started < 2.5
    assert "seconds" in caught.value.user_message


def test_server_dripping_bytes_hits_the_total_deadline(server: str, allowed: Any) -> None:
    # Each byte arrives within the read timeout; only the total deadline stops it.
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(f"{server}/drip")
    assert time.monotonic() - started < 3


def test_body_over_the_cap_is_refused_while_streaming(server: str, allowed: Any) -> None:
    with pytest.raises(ResponseTooLarge) as caught:
        fetch(f"{server}/big")
    assert caught.value.user_message == "The feed is larger than the 98 kB limit."


def test_declared_length_over_the_cap_is_refused_before_reading(server: str, allowed: Any) -> None:
    with pytest.raises(ResponseTooLarge):
        fetch(f"{server}/big-declared")


def test_gzip_bomb_is_stopped_at_the_cap(server: str, allowed: Any) -> None:
    with pytest.raises(ResponseTooLarge):
        fetch(f"{server}/gzip-bomb")


def test_gzip_feed_is_decompressed(server: str, allowed: Any) -> None:
    assert fetch(f"{server}/gzip-feed").body == FEED


# --------------------------------------------------------------------------- conditional GET


def test_matching_etag_gives_not_modified(server: str, allowed: Any) -> None:
    result = fetch(f"{server}/feed.xml", etag=ETAG)
    assert result.not_modified is True
    assert result.status == 304
    assert result.body == b""


def test_matching_last_modified_gives_not_modified(server: str, allowed: Any) -> None:
    result = fetch(f"{server}/feed.xml", last_modified=LAST_MODIFIED)
    assert result.not_modified is True


def test_stale_etag_gives_the_feed(server: str, allowed: Any) -> None:
    result = fetch(f"{server}/feed.xml", etag='"old"')
    assert result.not_modified is False
    assert result.body == FEED


# --------------------------------------------------------------------------- HTTP errors


def test_http_error_status_has_a_plain_message(server: str, allowed: Any) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch(f"{server}/missing")
    assert caught.value.status == 404
    assert (
        caught.value.user_message
        == "The feed server answered 404 Not Found. Check the feed address."
    )


def test_rate_limited_answer_keeps_retry_after(server: str, allowed: Any) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch(f"{server}/busy")
    assert caught.value.status == 429
    assert caught.value.retry_after == "120"


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """An HTTPS server with a self-signed certificate for feeds.internal.test; yields its
    port and the certificate file."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=feeds.internal.test",
            "-addext",
            "subjectAltName=DNS:feeds.internal.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield str(httpd.server_address[1]), str(cert)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def names_resolve_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".internal.test"):
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_https_is_verified_against_the_host_name_while_connecting_to_the_checked_address(
    tls_server: tuple[str, str],
    allowed: Any,
    names_resolve_locally: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, cert = tls_server
    allowed.FEED_ALLOWED_HOSTS = ["feeds.internal.test"]
    monkeypatch.setattr(
        fetch_module, "_ssl_context", lambda: ssl.create_default_context(cafile=cert)
    )
    result = fetch(f"https://feeds.internal.test:{port}/feed.xml")
    assert result.body == FEED


def test_https_certificate_for_another_name_is_refused(
    tls_server: tuple[str, str],
    allowed: Any,
    names_resolve_locally: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, cert = tls_server
    allowed.FEED_ALLOWED_HOSTS = ["other.internal.test"]
    monkeypatch.setattr(
        fetch_module, "_ssl_context", lambda: ssl.create_default_context(cafile=cert)
    )
    with pytest.raises(ConnectionFailed) as caught:
        fetch(f"https://other.internal.test:{port}/feed.xml")
    assert caught.value.user_message == "The feed server's security certificate is not valid."


def test_https_self_signed_certificate_is_refused(
    tls_server: tuple[str, str], allowed: Any, names_resolve_locally: None
) -> None:
    port, _cert = tls_server
    allowed.FEED_ALLOWED_HOSTS = ["feeds.internal.test"]
    with pytest.raises(ConnectionFailed) as caught:
        fetch(f"https://feeds.internal.test:{port}/feed.xml")
    assert caught.value.user_message == "The feed server's security certificate is not valid."
