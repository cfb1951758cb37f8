"""The `objects=` hook: how a distributed Map reads its ItemReader object and writes its ResultWriter files
(`arn:aws:states:::s3:getObject` / `s3:putObject`), and `DirectoryObjectStore`, an S3 stand-in on disk.

The executor never imports boto3: on a laptop the objects live in a directory; a caller that wants real S3
passes any object with the same two methods (e.g. a thin wrapper around an S3 client)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import InvalidObjectKeyError, NoSuchObjectError

# S3 bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters, digits, dots and
# hyphens, starting and ending with a letter or digit.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_MAX_KEY_BYTES = 1024  # S3's limit on an object key (UTF-8 bytes)


@runtime_checkable
class ObjectStore(Protocol):
    """Objects by (bucket, key), like S3. `get_object` raises (e.g. NoSuchObjectError) when the object is
    missing; any exception becomes States.ItemReaderFailed / States.ResultWriterFailed in the Map state."""

    def get_object(self, bucket: str, key: str) -> bytes: ...

    def put_object(self, bucket: str, key: str, data: bytes) -> None: ...


class DirectoryObjectStore:
    """Objects as files: `root/<bucket>/<key>`. Bucket names follow S3's rules; keys are refused
    (InvalidObjectKeyError) when they could name anything outside the bucket's directory: absolute keys,
    `.`/`..` segments, backslashes, NUL, empty segments, or a path that resolves (through symlinks) elsewhere.
    Writes are atomic (temporary file + rename), so a reader never sees half an object."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, bucket: str, key: str) -> Path:
        """The file holding (bucket, key); raises InvalidObjectKeyError for a bad bucket name or key."""
        if not isinstance(bucket, str) or not _BUCKET.match(bucket) or ".." in bucket:
            raise InvalidObjectKeyError(f"invalid bucket name {bucket!r} (S3 rules: 3-63 of a-z 0-9 . -)")
        if not isinstance(key, str) or not key or len(key.encode("utf-8")) > _MAX_KEY_BYTES:
            raise InvalidObjectKeyError(f"object key must be 1-{_MAX_KEY_BYTES} bytes, got {key!r}")
        segments = key.split("/")
        if "\\" in key or "\0" in key or key.startswith("/") or any(s in ("", ".", "..") for s in segments):
            raise InvalidObjectKeyError(
                f"object key {key!r} is refused: it could name a file outside bucket {bucket!r} "
                "(absolute, '.'/'..' or empty segments, backslashes and NUL are not allowed)"
            )
        base = (self.root / bucket).resolve()
        target = (base / key).resolve()
        if not target.is_relative_to(base):
            raise InvalidObjectKeyError(f"object key {key!r} resolves outside bucket {bucket!r}")
        return target

    def get_object(self, bucket: str, key: str) -> bytes:
        path = self.path(bucket, key)
        if not path.is_file():
            raise NoSuchObjectError(f"no object s3://{bucket}/{key} (looked for {path})")
        return path.read_bytes()

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        path = self.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(bytes(data))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
