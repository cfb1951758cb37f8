"""`HttpsFetcher`: download a recording from a URL without opening a server-side request forgery hole.

Rules, each refusal a `PermanentError` naming why, all checked before a connection is opened:
* only `https`, port 443, no credentials in the URL;
* only hosts in the configured allow-list (exact names, or `*.example.com` for subdomains);
* the host's DNS answers must all be public addresses — private, loopback, link-local (the cloud metadata
  endpoint 169.254.169.254), multicast, reserved, unspecified, shared/CGNAT and other non-global ranges are
  refused; IPv4-mapped IPv6 is unwrapped first;
* the connection goes to the address that was checked (the URL is rewritten to the IP; TLS still verifies
  the certificate for the host name through SNI), so a second DNS answer cannot swap in an internal address;
* redirects are followed by hand, each hop checked again by the same rules;
* the body is streamed to disk and abandoned as soon as it passes `max_bytes` (Content-Length is checked
  first when present). Environment proxies are ignored (a proxy would defeat the pinning).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from familyplus.errors import PermanentError, TransientError

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PermanentError(f"refused URL: host {host!r} does not resolve ({exc.strerror})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def download_name(url: str) -> str:
    """A safe local file name for a URL's last path segment (the extension helps FFmpeg guess a format)."""
    name = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")[:100] or "download"


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` must not be contacted, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


class HttpsFetcher:
    def __init__(
        self,
        allowed_hosts: Sequence[str],
        *,
        max_bytes: int = 200 * 1024 * 1024,
        timeout_s: float = 30.0,
        max_redirects: int = 3,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.allowed_hosts = [h.strip() for h in allowed_hosts if h.strip()]
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.resolver = resolver
        self._client = httpx.Client(
            transport=transport or httpx.HTTPTransport(retries=0, verify=verify),
            timeout=timeout_s,
            follow_redirects=False,
            trust_env=False,
        )

    def check(self, url: str) -> tuple[httpx.URL, str]:
        """The URL rewritten to a checked IP address, and the host name — or a `PermanentError`."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise PermanentError(f"refused URL {url!r}: not a valid URL") from exc
        if parsed.scheme != "https":
            raise PermanentError(f"refused URL {url!r}: only https is allowed (got {parsed.scheme or 'none'!r})")
        if parsed.userinfo:
            raise PermanentError(f"refused URL {url!r}: credentials in URLs are not allowed")
        if parsed.port not in (None, 443):
            raise PermanentError(f"refused URL {url!r}: only port 443 is allowed (got {parsed.port})")
        host = parsed.host
        if not host or not host_allowed(host, self.allowed_hosts):
            raise PermanentError(f"refused URL {url!r}: host {host!r} is not in the allowed hosts")
        addresses = self._addresses(host)
        for address in addresses:
            reason = refusal_reason(address)
            if reason is not None:
                raise PermanentError(f"refused URL {url!r}: host {host!r} resolves to a {reason} address ({address})")
        pinned = addresses[0]
        return parsed.copy_with(host=str(pinned)), host

    def _addresses(self, host: str) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        answers = list(self.resolver(host, 443))
        if not answers:
            raise PermanentError(f"refused URL: host {host!r} does not resolve")
        try:
            return [ipaddress.ip_address(a.split("%", 1)[0]) for a in answers]
        except ValueError as exc:
            raise PermanentError(f"refused URL: host {host!r} resolved to an unreadable address") from exc

    def fetch(self, url: str, dst: Path, *, max_bytes: int | None = None) -> Path:
        limit = min(max_bytes or self.max_bytes, self.max_bytes)
        current = url
        for _hop in range(self.max_redirects + 1):
            pinned, host = self.check(current)
            try:
                response = self.open_pinned(pinned, host)
            except httpx.TimeoutException as exc:
                raise TransientError(f"fetching {url!r} timed out") from exc
            except httpx.TransportError as exc:
                raise TransientError(f"fetching {url!r} failed: {exc}") from exc
            try:
                if 300 <= response.status_code < 400:
                    location = response.headers.get("location")
                    if not location:
                        raise PermanentError(f"refused URL {current!r}: redirect without a Location")
                    current = urljoin(current, location)
                    continue
                self._raise_for_status(response, url)
                return self._save(response, dst, limit, url)
            finally:
                response.close()
        raise PermanentError(f"refused URL {url!r}: more than {self.max_redirects} redirects")

    def open_pinned(self, pinned: httpx.URL, host: str) -> httpx.Response:
        """GET `pinned` (a URL whose host is an IP address) as `host`: the Host header names the site, and TLS
        sends `host` as SNI and verifies the certificate against it, not against the IP. Streams the body."""
        request = self._client.build_request(
            "GET", pinned, headers={"Host": host, "Accept": "audio/*, */*;q=0.5"}, extensions={"sni_hostname": host}
        )
        return self._client.send(request, stream=True)

    @staticmethod
    def _raise_for_status(response: httpx.Response, url: str) -> None:
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientError(f"fetching {url!r}: the server answered {status}")
        if status >= 400:
            raise PermanentError(f"fetching {url!r}: the server answered {status}")

    @staticmethod
    def _save(response: httpx.Response, dst: Path, limit: int, url: str) -> Path:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PermanentError(f"refused URL {url!r}: the file is {int(declared)} bytes, the limit is {limit}")
        dst.parent.mkdir(parents=True, exist_ok=True)
        received = 0
        try:
            with dst.open("wb") as out:
                for block in response.iter_bytes(64 * 1024):
                    received += len(block)
                    if received > limit:
                        raise PermanentError(f"refused URL {url!r}: the file is larger than the limit of {limit} bytes")
                    out.write(block)
        except httpx.TimeoutException as exc:
            dst.unlink(missing_ok=True)
            raise TransientError(f"fetching {url!r} timed out") from exc
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
        if received == 0:
            dst.unlink(missing_ok=True)
            raise PermanentError(f"fetching {url!r}: the file is empty (0 bytes)")
        return dst


def fetcher_from_settings(settings: Any) -> HttpsFetcher | None:
    """The fetcher for `settings.allowed_hosts`, or None when no host is allowed (then every URL is refused)."""
    hosts = settings.allowed_hosts
    if not hosts:
        return None
    return HttpsFetcher(hosts, max_bytes=settings.audio_max_bytes, timeout_s=settings.audio_fetch_timeout_seconds)
