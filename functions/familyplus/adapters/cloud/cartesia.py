"""Cartesia adapters: `CartesiaTranscriber` (batch STT, `ink-whisper`) and `CartesiaSpeech` (TTS, `sonic`).

httpx rather than the official `cartesia` SDK: we call two endpoints, httpx is already a runtime dependency
(the Lambda layer stays small — the SDK adds its own client stack and websockets), and owning the client
keeps the project's error contract exact: SDK retries would multiply the state machine's (DESIGN.md §3), and
here the status → TransientError/PermanentError mapping is ours and tested against recorded contracts.

API (Cartesia-Version 2025-04-16 and later):
* `POST /stt` multipart: `file`, `model`, `language`, `timestamp_granularities[]=word` →
  `{"type": "transcript", "text", "language", "duration", "words": [{"word", "start", "end"}], "request_id"}`
* `POST /tts/bytes` JSON: `model_id`, `transcript`, `voice: {mode: "id", id}`, `language`,
  `output_format: {container: "wav", encoding: "pcm_s16le", sample_rate}` → WAV bytes.
Headers: `Authorization: Bearer <key>`, `Cartesia-Version: <date>`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from familyplus.errors import ConfigurationError, PermanentError, TransientError
from familyplus.models.audio import Transcript, Word

BASE_URL = "https://api.cartesia.ai"
DEFAULT_VERSION = "2025-04-16"


class _SttWord(BaseModel):
    word: str
    start: float
    end: float


class _SttResponse(BaseModel):
    text: str
    language: str | None = None
    duration: float | None = None
    words: list[_SttWord] | None = None


def provider_message(response: httpx.Response) -> str:
    """The provider's own explanation from an error body (JSON `message`/`error`/`detail`/`title`, or text)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        for field in ("message", "error", "detail", "title"):
            value = body.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:300]
    return str(body)[:300]


class _CartesiaClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = BASE_URL,
        version: str = DEFAULT_VERSION,
        timeout_s: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ConfigurationError("CARTESIA_API_KEY is empty")
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}", "Cartesia-Version": version},
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            transport=transport or httpx.HTTPTransport(retries=0),  # the state machine retries, not httpx
            follow_redirects=False,
        )

    def post(self, what: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.post(path, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(f"Cartesia {what} timed out") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"Cartesia {what} could not connect: {exc}") from exc
        status = response.status_code
        if status in (408, 429) or status >= 500:
            raise TransientError(f"Cartesia {what} failed with {status}: {provider_message(response)}")
        if status >= 400:
            raise PermanentError(f"Cartesia {what} rejected the request ({status}): {provider_message(response)}")
        return response


class CartesiaTranscriber:
    """The `Transcriber` port on Cartesia's batch speech-to-text."""

    def __init__(self, api_key: str, *, model: str = "ink-whisper", **client: Any) -> None:
        self.model = model
        self._client = _CartesiaClient(api_key, **client)

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        if not audio_path.is_file():
            raise PermanentError(f"audio file {audio_path.name!r} does not exist")
        data: dict[str, str] = {"model": self.model, "timestamp_granularities[]": "word"}
        if language:
            data["language"] = language
        mime = mimetypes.guess_type(audio_path.name)[0] or "application/octet-stream"
        with audio_path.open("rb") as audio:
            response = self._client.post(
                "transcription", "/stt", data=data, files={"file": (audio_path.name, audio, mime)}
            )
        try:
            body = _SttResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise TransientError(f"Cartesia transcription returned an unreadable body: {exc.errors()[:1]}") from exc
        words = [
            Word(word=w.word.strip(), start=max(0.0, w.start), end=max(0.0, w.end))
            for w in body.words or []
            if w.word.strip()
        ]
        duration = body.duration if body.duration is not None else (words[-1].end if words else 0.0)
        return Transcript(text=body.text.strip(), words=words, language=body.language or language, duration=duration)


class CartesiaSpeech:
    """The `Speech` port on Cartesia's `/tts/bytes`. `voices` maps logical voices to Cartesia voice ids."""

    def __init__(
        self,
        api_key: str,
        *,
        voices: Mapping[str, str],
        model: str = "sonic-2",
        language: str = "en",
        sample_rate: int = 44100,
        **client: Any,
    ) -> None:
        if not voices or not all(voices.values()):
            raise ConfigurationError("CartesiaSpeech needs a voice id for every logical voice (host, narrator)")
        self.voices = dict(voices)
        self.model = model
        self.language = language
        self._sample_rate = sample_rate
        self._client = _CartesiaClient(api_key, **client)

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    def synthesize(self, text: str, *, voice: str, dst: Path) -> Path:
        transcript = " ".join(text.split())
        if not transcript:
            raise PermanentError("nothing to say: the text is empty")
        voice_id = self.voices.get(voice)
        if voice_id is None:
            raise PermanentError(f"unknown voice {voice!r}; known: {', '.join(sorted(self.voices))}")
        payload = {
            "model_id": self.model,
            "transcript": transcript,
            "voice": {"mode": "id", "id": voice_id},
            "language": self.language,
            "output_format": {"container": "wav", "encoding": "pcm_s16le", "sample_rate": self._sample_rate},
        }
        response = self._client.post("speech synthesis", "/tts/bytes", json=payload)
        audio = response.content
        if len(audio) <= 44 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
            raise TransientError(f"Cartesia speech synthesis returned {len(audio)} bytes that are not a WAV file")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(audio)
        return dst
