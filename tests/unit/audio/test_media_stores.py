"""Media stores: keys cannot escape the store; local folder and S3 behave alike (S3 via moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from familyplus.adapters.cloud.s3_media_store import S3MediaStore
from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.errors import NotFoundError, PermanentError

BAD_KEYS = ["../secret", "a/../../b", "/etc/passwd", "a//b", "a\\b", ".hidden", "a/./b", "", "a/b/", "é/x", "x" * 600]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "local":
        yield LocalMediaStore(tmp_path / "media")
        return
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="familyplus-media")
        yield S3MediaStore("familyplus-media", prefix="media", client=client)


def test_round_trip_of_files_and_bytes(store: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.wav"
    source.write_bytes(b"RIFF-audio")
    store.put("work/r1/chunk-000.wav", source)
    got = store.get("work/r1/chunk-000.wav", tmp_path / "work")
    assert got.read_bytes() == b"RIFF-audio"
    store.put_bytes("transcripts/r1.json", b'{"text": "hi"}')
    assert store.get_bytes("transcripts/r1.json") == b'{"text": "hi"}'
    store.put_bytes("transcripts/r1.json", b"{}")  # overwrite: a retried stage replaces its output
    assert store.get_bytes("transcripts/r1.json") == b"{}"


def test_missing_key_is_not_found_and_delete_is_idempotent(store: Any, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no media under key 'nope\.wav'"):
        store.get("nope.wav", tmp_path)
    store.put_bytes("a.json", b"1")
    store.delete("a.json")
    store.delete("a.json")
    with pytest.raises(NotFoundError):
        store.get_bytes("a.json")


def test_size_cap_is_checked_before_reading(store: Any, tmp_path: Path) -> None:
    store.put_bytes("big.bin", b"x" * 5000)
    with pytest.raises(PermanentError, match="5000 bytes; the limit is 1000"):
        store.get("big.bin", tmp_path, max_bytes=1000)
    with pytest.raises(PermanentError, match="limit is 1000"):
        store.get_bytes("big.bin", max_bytes=1000)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_traversal_and_odd_keys_are_refused(store: Any, key: str, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="invalid media key"):
        store.put_bytes(key, b"x")
    with pytest.raises(PermanentError, match="invalid media key"):
        store.get(key, tmp_path)


def test_local_store_keeps_files_inside_its_root(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    store.put_bytes("podcasts/story-r1/podcast.mp3", b"ID3")
    assert (tmp_path / "media" / "podcasts" / "story-r1" / "podcast.mp3").read_bytes() == b"ID3"
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "media" / "link").symlink_to(outside)
    with pytest.raises(PermanentError, match="outside the media store"):
        store.put_bytes("link/escape.txt", b"x")
    assert not (outside / "escape.txt").exists()


def test_s3_keys_live_under_the_prefix() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bucket-b")
        S3MediaStore("bucket-b", prefix="/media/", client=client).put_bytes("transcripts/r1.json", b"{}")
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="bucket-b")["Contents"]]
    assert keys == ["media/transcripts/r1.json"]
