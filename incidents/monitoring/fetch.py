"""Fetch a feed URL safely: the URL comes from a user, the server on the other end may be
hostile, and the fetch runs inside our network.

What is refused, and why:
- schemes other than http(s) (`file:`, `gopher:` ... reach things a feed never needs);
- any address that is not globally routable: loopback, private ranges, link-local (which
  holds the cloud metadata service at 169.254.169.254), carrier-grade NAT, multicast,
  reserved, and the same addresses hidden inside IPv6 (::ffff:10.0.0.1, 6to4, NAT64).
  The host name is resolved here, every address it resolves to is checked, and the
  connection goes to the checked address (the TLS certificate is still verified against
  the host name), so a DNS answer that changes between check and connect (DNS rebinding)
  cannot slip through. Redirects are followed by hand and every hop is checked the same
  way;
- bodies over `max_bytes`: checked against Content-Length first, then counted while
  streaming, after decompression, which is done here with a bounded output so a small
  gzip bomb cannot allocate gigabytes;
- servers that are slow to connect or to send (connect and read timeouts), or that drip
  bytes just fast enough to dodge the read timeout (a total deadline);
- DNS servers that do not answer: the lookup runs in a small thread pool and is given up
  after `dns_timeout_seconds` (a stalled lookup holds a pool thread, never the worker).

`FEED_ALLOWED_HOSTS` lists hosts that may be fetched even though they are internal (a
local test server, an intranet feed). An entry matches the host exactly as written in the
URL: allowing "127.0.0.1" allows http://127.0.0.1/..., not a public name that resolves
there.

The HTTP exchange is the standard library's `http.client` on a socket we open to the
checked address (httpx only parses URLs here): measured by `python -m bench.ingest`, a
request through httpx cost three to four times as much Python as the whole exchange
through `http.client`, and an unchanged feed's re-poll is little more than that exchange.
Connections are kept alive per (host name, checked address) and reused only for that
pair, so TLS verified for one name never carries a request for another. Environment
proxies are never used: the address checks are only meaningful for a direct connection.

Every failure is a `FetchError` whose `user_message` is a sentence for the source's "last
error" field in the UI.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from urllib.parse import urljoin

import certifi
import httpx

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_REDIRECTS = 5
# A resolver that does not answer within this (or the rest of the total deadline, if
# shorter) fails the fetch; the lookup itself cannot be cancelled, so it runs in one of
# `DNS_THREADS` threads and at most that many stalled lookups exist per process.
DEFAULT_DNS_TIMEOUT_SECONDS = 5.0
DNS_THREADS = 4
# Idle keep-alive connections are kept this long, at most this many per process.
KEEPALIVE_SECONDS = 30.0
MAX_IDLE_CONNECTIONS = 32
_READ_SIZE = 64 * 1024
# A total deadline of a few read timeouts: long enough for a big feed on a slow link,
# short enough that a server dripping one byte at a time cannot hold a worker.
DEADLINE_FACTOR = 3
USER_AGENT = "Firebreak-FeedFetcher/1.0 (+crisis monitoring; respects ETag/Last-Modified)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# --------------------------------------------------------------------------- errors


class FetchError(Exception):
    """A fetch that did not produce a feed body. `user_message` is for people."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message
        self.detail = detail


class InvalidURL(FetchError):
    pass


class BadScheme(InvalidURL):
    pass


class BlockedAddress(FetchError):
    pass


class DNSFailure(FetchError):
    pass


