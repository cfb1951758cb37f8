"""A recording on this machine, given where the seed took an "audio file URL": a path (absolute, `./…`,
`../…`, `~/…`) or a `file://` URL is copied into the media store (or, with `--aws`, uploaded to the media
bucket) as `uploads/<responseId>/recording<ext>`, and that key becomes the input's `audioKey`.

This happens in the CLI and in `serve`, before the workflow starts: the stages themselves never open a path
they were given (they read media keys and allowed https URLs only), so an execution input can never make a
Lambda read the machine's files. A media key (`uploads/r1/a.m4a`) or an https URL passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

Put = Callable[[str, Path], None]  # (media key, local file) -> stored


class RecordingNotFoundError(ValueError):
    """A local recording path that is not a readable file."""


def local_path(ref: str, base: Path | None = None) -> Path | None:
    """The local file `ref` names, or None when it is a media key or a URL of another scheme."""
    if ref.startswith("file://"):
        return Path(unquote(urlparse(ref).path))
    if ref.startswith(("/", "./", "../", "~")):
        path = Path(ref).expanduser()
        return path if path.is_absolute() or base is None else base / path
    return None


def recording_key(response_id: str, path: Path) -> str:
    suffix = "".join(ch for ch in path.suffix.lower() if ch.isalnum() or ch == ".")[:8]
    return f"uploads/{response_id}/recording{suffix}"


def store_recording(put: Put, response_id: str, path: Path) -> str:
    """Copy one local recording into the media store; returns its key."""
    if not path.is_file():
        raise RecordingNotFoundError(f"recording {path}: no such file")
    key = recording_key(response_id, path)
    put(key, path)
    return key


def with_stored_recording(payload: dict[str, Any], put: Put, base: Path | None = None) -> dict[str, Any]:
    """The input with a local `audioKey` replaced by the key of its stored copy (other inputs unchanged)."""
    ref = payload.get("audioKey")
    if payload.get("mediaType") != "audio" or not isinstance(ref, str):
        return payload
    path = local_path(ref, base)
    if path is None:
        return payload
    response_id = str(payload.get("responseId") or "")
    if not response_id:
        raise RecordingNotFoundError("a local recording needs a responseId (its media key is per response)")
    return {**payload, "audioKey": store_recording(put, response_id, path)}
