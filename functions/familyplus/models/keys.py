"""Every storage key and name derived from ids, written once.

Keys are deterministic, so a retried stage overwrites instead of duplicating. Intermediate files live under
`tmp/`, which the S3 bucket's lifecycle rule expires after a day (infra/storage.py TMP_PREFIX): a failed run
leaves no garbage behind for long.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from pydantic import StringConstraints

from familyplus.errors import PermanentError

#: A media-store key: slash-separated segments, each starting with a letter or digit, then letters, digits,
#: `.`, `_`, `-` — so no `..` segment, no leading `/`, no backslash: a key can never leave the store's root.
MEDIA_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$"
MediaKey = Annotated[str, StringConstraints(pattern=MEDIA_KEY_PATTERN, max_length=512)]
_MEDIA_KEY = re.compile(MEDIA_KEY_PATTERN)

#: The process_response execution of a response is `response-<id>` (see `execution_name`).
EXECUTION_PREFIX = "response-"

#: Where `familyplus batch --aws` uploads manifests in the media bucket; the batch_responses role may read
#: only there (infra/workflows.py), and its ResultWriter writes under BATCH_RESULTS_PREFIX.
BATCH_MANIFEST_PREFIX = "batches/"
BATCH_RESULTS_PREFIX = "batches/results"

#: Where the backend's client stores a typed answer before it starts the execution (`text_key`), so the
#: words never travel in the execution input. The accept_response role may read only there; the bucket's
#: lifecycle rule keeps the objects past the 14-day redrive window, then expires them (infra/storage.py).
TEXT_PREFIX = "answers/"


def validate_key(key: str) -> str:
    """A media key, checked: relative, and unable to leave the store (no `..`, no absolute path)."""
    if not isinstance(key, str) or len(key) > 512 or not _MEDIA_KEY.fullmatch(key):
        raise PermanentError(f"invalid media key {key!r}: use letters, digits, '.', '_', '-' and '/' separators")
    return key


def is_url(source: str) -> bool:
    """An `audioKey` holding a URL (`scheme://…`) is fetched under the SSRF rules; anything else is a key."""
    return "://" in source


def story_id_for(response_id: str) -> str:
    """One story per response: its id derives from the response id, so a replay upserts, never duplicates."""
    return f"story-{response_id}"


def quote_key(story_id: str, text: str) -> str:
    """A quote candidate's key for the daily quote ledger: stable across replays (a story's quotes are
    rewritten with new positions, same words)."""
    return hashlib.sha256(f"{story_id}\n{text}".encode()).hexdigest()[:16]


def execution_name(response_id: str) -> str:
    """`response-<id>`: the process_response execution of one response. The name is deterministic, so a
    repeated start finds the execution instead of starting a second one; a valid `Id` always gives a valid
    Step Functions name (≤ 67 characters of letters, digits, `_`, `.`, `-`)."""
    return EXECUTION_PREFIX + response_id


# --- media keys -------------------------------------------------------------------------------------------


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a typed answer's UTF-8 bytes: stands for the words in the execution input."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_key(family_id: str, response_id: str, sha256: str) -> str:
    """Per family and response, named by the content hash: other words for the same response are another
    object, so a conflicting start never overwrites the text a live execution is about to read."""
    return f"{TEXT_PREFIX}{family_id}/{response_id}/{sha256}.txt"


def chunk_audio_key(response_id: str, index: int) -> str:
    return f"tmp/{response_id}/chunk-{index:03d}.wav"


def chunk_transcript_key(response_id: str, index: int) -> str:
    return f"tmp/{response_id}/chunk-{index:03d}.json"


def transcript_key(response_id: str) -> str:
    return f"transcripts/{response_id}.json"


def podcast_script_key(story_id: str) -> str:
    return f"podcasts/{story_id}/script.json"


def podcast_segment_key(story_id: str, index: int) -> str:
    return f"tmp/podcasts/{story_id}/segment-{index:02d}.wav"


def podcast_key(story_id: str) -> str:
    return f"podcasts/{story_id}/podcast.mp3"
