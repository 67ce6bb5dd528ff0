"""A real local HTTP server for the monitoring tests: feeds with ETag support (304 to a
matching If-None-Match), scripted status sequences, and a log of every request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml"
    etag: str | None = None
    # Statuses to answer in turn before answering 200 with the body (e.g. [500, 500]).
    statuses: list[int] = field(default_factory=list)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.url = ""

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            server.seen.append(
                Seen(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            route = server.routes.get(path) or server.routes.get(self.path)
            if route is None:
                self._send(404, b"not here")
                return
            if route.statuses:
                self._send(route.statuses.pop(0), b"scripted")
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self._send(304, b"")
                return
            headers = {"Content-Type": route.content_type}
            if route.etag:
                headers["ETag"] = route.etag
            self._send(200, route.body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return Handler


@contextmanager
def local_server() -> Iterator[LocalServer]:
    state = LocalServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def unanswered(address: str, port: int) -> Iterator[None]:
    """A listener at address:port whose queue is full: a connection to it is never
    accepted, the client's connect times out (as with a dead server that drops packets).
    Linux drops the SYN to a full accept queue; any 127.x address is loopback there, so
    127.0.0.2 can stand beside a server on 127.0.0.1 at the same port."""
    listener = socket.socket()
    listener.bind((address, port))
    listener.listen(0)
    filler = socket.create_connection((address, port), timeout=1)
    try:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            try:
                probe.connect((address, port))
            except TimeoutError:
                pass
            else:
                raise AssertionError(f"{address}:{port} accepted a connection")
        yield
    finally:
        filler.close()
        listener.close()


def rss(items: list[dict[str, str]], title: str = "Brand news") -> bytes:
    """An RSS 2.0 document; each item has guid, title, description (HTML allowed,
    escaped here), link, pubDate (RFC 822)."""
    from xml.sax.saxutils import escape

    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<rss version='2.0'><channel><title>{escape(title)}</title>"
        "<link>https://news.example/</link><language>en</language>",
    ]
    for item in items:
        parts.append(
            "<item>"
            f"<guid>{escape(item['guid'])}</guid>"
            f"<title>{escape(item.get('title', ''))}</title>"
            f"<link>{escape(item.get('link', 'https://news.example/' + item['guid']))}</link>"
            f"<description>{escape(item.get('description', ''))}</description>"
            f"<pubDate>{item.get('pubDate', 'Mon, 23 Nov 2026 10:00:00 +0000')}</pubDate>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()
