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
  bytes just fast enough to dodge the read timeout (a total deadline).

`FEED_ALLOWED_HOSTS` lists hosts that may be fetched even though they are internal (a
local test server, an intranet feed). An entry matches the host exactly as written in the
URL: allowing "127.0.0.1" allows http://127.0.0.1/..., not a public name that resolves
there.

Environment proxies are ignored (`trust_env=False`): the address checks are only
meaningful for a direct connection.

Every failure is a `FetchError` whose `user_message` is a sentence for the source's "last
error" field in the UI.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from urllib.parse import urljoin

import certifi
import httpx

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_REDIRECTS = 5
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


def _resolve(host: str, port: int) -> list[str]:
    """Addresses for a host name (an IP literal stands for itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DNSFailure(
            f"The host name {host} could not be found (DNS lookup failed).", detail=str(exc)
        ) from None
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DNSFailure(f"The host name {host} has no address.")
    return addresses


def check_url(url: str, settings: FetchSettings) -> tuple[httpx.URL, list[str]]:
    """Parse and vet one URL: scheme, host, and every address the host resolves to.
    Returns the parsed URL and the addresses that may be connected to."""
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
    addresses = _resolve(host, port)
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


def _read_body(response: httpx.Response, settings: FetchSettings, deadline: float) -> bytes:
    limit = settings.max_bytes
    too_large = ResponseTooLarge(
        f"The feed is larger than the {_size(limit)} limit.", detail=f"limit {limit} bytes"
    )
    declared = response.headers.get("content-length", "")
    # Compressed or not, a declared length over the cap is a body over the cap.
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    raw_seen = 0
    # No chunk_size: httpx would buffer up to it, and the deadline must be checked after
    # every read, however small.
    chunks: Iterator[bytes] = response.iter_raw()
    for chunk in chunks:
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


def _status_error(response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
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
        f"The feed server answered {status} {phrase}.{hint}",
        status=status,
        retry_after=response.headers.get("retry-after"),
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


def _request(
    client: httpx.Client,
    url: httpx.URL,
    address: str,
    headers: dict[str, str],
) -> httpx.Request:
    """A request to `url` sent to the already-checked `address`."""
    host_header = url.netloc.decode("ascii")
    if "@" in host_header:
        host_header = host_header.rsplit("@", 1)[1]
    target = url.copy_with(host=address)
    extensions: dict[str, str] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
    return client.build_request(
        "GET", target, headers={**headers, "Host": host_header}, extensions=extensions
    )


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
    with httpx.Client(
        verify=_ssl_context(),
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=timeout),
        # No keep-alive pool across hosts: a pooled TLS connection verified for one name
        # must not carry a request for another name on the same address.
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        while True:
            parsed, addresses = check_url(current, settings)
            response = _send(client, parsed, addresses, headers)
            try:
                status = response.status_code
                if status in REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise BadResponse(
                            "The feed server sent a redirect without a target address."
                        )
                    if len(hops) >= settings.max_redirects:
                        raise TooManyRedirects(
                            f"The feed address redirected more than {settings.max_redirects} "
                            "times.",
                            detail=" -> ".join([*hops, current]),
                        )
                    hops.append(current)
                    current = urljoin(current, location.strip())
                    continue
                result_headers = {k.lower(): v for k, v in response.headers.items()}
                if status == 304:
                    return FetchResult(
                        status=304,
                        body=b"",
                        headers=result_headers,
                        url=current,
                        not_modified=True,
                        redirects=tuple(hops),
                    )
                if not 200 <= status < 300:
                    raise _status_error(response)
                body = _read_body(response, settings, deadline)
                return FetchResult(
                    status=status,
                    body=body,
                    headers=result_headers,
                    url=current,
                    redirects=tuple(hops),
                )
            except httpx.TimeoutException:
                raise FetchTimeout(
                    f"The feed server stopped sending for more than {timeout:g} seconds."
                ) from None
            except httpx.HTTPError as exc:
                raise BadResponse(
                    "The feed server sent a broken response.", detail=str(exc)
                ) from None
            finally:
                response.close()


def _send(
    client: httpx.Client, url: httpx.URL, addresses: list[str], headers: dict[str, str]
) -> httpx.Response:
    """Send to the first address that accepts a connection."""
    last: FetchError = ConnectionFailed("Could not connect to the feed server.")
    for address in addresses:
        try:
            return client.send(_request(client, url, address, headers), stream=True)
        except httpx.ConnectTimeout:
            last = FetchTimeout(
                f"The feed server did not accept a connection within "
                f"{client.timeout.connect:g} seconds."
            )
        except httpx.TimeoutException:
            raise FetchTimeout(
                f"The feed server did not answer within {client.timeout.read:g} seconds."
            ) from None
        except httpx.ConnectError as exc:
            last = ConnectionFailed(_connect_error_message(exc), detail=str(exc))
        except httpx.HTTPError as exc:
            raise BadResponse("The feed server sent a broken response.", detail=str(exc)) from None
    raise last
