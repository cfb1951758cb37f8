"""`S3MediaStore`: the `MediaStore` port on an S3 bucket (cloud profile). Keys are object keys under `prefix`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from familyplus.adapters.shared.https_fetcher import HttpsFetcher, download_name
from familyplus.errors import NotFoundError, PermanentError, TransientError
from familyplus.models.keys import validate_key

_MISSING = {"404", "NoSuchKey", "NotFound"}
_THROTTLED = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "ServiceUnavailable",
    "InternalError",
    "503",
    "500",
}


def default_client() -> Any:
    """An S3 client with SDK retries capped (the state machine is the retry layer, DESIGN.md §3)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "total_max_attempts": 2}))


class S3MediaStore:
    def __init__(
        self, bucket: str, *, prefix: str = "", client: Any = None, fetcher: HttpsFetcher | None = None
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self.fetcher = fetcher

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = default_client()
        return self._client

    def object_key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, key: str, action: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in _MISSING or status == 404:
                raise NotFoundError(f"no media under key {key!r}") from exc
            if code in _THROTTLED or status == 429 or status >= 500:
                raise TransientError(f"S3 could not {action} {key!r}: {code or status}") from exc
            raise PermanentError(f"S3 refused to {action} {key!r}: {code} {error.get('Message', '')}".strip()) from exc
        except BotoCoreError as exc:  # connection and read timeouts, endpoint errors
            raise TransientError(f"S3 could not {action} {key!r}: {exc}") from exc

    def _size(self, key: str) -> int:
        head = self._call(key, "read", self.client.head_object, Bucket=self.bucket, Key=self.object_key(key))
        return int(head["ContentLength"])

    def get(self, key: str, workdir: Path, *, max_bytes: int | None = None) -> Path:
        size = self._size(key)
        if max_bytes is not None and size > max_bytes:
            raise PermanentError(f"media {key!r} is {size} bytes; the limit is {max_bytes}")
        workdir.mkdir(parents=True, exist_ok=True)
        dest = workdir / PurePosixPath(key).name
        self._call(
            key, "download", self.client.download_file, Bucket=self.bucket, Key=self.object_key(key), Filename=str(dest)
        )
        return dest

    def put(self, key: str, path: Path) -> None:
        self._call(
            key, "upload", self.client.upload_file, Filename=str(path), Bucket=self.bucket, Key=self.object_key(key)
        )

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        if max_bytes is not None and (size := self._size(key)) > max_bytes:
            raise PermanentError(f"media {key!r} is {size} bytes; the limit is {max_bytes}")
        body = self._call(key, "read", self.client.get_object, Bucket=self.bucket, Key=self.object_key(key))["Body"]
        data: bytes = body.read()
        return data

    def put_bytes(self, key: str, data: bytes) -> None:
        self._call(key, "write", self.client.put_object, Bucket=self.bucket, Key=self.object_key(key), Body=data)

    def delete(self, key: str) -> None:
        self._call(key, "delete", self.client.delete_object, Bucket=self.bucket, Key=self.object_key(key))

    def fetch_url(self, url: str, workdir: Path, *, max_bytes: int | None = None) -> Path:
        if self.fetcher is None:
            raise PermanentError(f"refused URL {url!r}: fetching URLs is not configured (no allowed hosts)")
        return self.fetcher.fetch(url, workdir / download_name(url), max_bytes=max_bytes)

    def share_url(self, key: str, *, expires_s: int) -> str:
        """A presigned GET URL (signed locally, no AWS call). Signed in a Lambda it stops working when the
        role's session credentials expire (hours), whatever `expires_s` says: AWS caps it there."""
        url: str = self._call(
            key,
            "share",
            self.client.generate_presigned_url,
            ClientMethod="get_object",
            Params={"Bucket": self.bucket, "Key": self.object_key(key)},
            ExpiresIn=expires_s,
        )
        return url

    def local_path(self, key: str) -> None:
        """Objects live in the bucket, not on this machine."""
        return None
