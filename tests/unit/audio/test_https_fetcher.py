"""SSRF rules of the URL fetcher: every refusal happens before a connection is made, and says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.shared.https_fetcher import HttpsFetcher, download_name, host_allowed
from familyplus.errors import PermanentError, TransientError

PUBLIC_IP = "93.184.216.34"
DNS = {
    "media.example.com": [PUBLIC_IP],
    "cdn.example.com": [PUBLIC_IP],
    "evil.example.org": [PUBLIC_IP],
    "internal.example.com": ["10.1.2.3"],
    "mixed.example.com": [PUBLIC_IP, "127.0.0.1"],
    "v6.example.com": ["::ffff:169.254.169.254"],
}
ALLOWED = ["media.example.com", "*.example.com", "169.254.169.254", "10.0.0.8"]


class Recorder:
    """A transport that records every request it is asked to send (a connection, for these tests)."""

    def __init__(self, handler: object = None) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self.handler):
            response: httpx.Response = self.handler(request)
            return response
        return httpx.Response(200, content=b"RIFF....WAVEdata")


def resolver(host: str, port: int) -> list[str]:
    assert port == 443
    return DNS[host]


def fetcher(recorder: Recorder, **kwargs: object) -> HttpsFetcher:
    return HttpsFetcher(ALLOWED, resolver=resolver, transport=httpx.MockTransport(recorder), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only https is allowed"),
        ("http://127.0.0.1/audio.wav", "only https is allowed"),
        ("http://169.254.169.254/latest/meta-data/", "only https is allowed"),
        ("https://127.0.0.1/audio.wav", "not in the allowed hosts"),
        ("https://169.254.169.254/latest/meta-data/", "link-local address"),
        ("https://10.0.0.8/audio.wav", "private address"),
        ("https://internal.example.com/audio.wav", r"private address \(10.1.2.3\)"),
        ("https://mixed.example.com/audio.wav", "loopback address"),
        ("https://v6.example.com/audio.wav", "link-local address"),
        ("https://evil.example.org/audio.wav", "not in the allowed hosts"),
        ("https://media.example.com:8443/audio.wav", "only port 443"),
        ("https://user:pw@media.example.com/audio.wav", "credentials"),
        ("gopher://media.example.com/", "only https is allowed"),
        ("not a url at all", "only https is allowed"),
    ],
)
def test_refused_before_any_connection(url: str, reason: str, tmp_path: Path) -> None:
    recorder = Recorder()
    with pytest.raises(PermanentError, match=reason):
        fetcher(recorder).fetch(url, tmp_path / "out")
    assert recorder.requests == []  # nothing was sent anywhere
    assert not (tmp_path / "out").exists()


def test_allowed_host_is_fetched_from_the_checked_address(tmp_path: Path) -> None:
    recorder = Recorder()
    path = fetcher(recorder).fetch("https://media.example.com/a/b/voice.m4a?sig=1", tmp_path / "voice.m4a")
    assert path.read_bytes() == b"RIFF....WAVEdata"
    (request,) = recorder.requests
    assert request.url.host == PUBLIC_IP  # pinned to the address that passed the checks
    assert request.url.path == "/a/b/voice.m4a" and request.url.query == b"sig=1"
    assert request.headers["host"] == "media.example.com"
    assert request.extensions["sni_hostname"] == "media.example.com"  # TLS verifies the real name


def test_redirect_to_a_host_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(302, headers={"location": "https://evil.example.org/x.wav"}))
    with pytest.raises(PermanentError, match=r"'evil\.example\.org' is not in the allowed hosts"):
        fetcher(recorder).fetch("https://media.example.com/x.wav", tmp_path / "x.wav")
    assert [r.headers["host"] for r in recorder.requests] == ["media.example.com"]  # evil never contacted


def test_redirect_to_the_metadata_endpoint_is_refused(tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(301, headers={"location": "http://169.254.169.254/latest"}))
    with pytest.raises(PermanentError, match="only https"):
        fetcher(recorder).fetch("https://media.example.com/x.wav", tmp_path / "x.wav")
    assert len(recorder.requests) == 1


def test_redirect_within_allowed_hosts_is_followed_and_rechecked(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["host"] == "media.example.com":
            return httpx.Response(307, headers={"location": "https://cdn.example.com/final.wav"})
        return httpx.Response(200, content=b"audio-bytes")

    recorder = Recorder(handler)
    fetcher(recorder).fetch("https://media.example.com/x.wav", tmp_path / "x.wav")
    assert [r.headers["host"] for r in recorder.requests] == ["media.example.com", "cdn.example.com"]
    assert (tmp_path / "x.wav").read_bytes() == b"audio-bytes"


def test_redirect_loop_is_cut_off(tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(302, headers={"location": "/again"}))
    with pytest.raises(PermanentError, match="more than 3 redirects"):
        fetcher(recorder).fetch("https://media.example.com/x.wav", tmp_path / "x.wav")
    assert len(recorder.requests) == 4


def test_byte_cap_aborts_a_streamed_body(tmp_path: Path) -> None:
    produced: list[int] = []

    def body() -> Iterator[bytes]:
        for index in range(1000):  # 64 MB if read to the end
            produced.append(index)
            yield b"\0" * 65536

    recorder = Recorder(lambda r: httpx.Response(200, content=body()))  # no Content-Length: chunked
    with pytest.raises(PermanentError, match="larger than the limit of 200000 bytes"):
        fetcher(recorder, max_bytes=200_000).fetch("https://media.example.com/big.wav", tmp_path / "big.wav")
    assert len(produced) <= 5  # abandoned right after the limit, not downloaded to the end
    assert not (tmp_path / "big.wav").exists()  # nothing partial is kept


def test_declared_length_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(200, headers={"content-length": "999999999"}, content=b"x"))
    with pytest.raises(PermanentError, match="999999999 bytes, the limit is 1000"):
        fetcher(recorder, max_bytes=1000).fetch("https://media.example.com/big.wav", tmp_path / "big.wav")


def test_per_call_cap_cannot_raise_the_configured_cap(tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(200, content=b"x" * 2000))
    with pytest.raises(PermanentError, match="limit"):
        fetcher(recorder, max_bytes=1000).fetch("https://media.example.com/a.wav", tmp_path / "a", max_bytes=10**9)


@pytest.mark.parametrize(
    ("status", "error"), [(404, PermanentError), (403, PermanentError), (429, TransientError), (503, TransientError)]
)
def test_http_errors_are_classified(status: int, error: type[Exception], tmp_path: Path) -> None:
    recorder = Recorder(lambda r: httpx.Response(status))
    with pytest.raises(error, match=str(status)):
        fetcher(recorder).fetch("https://media.example.com/a.wav", tmp_path / "a.wav")


def test_timeout_is_transient(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransientError, match="timed out"):
        fetcher(Recorder(handler)).fetch("https://media.example.com/a.wav", tmp_path / "a.wav")


def test_media_store_without_allowed_hosts_refuses_urls(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="not configured"):
        LocalMediaStore(tmp_path / "media").fetch_url("https://media.example.com/a.wav", tmp_path)


def test_host_patterns() -> None:
    assert host_allowed("Media.Example.COM.", ["media.example.com"])
    assert host_allowed("a.b.example.com", ["*.example.com"])
    assert not host_allowed("example.com", ["*.example.com"])
    assert not host_allowed("badexample.com", ["*.example.com"])
    assert not host_allowed("media.example.com.evil.org", ["media.example.com"])


def test_download_names_are_safe() -> None:
    assert download_name("https://h/a/../../etc/passwd") == "passwd"
    assert download_name("https://h/voice%20memo.m4a?x=1#f") == "voice_20memo.m4a"
    assert download_name("https://h/") == "h"
    assert download_name("https://h/.hidden") == "hidden"
