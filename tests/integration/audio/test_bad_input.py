"""Bad recordings fail prepare_audio with a PermanentError that says what is wrong — and leave nothing behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.errors import NotFoundError, PermanentError
from familyplus.models.audio import PrepareAudioEvent
from familyplus.models.response import ResponseRecord
from familyplus.stages import prepare_audio
from tests.audio_support import SAMPLE_RECORDING, AudioPorts, AudioSettings


@pytest.fixture
def ports(tmp_path: Path, audio: FfmpegAudio) -> AudioPorts:
    return AudioPorts(
        store=SqliteStore(tmp_path / "familyplus.db"),
        media=LocalMediaStore(tmp_path / "media"),
        audio=audio,
        settings=AudioSettings(),
    )


@pytest.fixture(scope="module")
def recordings(audio: FfmpegAudio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good and damaged files made from the sample recording."""
    folder = tmp_path_factory.mktemp("recordings")

    def convert(name: str, *args: str) -> Path:
        path = folder / name
        subprocess.run([audio.ffmpeg, "-v", "error", "-y", "-i", str(SAMPLE_RECORDING), *args, str(path)], check=True)
        return path

    def cut(source: Path, name: str, fraction: float) -> Path:
        data = source.read_bytes()
        path = folder / name
        path.write_bytes(data[: int(len(data) * fraction)])
        return path

    wav = convert("sample.wav")
    mp3 = convert("sample.mp3", "-c:a", "libmp3lame", "-b:a", "64k")
    m4a = convert("sample.m4a", "-c:a", "aac", "-b:a", "48k")
    webm = folder / "recording.webm"  # as a browser's MediaRecorder uploads it: streamed, no duration header
    with webm.open("wb") as out:
        subprocess.run(
            [audio.ffmpeg, "-v", "error", "-i", str(SAMPLE_RECORDING), "-c:a", "libopus", "-f", "webm", "-"],
            stdout=out,
            check=True,
        )
    notes = folder / "notes.txt"
    notes.write_text("Remember to call grandma on Sunday.\n" * 20)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    image = folder / "photo.png"
    subprocess.run(
        [audio.ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=32x32", "-frames:v", "1", str(image)],
        check=True,
    )
    noise = folder / "voice.m4a"
    noise.write_bytes(bytes(range(256)) * 64)
    return {
        "ogg": SAMPLE_RECORDING,
        "wav": wav,
        "mp3": mp3,
        "m4a": m4a,
        "webm": webm,
        "notes": notes,
        "empty": empty,
        "image": image,
        "noise": noise,
        "cut_wav": cut(wav, "cut.wav", 0.4),
        "cut_mp3": cut(mp3, "cut.mp3", 0.5),
        "cut_m4a": cut(m4a, "cut.m4a", 0.6),
    }


def prepare(ports: AudioPorts, source: Path, response_id: str = "r1") -> prepare_audio.PrepareAudioOutput:
    key = f"uploads/{response_id}/{source.name}"
    ports.media.put(key, source)
    ports.store.save_response(ResponseRecord(id=response_id, family_id="f1", media_type="audio", audio_key=key))
    return prepare_audio.run(PrepareAudioEvent(response_id=response_id, family_id="f1"), ports)


@pytest.mark.parametrize("kind", ["ogg", "wav", "mp3", "m4a", "webm"])
def test_good_recordings_in_common_formats_are_prepared(
    ports: AudioPorts, recordings: dict[str, Path], kind: str
) -> None:
    out = prepare(ports, recordings[kind])
    assert out.duration_seconds == pytest.approx(19.5, abs=0.15) and not out.chunked
    info = ports.audio.probe(ports.media.get(out.chunks[0].key, Path()))
    assert (info.sample_rate, info.channels, info.codec) == (16000, 1, "pcm_s16le")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("notes", "'notes.txt' is not audio, or is in a format FFmpeg cannot read: it is text"),
        ("noise", "'voice.m4a' is not audio, or is in a format FFmpeg cannot read"),
        ("empty", "'empty.wav' is empty \\(0 bytes\\)"),
        ("image", "'photo.png' is not audio, or is in a format FFmpeg cannot read: it is a PNG image"),
        ("cut_wav", "'cut.wav' is truncated: its header announces \\d+ bytes of audio, \\d+ of them are missing"),
        ("cut_mp3", "'cut.mp3' is truncated"),
        ("cut_m4a", "'cut.m4a' is truncated: its MP4 index \\(moov atom\\) is missing"),
    ],
)
def test_bad_recordings_are_permanent_errors_naming_the_problem(
    ports: AudioPorts, recordings: dict[str, Path], kind: str, message: str
) -> None:
    with pytest.raises(PermanentError, match=message) as raised:
        prepare(ports, recordings[kind])
    assert raised.value.stage == "prepare_audio"
    assert not (Path(ports.media.root) / "work").exists()  # nothing partial is kept


def test_over_long_recording_is_refused(ports: AudioPorts, recordings: dict[str, Path]) -> None:
    ports.settings = AudioSettings(audio_max_seconds=10.0)
    with pytest.raises(PermanentError, match="the recording is 19 s long; the limit is 10 s"):
        prepare(ports, recordings["ogg"])
    assert not (Path(ports.media.root) / "work").exists()


def test_oversize_recording_is_refused(ports: AudioPorts, recordings: dict[str, Path]) -> None:
    ports.settings = AudioSettings(audio_max_bytes=10_000)
    with pytest.raises(PermanentError, match="bytes; the limit is 10000"):
        prepare(ports, recordings["wav"])


def test_missing_upload_and_text_responses_are_refused(ports: AudioPorts) -> None:
    ports.store.save_response(ResponseRecord(id="r2", family_id="f1", media_type="audio", audio_key="uploads/gone.m4a"))
    with pytest.raises(NotFoundError, match=r"uploads/gone\.m4a"):
        prepare_audio.run(PrepareAudioEvent(response_id="r2", family_id="f1"), ports)
    ports.store.save_response(ResponseRecord(id="r3", family_id="f1", media_type="text", text="hello"))
    with pytest.raises(PermanentError, match="has no recording"):
        prepare_audio.run(PrepareAudioEvent(response_id="r3", family_id="f1"), ports)


def test_url_outside_the_allowed_hosts_is_refused(ports: AudioPorts) -> None:
    ports.store.save_response(
        ResponseRecord(
            id="r4", family_id="f1", media_type="audio", audio_key="http://169.254.169.254/latest/meta-data/"
        )
    )
    with pytest.raises(PermanentError, match="refused URL"):
        prepare_audio.run(PrepareAudioEvent(response_id="r4", family_id="f1"), ports)
