"""Ports: the capabilities stages need, as Protocols. Adapters (`familyplus.adapters`) implement them.

Stages depend only on these; which adapter stands behind a port is decided once, in `bootstrap.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from familyplus.models.audio import AudioChunk, AudioInfo, JoinedAudio, Loudness, Transcript
from familyplus.models.base import ResponseStatus
from familyplus.models.podcast import NoticeStatus, PodcastScript
from familyplus.models.quotes import DeliveryStatus, Family, QuoteCandidate, QuoteDelivery
from familyplus.models.response import Quote, ResponseRecord, SearchHit, StoryDraft, StoryRecord, ValueTag, WisdomItem


@runtime_checkable
class Store(Protocol):
    """Durable records of responses and everything derived from them.

    Every write is an upsert keyed by ids, and each `replace_*` swaps a response's (or story's) whole set
    in one transaction: a retried or replayed stage never duplicates rows, and a failure half-way leaves
    the previous set intact. Readers raise `NotFoundError` for unknown ids.
    """

    def save_response(self, response: ResponseRecord) -> None: ...
    def get_response(self, response_id: str) -> ResponseRecord: ...
    def update_progress(
        self, response_id: str, *, status: ResponseStatus, stage: str | None, error: str | None = None
    ) -> None: ...
    def list_responses(self, *, family_id: str | None = None, limit: int = 100) -> list[ResponseRecord]: ...
    def set_transcript(self, response_id: str, transcript: str) -> None: ...
    def save_embedding(self, response_id: str, family_id: str, model: str, vector: Sequence[float]) -> None: ...
    def replace_value_tags(self, response_id: str, tags: Sequence[ValueTag]) -> None: ...
    def list_value_tags(self, response_id: str) -> list[ValueTag]: ...
    def replace_wisdom(self, response_id: str, items: Sequence[WisdomItem]) -> None: ...
    def list_wisdom(self, response_id: str) -> list[WisdomItem]: ...
    def upsert_story(self, story: StoryRecord) -> None: ...
    def get_story(self, story_id: str) -> StoryRecord: ...
    def find_story_for_response(self, response_id: str) -> StoryRecord | None: ...
    def replace_quotes(self, story_id: str, quotes: Sequence[Quote]) -> None: ...
    def list_quotes(self, story_id: str) -> list[Quote]: ...
    def set_podcast(self, story_id: str, key: str, seconds: float) -> None: ...
    def list_stories_without_podcast(self, limit: int) -> list[StoryRecord]:
        """Stories that have no podcast yet, oldest first (then by id), at most `limit`."""
        ...

    def search(self, query_vector: Sequence[float], *, family_id: str | None, limit: int) -> list[SearchHit]: ...


class Embedder(Protocol):
    """Turns texts into fixed-size vectors for semantic search (unit length, `dimensions` long)."""

    model: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class ValueTagger(Protocol):
    """Proposes value tags for a response; answers only from `vocabulary`, with a score in [0, 1]."""

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]: ...


class WisdomExtractor(Protocol):
    """Finds advice and life lessons in a response."""

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]: ...


class StoryWriter(Protocol):
    """Writes a story (title, summary, narrative) from a response's words, its prompt and value tags."""

    def write(self, text: str, *, prompt: str | None, tags: Sequence[str]) -> StoryDraft: ...


class QuoteProposer(Protocol):
    """Proposes memorable quotes. Proposals are only candidates: the extract_quotes stage keeps only
    verbatim spans of the response's words, whatever the provider returned."""

    def propose(self, text: str, *, max_quotes: int) -> list[str]: ...


# --- audio: transcription and podcasts ----------------------------------------------------------
# Audio ports take explicit destination paths (`dst`, `workdir`): the stage owns a temporary folder and
# everything written there goes away with it, which matters in a warm Lambda whose /tmp is reused.


class Transcriber(Protocol):
    """Speech to text with word timings (seconds from the start of `audio_path`).

    Raises `TransientError` when a retry may help (timeouts, 429, 5xx), `PermanentError` otherwise."""

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript: ...


class Speech(Protocol):
    """Text to speech. `voice` is a logical voice (`host`, `narrator`) the adapter maps to a real one."""

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, text: str, *, voice: str, dst: Path) -> Path:
        """Write a WAV file (PCM, mono, `sample_rate`) to `dst` and return it."""
        ...


