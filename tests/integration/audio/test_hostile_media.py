"""Hostile uploads: a "recording" that makes FFmpeg read another family's file, the filesystem or the network.

Given an upload that is really an HLS playlist, a concat list or a `file:` URL list, When prepare_audio opens
it, Then it is refused as not audio, naming what it is — and nothing of the other response is transcribed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.adapters.shared.input_formats import ALLOWED_DEMUXERS, sniff
from familyplus.errors import PermanentError
from familyplus.models.audio import PrepareAudioEvent
from familyplus.models.response import ResponseRecord
from familyplus.stages import prepare_audio
from familyplus.stages.prepare_audio import plan_chunks
from tests.audio_support import SAMPLE_RECORDING, AudioPorts, AudioSettings


@pytest.fixture
def ports(tmp_path: Path, audio: FfmpegAudio) -> AudioPorts:
    media = LocalMediaStore(tmp_path / "media")
    media.put("uploads/r-other/recording.ogg", SAMPLE_RECORDING)  # another family's recording
    return AudioPorts(store=SqliteStore(tmp_path / "familyplus.db"), media=media, audio=audio, settings=AudioSettings())


def _upload(ports: AudioPorts, tmp_path: Path, name: str, body: bytes) -> PrepareAudioEvent:
    source = tmp_path / name
    source.write_bytes(body)
    key = f"uploads/r-evil/{name}"
    ports.media.put(key, source)
    ports.store.save_response(ResponseRecord(id="r-evil", family_id="f-evil", media_type="audio", audio_key=key))
    return PrepareAudioEvent(response_id="r-evil", family_id="f-evil")


def _playlist(entry: str) -> bytes:
    return f"#EXTM3U\n#EXT-X-TARGETDURATION:30\n#EXTINF:30,\n{entry}\n#EXT-X-ENDLIST\n".encode()


def _hostile(ports: AudioPorts) -> dict[str, bytes]:
    other = ports.media.path_for("uploads/r-other/recording.ogg")
    return {
        "recording.m3u8": _playlist("../r-other/recording.ogg"),
        "recording.ogg": _playlist("../r-other/recording.ogg"),  # a playlist under an audio name
        "recording": _playlist(f"file://{other}"),
        "recording.m4a": _playlist("https://example.com/a.ogg"),
        "recording.txt": f"ffconcat version 1.0\nfile '{other}'\n".encode(),
        "recording.wav": b"\xef\xbb\xbf" + _playlist(str(other)),  # BOM before the playlist
    }


@pytest.mark.parametrize(
    "name", ["recording.m3u8", "recording.ogg", "recording", "recording.m4a", "recording.txt", "recording.wav"]
)
def test_playlists_and_concat_lists_are_refused_and_read_nothing_else(
    ports: AudioPorts, tmp_path: Path, name: str
) -> None:
    event = _upload(ports, tmp_path, name, _hostile(ports)[name])
    with pytest.raises(PermanentError, match=r"is not audio, or is in a format FFmpeg cannot read: it is") as raised:
        prepare_audio.run(event, ports)
    assert raised.value.stage == "prepare_audio"
    with pytest.raises(Exception):  # noqa: B017 - no chunk of anyone's audio was stored for this response
        ports.media.get("chunks/r-evil/chunk-000.wav", tmp_path)


def test_every_ffmpeg_input_is_opened_with_the_allow_lists(
    audio: FfmpegAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the operation, each `-i` is preceded by the protocol and format allow-lists and a forced
    demuxer, and names a `file:` path — so no new call can open an input the permissive way."""
    commands: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(command: list[str], *args: Any, **kwargs: Any) -> Any:
        commands.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    speech = tmp_path / "speech.wav"
    converted = audio.to_speech_wav(SAMPLE_RECORDING, speech)
    audio.split(speech, plan_chunks(converted.duration, 8, 1), dst_dir=tmp_path / "chunks")
    joined = tmp_path / "joined.wav"
    audio.concat([speech, speech], joined, crossfade_seconds=0.2)
    audio.encode_mp3(joined, tmp_path / "out.mp3", title="t")
    inputs = 0
    for command in commands:
        for index, arg in enumerate(command):
            if arg != "-i":
                continue
            inputs += 1
            before = command[max(0, index - 6) : index]
            assert before[:2] == ["-protocol_whitelist", "file"], command
            assert before[2:4] == ["-format_whitelist", ",".join(ALLOWED_DEMUXERS)], command
            assert before[4] == "-f" and before[5] in ALLOWED_DEMUXERS, command
            assert command[index + 1].startswith("file:/"), command
    assert inputs >= 8


def test_symlinks_and_traversal_keys_cannot_leave_the_media_store(tmp_path: Path) -> None:
    media = LocalMediaStore(tmp_path / "media")
    secret = tmp_path / "secret.ogg"
    secret.write_bytes(SAMPLE_RECORDING.read_bytes())
    (tmp_path / "media" / "uploads").mkdir(parents=True)
    os.symlink(secret, tmp_path / "media" / "uploads" / "link.ogg")
    with pytest.raises(PermanentError, match="outside the media store"):
        media.get("uploads/link.ogg", tmp_path)
    for key in ("../secret.ogg", "/etc/passwd", "uploads/../../secret.ogg", "uploads/%2e%2e/x"):
        with pytest.raises(PermanentError):
            media.get(key, tmp_path)


@pytest.mark.parametrize(
    ("head", "demuxer"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"OggS\x00\x02", "ogg"),
        (b"fLaC\x00\x00", "flac"),
        (b"\x1a\x45\xdf\xa3\x9f", "matroska"),
        (b"\x00\x00\x00\x20ftypM4A ", "mov"),
        (b"ID3\x04\x00", "mp3"),
        (b"\xff\xfb\x90\x00", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"FORM\x00\x00\x00\x00AIFF", "aiff"),
        (b"caff\x00\x01", "caf"),
        (b"#!AMR\n", "amr"),
    ],
)
def test_recording_containers_are_recognised_by_their_signature(tmp_path: Path, head: bytes, demuxer: str) -> None:
    path = tmp_path / "x"
    path.write_bytes(head + b"\x00" * 64)
    assert sniff(path).demuxer == demuxer