class ConnectionFailed(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


class ResponseTooLarge(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class BadResponse(FetchError):
    pass


class HTTPStatusError(FetchError):
    def __init__(self, user_message: str, *, status: int, retry_after: str | None = None) -> None:
        super().__init__(user_message, detail=f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class FetchSettings:
    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    user_agent: str = USER_AGENT
    dns_timeout_seconds: float = DEFAULT_DNS_TIMEOUT_SECONDS

    @classmethod
    def from_django(cls) -> FetchSettings:
        from django.conf import settings

        return cls(
            allowed_hosts=frozenset(
                host.strip().lower().strip("[]")
                for host in getattr(settings, "FEED_ALLOWED_HOSTS", [])
                if host.strip()
            ),
            max_bytes=int(getattr(settings, "FEED_MAX_BYTES", DEFAULT_MAX_BYTES)),
            timeout_seconds=float(
                getattr(settings, "FEED_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
            ),
            dns_timeout_seconds=float(
                getattr(settings, "FEED_DNS_TIMEOUT_SECONDS", DEFAULT_DNS_TIMEOUT_SECONDS)
            ),
        )


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int
    body: bytes
    headers: dict[str, str]
    url: str
    not_modified: bool = False
    redirects: tuple[str, ...] = field(default=())

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


# --------------------------------------------------------------------------- addresses


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a connection to `ip` leaves our networks: not loopback, private,
    link-local (cloud metadata), shared/CGNAT, multicast, reserved or unspecified."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public_address(inner):
            return False
    return ip.is_global and not ip.is_multicast


def _host_allowed(host: str, settings: FetchSettings) -> bool:
    return host.lower().strip("[]") in settings.allowed_hosts


class _Resolver:
    """getaddrinfo with a bounded wait. `socket.getaddrinfo` has no timeout of its own and
    cannot be interrupted, so it runs in a small per-process thread pool and the caller
    stops waiting after the timeout; a fork gets a pool of its own (threads do not survive
    a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(DNS_THREADS, thread_name_prefix="feed-dns")
                self._pid = os.getpid()
            return self._pool

    def lookup(self, host: str, port: int, timeout: float) -> list[tuple[object, ...]]:
        timeout = max(timeout, 0.0)
        future = self._executor().submit(
            # Looked up on the module at call time (tests replace it).
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        )
        try:
            return list(future.result(timeout=timeout))
        except FutureTimeout:
            future.cancel()
            raise DNSFailure(
                f"The host name {host} could not be looked up: the DNS server did not answer "
                f"within {timeout:g} seconds.",
                detail="DNS timeout",
            ) from None


_resolver = _Resolver()


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    """Addresses for a host name (an IP literal stands for itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = _resolver.lookup(host, port, timeout)
    except (socket.gaierror, UnicodeError) as exc:
        raise DNSFailure(
            f"The host name {host} could not be found (DNS lookup failed).", detail=str(exc)
        ) from None
    addresses: list[str] = []
    for *_rest, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # type: ignore[index]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DNSFailure(f"The host name {host} has no address.")
    return addresses


def check_url(
    url: str, settings: FetchSettings, *, deadline: float | None = None
) -> tuple[httpx.URL, list[str]]:
    """Parse and vet one URL: scheme, host, and every address the host resolves to (a
    lookup waits at most `settings.dns_timeout_seconds`, and never past `deadline`, a
    `time.monotonic()` value). Returns the parsed URL and the addresses that may be
    connected to."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InvalidURL("The feed address is not a valid URL.", detail=str(exc)) from None
    if parsed.scheme not in ("http", "https"):
        raise BadScheme(
            "Only http:// and https:// feed addresses are supported.",
            detail=f"scheme {parsed.scheme!r}",
        )
    host = parsed.raw_host.decode("ascii", "replace")
    if not host:
        raise InvalidURL("The feed address has no host name.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    dns_timeout = settings.dns_timeout_seconds
    if deadline is not None:
        dns_timeout = min(dns_timeout, deadline - time.monotonic())
    addresses = _resolve(host, port, dns_timeout)
    if _host_allowed(host, settings):
        return parsed, addresses
    for address in addresses:
        if not is_public_address(ipaddress.ip_address(address)):
            raise BlockedAddress(
                f"The feed address {host} points to an internal or private network address "
                f"({address}); fetching it is not allowed.",
                detail=f"{host} -> {address}",
            )
    return parsed, addresses


# --------------------------------------------------------------------------- body


class _Decoder:
    """Content-Encoding decoding with a bound on the output of every step."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding.strip().lower()
        self._z: zlib._Decompress | None = None
        if self._encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._encoding not in ("", "identity", "deflate"):
            raise BadResponse(
                "The feed server sent the feed in a compression format we do not support.",
                detail=f"Content-Encoding {encoding!r}",
            )

    def decode(self, chunk: bytes, room: int) -> tuple[bytes, bool]:
        """Decoded bytes (at most `room + 1`), and whether output was cut off there."""
        if self._encoding in ("", "identity"):
            return chunk, False
        if self._z is None:
            # "deflate" is zlib-wrapped by the standard and raw by many servers.
            raw = not chunk or (chunk[0] & 0x0F) != 8
            self._z = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        try:
            out = self._z.decompress(chunk, room + 1)
        except zlib.error as exc:
            raise BadResponse(
                "The feed server sent a corrupt compressed response.", detail=str(exc)
            ) from None
        return out, bool(self._z.unconsumed_tail)


def _read_body(
    response: http.client.HTTPResponse, settings: FetchSettings, deadline: float
) -> bytes:
    limit = settings.max_bytes
    too_large = ResponseTooLarge(
        f"The feed is larger than the {_size(limit)} limit.", detail=f"limit {limit} bytes"
    )
    declared = response.getheader("content-length", "") or ""
    # Compressed or not, a declared length over the cap is a body over the cap.
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    decoder = _Decoder(response.getheader("content-encoding", "") or "")
    body = bytearray()
    raw_seen = 0
    while True:
        # read1 returns what one socket read gave (chunked or not), so the deadline is
        # checked after every read, however small.
        chunk = response.read1(_READ_SIZE)
        if not chunk:
            break
        raw_seen += len(chunk)
        if raw_seen > limit:
            raise too_large
        out, cut = decoder.decode(chunk, limit - len(body))
        body += out
        if cut or len(body) > limit:
            raise too_large
        if time.monotonic() > deadline:
            raise FetchTimeout(
                f"The feed server took longer than {settings.timeout_seconds * DEADLINE_FACTOR:g} "
                "seconds to send the feed.",
                detail="total deadline",
            )
    if response.length == 0:
        response.read()  # marks a Content-Length response complete (read1 does not)
    return bytes(body)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    if n >= 1024:
        return f"{round(n / 1024)} kB"
    return f"{n} bytes"


# --------------------------------------------------------------------------- fetch
@cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def _status_error(status: int, retry_after: str | None) -> HTTPStatusError:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "an unknown status"
    hint = {
        401: " The feed needs a login.",
        403: " The server refuses to give us the feed.",
        404: " Check the feed address.",
        410: " The feed has been removed.",
        429: " The server says we ask too often; we will retry later.",
    }.get(status, " The server had a problem; we will retry later." if status >= 500 else "")
    return HTTPStatusError(
        f"The feed server answered {status} {phrase}.{hint}", status=status, retry_after=retry_after
    )


def _connect_error_message(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return "The feed server's security certificate is not valid."
    if isinstance(exc, ssl.SSLError) or "SSL" in text or "TLS" in text:
        return "A secure (HTTPS) connection to the feed server could not be made."
    if "refused" in text.lower():
        return "The feed server refused the connection."
    return "Could not connect to the feed server."


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to an address that was checked, for one host name: TCP goes
    to `address`, TLS is verified against `host_name` (SNI and certificate), and
    `http.client` never resolves anything itself (its automatic reconnection goes through
    `connect` too, so to the same checked address)."""

    def __init__(
        self,
        *,
        host_name: str,
        address: str,
        port: int,
        tls: ssl.SSLContext | None,
        timeout: float,
    ) -> None:
        super().__init__(address, port, timeout=timeout)
        self.host_name = host_name
        self.address = address
        self.tls = tls
        self.idle_since = 0.0

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host_name)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


_PoolKey = tuple[str, str, str, int, ssl.SSLContext | None]


class _ConnectionPool:
    """Idle keep-alive connections of this process, by (scheme, host name, checked
    address, port, TLS context). A connection is only ever reused for the same host name
    at the same address it was opened (and, for https, verified) for, and only after its
    last response was read to the end; a worker that polls many feeds of one site saves
    the connection set-up (and the TLS handshake) on each of them. Connections idle for
    `KEEPALIVE_SECONDS` are closed; a fork starts with an empty pool (the sockets belong
    to the parent)."""

    def __init__(self) -> None:
        self._idle: dict[_PoolKey, list[_PinnedConnection]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self, key: _PoolKey) -> _PinnedConnection | None:
        now = time.monotonic()
        with self._lock:
            if self._pid != os.getpid():
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.pop(key, [])
            found = None
            while idle and found is None:
                conn = idle.pop()  # the most recently used first
                if now - conn.idle_since < KEEPALIVE_SECONDS:
                    found = conn
                else:
                    conn.close()
            if idle:
                self._idle[key] = idle
        return found

    def give_back(self, key: _PoolKey, conn: _PinnedConnection) -> None:
        conn.idle_since = time.monotonic()
        with self._lock:
            if self._pid != os.getpid():
                conn.close()
                return
            self._idle.setdefault(key, []).append(conn)
            total = sum(len(conns) for conns in self._idle.values())
            while total > MAX_IDLE_CONNECTIONS:
                # Each list is oldest first: close the oldest of their heads.
                oldest = min(self._idle, key=lambda k: self._idle[k][0].idle_since)
                self._idle[oldest].pop(0).close()
                if not self._idle[oldest]:
                    del self._idle[oldest]
                total -= 1


_pool = _ConnectionPool()


@dataclass(slots=True)
class _Target:
    url: httpx.URL
    host_name: str
    host_header: str
    port: int
    tls: ssl.SSLContext | None

    @classmethod
    def of(cls, url: httpx.URL) -> _Target:
        host_header = url.netloc.decode("ascii")
        if "@" in host_header:
            host_header = host_header.rsplit("@", 1)[1]
        https = url.scheme == "https"
        return cls(
            url=url,
            host_name=url.raw_host.decode("ascii"),
            host_header=host_header,
            port=url.port or (443 if https else 80),
            tls=_ssl_context() if https else None,
        )

    @property
    def path(self) -> str:
        return self.url.raw_path.decode("ascii")

    def key(self, address: str) -> _PoolKey:
        return (self.url.scheme, self.host_name.lower(), address, self.port, self.tls)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    settings: FetchSettings | None = None,
) -> FetchResult:
    """GET a feed. Returns the body of a 2xx answer, or `not_modified=True` for a 304 to
    the conditional headers; raises a `FetchError` subclass for everything else."""
    settings = settings or FetchSettings.from_django()
    timeout = settings.timeout_seconds
    deadline = time.monotonic() + timeout * DEADLINE_FACTOR
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    current = url
    hops: list[str] = []
    while True:
        parsed, addresses = check_url(current, settings, deadline=deadline)
        target = _Target.of(parsed)
        conn, key, response = _send(target, addresses, headers, settings)
        reusable = False
        try:
            status = response.status
            if status in REDIRECT_STATUSES:
                location = response.getheader("location")
                if not location:
                    raise BadResponse("The feed server sent a redirect without a target address.")
                if len(hops) >= settings.max_redirects:
                    raise TooManyRedirects(
                        f"The feed address redirected more than {settings.max_redirects} times.",
                        detail=" -> ".join([*hops, current]),
                    )
                hops.append(current)
                current = urljoin(current, location.strip())
                continue
            result_headers = _headers(response)
            if status == 304:
                response.read()
                reusable = response.isclosed() and not response.will_close
                return FetchResult(
                    status=304,
                    body=b"",
                    headers=result_headers,
                    url=current,
                    not_modified=True,
                    redirects=tuple(hops),
                )
            if not 200 <= status < 300:
                raise _status_error(status, response.getheader("retry-after"))
            body = _read_body(response, settings, deadline)
            reusable = response.isclosed() and not response.will_close
            return FetchResult(
                status=status,
                body=body,
                headers=result_headers,
                url=current,
                redirects=tuple(hops),
            )
        except TimeoutError:
            raise FetchTimeout(
                f"The feed server stopped sending for more than {timeout:g} seconds."
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            raise BadResponse("The feed server sent a broken response.", detail=str(exc)) from None
        finally:
            if reusable:
                _pool.give_back(key, conn)
            else:
                conn.close()


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    """Lower-cased header names; repeated headers joined with ", " (as HTTP allows)."""
    merged: dict[str, str] = {}
    for name, value in response.getheaders():
        name = name.lower()
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _send(
    target: _Target, addresses: list[str], headers: dict[str, str], settings: FetchSettings
) -> tuple[_PinnedConnection, _PoolKey, http.client.HTTPResponse]:
    """Send to the first address that accepts a connection (an idle keep-alive connection
    to the same name and address first); the connection, its pool key and the response."""
    timeout = settings.timeout_seconds
    request_headers = {**headers, "Host": target.host_header}
    last: FetchError = ConnectionFailed("Could not connect to the feed server.")
    for address in addresses:
        key = target.key(address)
        pooled = _pool.take(key)
        if pooled is not None:
            try:
                return pooled, key, _exchange(pooled, target, request_headers, timeout)
            except _Stale:
                pass  # the server closed the idle connection meanwhile: open a new one
        conn = _PinnedConnection(
            host_name=target.host_name,
            address=address,
            port=target.port,
            tls=target.tls,
            timeout=timeout,
        )
        try:
            conn.connect()
        except TimeoutError:
            conn.close()
            last = FetchTimeout(
                f"The feed server did not accept a connection within {timeout:g} seconds."
            )
            continue
        except OSError as exc:  # refused, unreachable, TLS (ssl.SSLError is an OSError)
            conn.close()
            last = ConnectionFailed(_connect_error_message(exc), detail=str(exc))
            continue
        try:
            return conn, key, _exchange(conn, target, request_headers, timeout)
        except _Stale as exc:
            raise BadResponse(
                "The feed server sent a broken response.", detail=str(exc.__cause__)
            ) from None
    raise last


class _Stale(Exception):
    """The server closed the connection before answering."""


def _exchange(
    conn: _PinnedConnection, target: _Target, headers: dict[str, str], timeout: float
) -> http.client.HTTPResponse:
    """Send the GET and read the status line and headers; the connection is closed on any
    failure."""
    try:
        conn.request("GET", target.path, headers=headers)
        return conn.getresponse()
    except TimeoutError:
        conn.close()
        raise FetchTimeout(f"The feed server did not answer within {timeout:g} seconds.") from None
    except (ConnectionError, http.client.BadStatusLine) as exc:
        # RemoteDisconnected is both: a GET is safe to send again on a new connection.
        conn.close()
        raise _Stale() from exc
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        raise BadResponse("The feed server sent a broken response.", detail=str(exc)) from None
    except BaseException:
        conn.close()
        raise
