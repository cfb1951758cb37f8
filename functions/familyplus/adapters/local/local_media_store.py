"""`LocalMediaStore`: the `MediaStore` port on a folder (local profile). Keys map to files under `root`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from familyplus.adapters.shared.https_fetcher import HttpsFetcher, download_name
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.keys import validate_key


class LocalMediaStore:
    def __init__(self, root: Path, *, fetcher: HttpsFetcher | None = None) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.fetcher = fetcher

    def path_for(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if self.root not in path.parents:  # belt and braces: symlinks inside the store cannot lead out
            raise PermanentError(f"invalid media key {key!r}: it resolves outside the media store")
        return path

    def local_path(self, key: str) -> Path:
        """The stored file's absolute path (`path_for`)."""
        return self.path_for(key)

    def get(self, key: str, workdir: Path, *, max_bytes: int | None = None) -> Path:
        path = self.path_for(key)
        if not path.is_file():
            raise NotFoundError(f"no media under key {key!r}")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise PermanentError(f"media {key!r} is {size} bytes; the limit is {max_bytes}")
        return path

    def put(self, key: str, path: Path) -> None:
        dest = self.path_for(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; stored media are ordinary files
            os.replace(tmp, dest)  # readers see the old file or the new one, never half of one
        finally:
            Path(tmp).unlink(missing_ok=True)

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        return self.get(key, self.root, max_bytes=max_bytes).read_bytes()

    def put_bytes(self, key: str, data: bytes) -> None:
        dest = self.path_for(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def fetch_url(self, url: str, workdir: Path, *, max_bytes: int | None = None) -> Path:
        if self.fetcher is None:
            raise PermanentError(f"refused URL {url!r}: fetching URLs is not configured (no allowed hosts)")
        return self.fetcher.fetch(url, workdir / download_name(url), max_bytes=max_bytes)

    def share_url(self, key: str, *, expires_s: int) -> str:
        """The stored file's URI: on one machine a local path is the link (it does not expire)."""
        return self.path_for(key).as_uri()