class Audio(Protocol):
    """Audio files: probe, convert, split, join, encode (with gain and limiter), measure.

    Unreadable, empty, truncated or non-audio input raises `PermanentError` saying which."""

    def probe(self, path: Path) -> AudioInfo: ...
    def to_speech_wav(self, src: Path, dst: Path) -> AudioInfo:
        """Decode the first audio stream to 16 kHz mono 16-bit PCM WAV (what speech recognisers want)."""
        ...

    def split(self, src: Path, plan: Sequence[tuple[float, float]], *, dst_dir: Path) -> list[AudioChunk]:
        """Cut `src` into the `plan`'s (offset, length) pieces (seconds), each a 16 kHz mono WAV in `dst_dir`."""
        ...

    def concat(self, paths: Sequence[Path], dst: Path, *, crossfade_seconds: float) -> JoinedAudio:
        """Join `paths` (crossfaded) into one mono PCM WAV at their highest rate (at most 44.1 kHz), measuring
        its loudness in the same pass."""
        ...

    def limited_loudness(self, src: Path, *, gain_db: float, limit_db: float) -> float:
        """The integrated loudness (LUFS) `src` would have after `gain_db` and a peak limiter at `limit_db` dBFS;
        nothing is written."""
        ...

    def encode_mp3(
        self,
        src: Path,
        dst: Path,
        *,
        title: str,
        bitrate_kbps: int = 128,
        sample_rate: int = 44100,
        gain_db: float = 0.0,
        limit_db: float | None = None,
        trim_db: float = 0.0,
    ) -> AudioInfo:
        """Mono MP3 with an ID3 title tag, in one pass: `gain_db`, then (if `limit_db`) a look-ahead limiter at
        `limit_db` dBFS, then `trim_db` to offset the small level loss of lossy encoding."""
        ...

    def measure_loudness(self, path: Path, *, true_peak: bool = True) -> Loudness:
        """EBU R128 loudness; mono counts as played on two speakers (dual mono). `true_peak=False` reads the
        sample peak instead of the 4x-oversampled true peak, which costs more than the loudness itself."""
        ...


class MediaStore(Protocol):
    """Audio and JSON documents by key (local folder or S3), plus fetching allowed `https` URLs.

    Keys are validated (no traversal). `get` returns a local file the caller may read but must not modify
    or delete (for a local store it is the stored file itself; for S3, a download into `workdir`). Missing
    keys raise `NotFoundError`; anything larger than `max_bytes` raises `PermanentError`."""

    def get(self, key: str, workdir: Path, *, max_bytes: int | None = None) -> Path: ...
    def put(self, key: str, path: Path) -> None: ...
    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes: ...
    def put_bytes(self, key: str, data: bytes) -> None: ...
    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error."""
        ...

    def fetch_url(self, url: str, workdir: Path, *, max_bytes: int | None = None) -> Path:
        """Download an `https` URL from an allowed host into `workdir` (SSRF rules: see `HttpsFetcher`)."""
        ...

    def share_url(self, key: str, *, expires_s: int) -> str:
        """A link a family member can open for `expires_s` seconds (a presigned URL on S3; a file URI locally)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file behind `key` on this machine when the store keeps its files here (a local folder), else
        None (S3). For showing a person where a podcast is; stages use `get`."""
        ...


class PodcastWriter(Protocol):
    """Writes a podcast script (intro, story, quotes, outro) from a story and its verbatim quotes."""

    def write(self, story: StoryRecord, quotes: Sequence[Quote]) -> PodcastScript: ...


# --- daily quotes --------------------------------------------------------------------------------
# Own ports (not `Store`): families and deliveries live in their own tables of the same database.


class FamilyDirectory(Protocol):
    """Families that receive the daily quote: id, IANA timezone, recipient."""

    def upsert_family(self, family: Family) -> None: ...
    def list_families(self) -> list[Family]: ...


class QuoteLedger(Protocol):
    """The quotes a family can receive and the record of what was sent, one row per (family, local date).

    `claim_delivery` is the send decision: it atomically inserts the day's row as `sending` (or takes over a
    `failed` one) and returns False when the day is already claimed, so two runs never both send."""

    def quotes_for_family(self, family_id: str) -> list[QuoteCandidate]: ...
    def recent_quote_keys(self, family_id: str, since: date) -> set[str]:
        """Keys of quotes sent (or being sent) to the family on local dates >= since."""
        ...

    def get_delivery(self, family_id: str, local_date: date) -> QuoteDelivery | None: ...
    def claim_delivery(self, delivery: QuoteDelivery) -> bool: ...
    def finish_delivery(
        self, family_id: str, local_date: date, *, status: DeliveryStatus, provider_id: str | None, error: str | None
    ) -> None: ...


class Notifier(Protocol):
    """Sends a short text message; returns the provider's message id.

    Raises `TransientError` (429, 5xx: not delivered, may be retried), `PermanentError` (other 4xx) or
    `DeliveryUncertainError` (timed out after sending: it may have been delivered)."""

    channel: str

    def send(self, recipient: str, body: str, *, idempotency_key: str) -> str: ...


class EpisodeNotices(Protocol):
    """The record of which published episodes the family was told about, one row per story.

    `claim` is the send decision: it atomically records the episode as `sending` (or takes over a `failed`
    row) and returns False when it is already claimed, so a re-run never notifies twice."""

    def claim(self, story_id: str, *, family_id: str, podcast_key: str, recipient: str, channel: str) -> bool: ...
    def finish(self, story_id: str, *, status: NoticeStatus, provider_id: str | None, error: str | None) -> None: ...
