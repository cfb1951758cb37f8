"""Cartesia adapters against the recorded request/response contracts (contracts/cartesia.json)."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from familyplus.adapters.cloud.cartesia import CartesiaSpeech, CartesiaTranscriber
from familyplus.errors import ConfigurationError, PermanentError, TransientError

CONTRACTS = json.loads((Path(__file__).parent / "contracts" / "cartesia.json").read_text())
KEY = "sk_test_123"
VOICE_ID = CONTRACTS["tts"]["request"]["json"]["voice"]["id"]

Handler = Callable[[httpx.Request], httpx.Response]


def wav_bytes(seconds: float = 0.2, rate: int = 44100) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


class Provider:
    """A stand-in Cartesia: records each request, answers with `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def transcriber(provider: Provider) -> CartesiaTranscriber:
    return CartesiaTranscriber(KEY, transport=provider.transport)


def speech(provider: Provider) -> CartesiaSpeech:
    return CartesiaSpeech(KEY, voices={"host": VOICE_ID, "narrator": "narrator-voice"}, transport=provider.transport)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "chunk-000.wav"
    path.write_bytes(wav_bytes(2.74, 16000))
    return path


def multipart_fields(request: httpx.Request) -> dict[str, Any]:
    """Parse the multipart body with the stdlib email parser: field name → value (file → (filename, bytes))."""
    from email.parser import BytesParser
    from email.policy import HTTP

    raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
    message = BytesParser(policy=HTTP).parsebytes(raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        assert isinstance(payload, bytes)
        fields[str(name)] = (filename, payload) if filename else payload.decode()
    return fields


def test_transcribe_sends_the_documented_request(clip: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, json=CONTRACTS["stt"]["response_200"]))
    transcriber(provider).transcribe(clip, language="en")
    (request,) = provider.requests
    contract = CONTRACTS["stt"]["request"]
    assert request.method == contract["method"]
    assert request.url == httpx.URL("https://api.cartesia.ai" + contract["path"])
    for name, value in contract["headers"].items():
        assert request.headers[name] == value
    assert request.headers["content-type"].startswith(contract["content_type_prefix"])
    fields = multipart_fields(request)
    for name, value in contract["fields"].items():
        assert fields[name] == value
    filename, payload = fields[contract["file_field"]]
    assert filename == "chunk-000.wav" and payload == clip.read_bytes()


def test_transcribe_maps_the_response_to_a_transcript(clip: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, json=CONTRACTS["stt"]["response_200"]))
    transcript = transcriber(provider).transcribe(clip, language="en")
    assert transcript.text == "My first job was at my uncle's bakery."
    assert transcript.language == "en" and transcript.duration == pytest.approx(2.74)
    assert [w.word for w in transcript.words][:3] == ["My", "first", "job"]  # provider's leading spaces trimmed
    assert transcript.words[-1].start == pytest.approx(1.66) and transcript.words[-1].end == pytest.approx(2.3)


def test_transcribe_without_language_lets_the_provider_detect_it(clip: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, json=CONTRACTS["stt"]["response_200"]))
    transcriber(provider).transcribe(clip, language=None)
    assert "language" not in multipart_fields(provider.requests[0])


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (400, PermanentError, "rejected the request \\(400\\): Invalid model"),
        (401, PermanentError, "\\(401\\): Invalid API key"),
        (413, PermanentError, "\\(413\\): Request Entity Too Large"),
        (422, PermanentError, "transcript must not be empty"),
        (429, TransientError, "429: Too many concurrent requests"),
        (500, TransientError, "500: Internal server error"),
        (503, TransientError, "503: upstream connect error"),
    ],
)
def test_error_statuses_map_to_the_error_taxonomy(
    status: int, error: type[Exception], message: str, clip: Path, tmp_path: Path
) -> None:
    body = CONTRACTS["errors"][str(status)]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, text=body)

    with pytest.raises(error, match=message):
        transcriber(Provider(answer)).transcribe(clip, language="en")
    with pytest.raises(error, match=message):
        speech(Provider(answer)).synthesize("Hello.", voice="host", dst=tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("exception", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError])
def test_timeouts_and_connection_failures_are_transient(exception: type[httpx.TransportError], clip: Path) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception("boom", request=request)

    provider = Provider(fail)
    with pytest.raises(TransientError, match="Cartesia transcription"):
        transcriber(provider).transcribe(clip, language="en")
    assert len(provider.requests) == 1  # no retries inside the adapter: the state machine retries


def test_unreadable_success_body_is_transient(clip: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, json={"type": "transcript"}))
    with pytest.raises(TransientError, match="unreadable body"):
        transcriber(provider).transcribe(clip, language="en")


def test_synthesize_sends_the_documented_request_and_writes_the_wav(tmp_path: Path) -> None:
    audio = wav_bytes()
    provider = Provider(lambda r: httpx.Response(200, content=audio, headers={"content-type": "audio/wav"}))
    path = speech(provider).synthesize("Welcome to   Family Plus.\n", voice="host", dst=tmp_path / "seg.wav")
    assert path.read_bytes() == audio
    (request,) = provider.requests
    contract = CONTRACTS["tts"]["request"]
    assert request.method == contract["method"] and request.url.path == contract["path"]
    for name, value in contract["headers"].items():
        assert request.headers[name] == value
    assert json.loads(request.content) == contract["json"]


def test_logical_voices_map_to_configured_voice_ids(tmp_path: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, content=wav_bytes()))
    speech(provider).synthesize("Once upon a time.", voice="narrator", dst=tmp_path / "a.wav")
    assert json.loads(provider.requests[0].content)["voice"] == {"mode": "id", "id": "narrator-voice"}
    with pytest.raises(PermanentError, match="unknown voice 'guest'"):
        speech(provider).synthesize("Hi.", voice="guest", dst=tmp_path / "b.wav")
    assert len(provider.requests) == 1


def test_non_wav_success_body_is_refused(tmp_path: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, content=b'{"status": "queued"}'))
    with pytest.raises(TransientError, match="not a WAV file"):
        speech(provider).synthesize("Hello.", voice="host", dst=tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_empty_text_and_missing_key_fail_before_any_request(tmp_path: Path) -> None:
    provider = Provider(lambda r: httpx.Response(200, content=wav_bytes()))
    with pytest.raises(PermanentError, match="text is empty"):
        speech(provider).synthesize("   ", voice="host", dst=tmp_path / "x.wav")
    assert provider.requests == []
    with pytest.raises(ConfigurationError, match="CARTESIA_API_KEY"):
        CartesiaTranscriber("")
