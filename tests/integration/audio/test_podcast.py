"""A podcast episode from a stored story: script → one TTS segment each → assembled MP3 → published."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from familyplus.adapters.local.espeak_speech import EspeakSpeech
from familyplus.adapters.local.local_media_store import LocalMediaStore
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.adapters.local.template_podcast_writer import TemplatePodcastWriter
from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.errors import PermanentError
from familyplus.models.keys import podcast_segment_key
from familyplus.models.podcast import (
    AssemblePodcastEvent,
    PublishPodcastEvent,
    SynthesizeSegmentOutput,
    WritePodcastScriptEvent,
)
from familyplus.models.response import Quote, ResponseRecord, StoryRecord
from familyplus.stages import assemble_podcast, publish_podcast, synthesize_segment, write_podcast_script
from tests.audio_support import AudioPorts

NARRATIVE = (
    "My first job was at my uncle's bakery on Main Street. I had to be there before sunrise to help him knead "
    "the bread. He always told me that hard work is its own reward. I burned my hands more than once, but I "
    "learned to be patient. I still bake his cinnamon rolls every winter for the whole family."
)
TITLE = "The Bakery on Main Street — Grandpa's “first” job"


@pytest.fixture
def ports(tmp_path: Path, audio: FfmpegAudio, espeak: EspeakSpeech) -> AudioPorts:
    store = SqliteStore(tmp_path / "familyplus.db")
    store.save_response(ResponseRecord(id="r1", family_id="f1", media_type="text", text=NARRATIVE))
    store.upsert_story(
        StoryRecord(
            id="story-r1",
            response_id="r1",
            family_id="f1",
            title=TITLE,
            summary="A first job before sunrise.",
            narrative=NARRATIVE,
        )
    )
    start = NARRATIVE.index("hard work")
    store.replace_quotes(
        "story-r1", [Quote(text="hard work is its own reward", start=start, end=start + 27, score=0.9)]
    )
    return AudioPorts(
        store=store,
        media=LocalMediaStore(tmp_path / "media"),
        audio=audio,
        speech=espeak,
        podcast_writer=TemplatePodcastWriter(max_segment_chars=200),
    )


def mp3_header(audio: FfmpegAudio, path: Path) -> str:
    return subprocess.run([audio.ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


@pytest.mark.slow
def test_story_becomes_a_normalised_tagged_mp3(ports: AudioPorts, audio: FfmpegAudio, tmp_path: Path) -> None:
    script = write_podcast_script.run(WritePodcastScriptEvent(story_id="story-r1"), ports)
    assert script.segments[0].kind == "intro" and len(script.segments) >= 4
    segments = [synthesize_segment.run(ref, ports) for ref in script.segments]
    assert all(s.seconds > 1.0 for s in segments)
    assembled = assemble_podcast.run(AssemblePodcastEvent(story_id="story-r1", segments=segments[::-1]), ports)
    published = publish_podcast.run(
        PublishPodcastEvent(story_id="story-r1", podcast_key=assembled.podcast_key, seconds=assembled.seconds), ports
    )

    mp3 = ports.media.get(published.podcast_key, tmp_path)
    # It decodes, start to end, without a decoder complaint.
    decoded = audio.to_speech_wav(mp3, tmp_path / "decoded.wav")
    assert decoded.duration == pytest.approx(assembled.seconds, abs=0.2)
    # Its length is the segments' (short crossfades only), within 5 %.
    total = sum(s.seconds for s in segments)
    assert abs(assembled.seconds - total) / total < 0.05
    # Loudness, measured independently on the MP3 file: within 1 LU of −16 LUFS.
    loudness = audio.measure_loudness(mp3)
    print(
        f"\npodcast: {assembled.seconds:.1f} s from {len(segments)} segments ({total:.1f} s), "
        f"{loudness.integrated_lufs:.2f} LUFS, true peak {loudness.true_peak_dbtp:.1f} dBTP"
    )
    assert abs(loudness.integrated_lufs - -16.0) <= 1.0
    # MP3, 44.1 kHz, 128 kbit/s, with the story's title in the ID3 tag.
    header = mp3_header(audio, mp3)
    assert re.search(r"Audio: mp3.*44100 Hz.*128 kb/s", header)
    assert re.search(r"title\s*: The Bakery on Main Street — Grandpa's “first” job", header)
    story = ports.store.get_story("story-r1")
    assert story.podcast_key == "podcasts/story-r1/podcast.mp3"
    assert story.podcast_seconds == pytest.approx(assembled.seconds)


def test_missing_segment_is_refused_before_any_audio_work(ports: AudioPorts) -> None:
    script = write_podcast_script.run(WritePodcastScriptEvent(story_id="story-r1"), ports)
    first = synthesize_segment.run(script.segments[0], ports)
    third = synthesize_segment.run(script.segments[2], ports)
    with pytest.raises(PermanentError, match=r"segments are incomplete: got \[0, 2\]"):
        assemble_podcast.run(AssemblePodcastEvent(story_id="story-r1", segments=[first, third]), ports)
    assert not (Path(ports.media.root) / "podcasts" / "story-r1" / "podcast.mp3").exists()


def store_segments(
    ports: AudioPorts, audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path, *, gain_db: float, filter_: str = ""
) -> list[SynthesizeSegmentOutput]:
    """Four eSpeak segments, `gain_db` louder (float WAV, so a loud one is not clipped), stored as a story's."""
    segments = []
    for index, text in enumerate([NARRATIVE[:120], NARRATIVE[120:240], NARRATIVE[240:], "Thanks for listening."]):
        speech = espeak.synthesize(text, voice="host" if index % 2 else "narrator", dst=tmp_path / f"raw{index}.wav")
        louder = tmp_path / f"seg{index}.wav"
        chain = f"volume={gain_db}dB" + (f",{filter_}" if filter_ else "")
        subprocess.run(
            [audio.ffmpeg, "-v", "error", "-y", "-i", str(speech), "-af", chain, "-c:a", "pcm_f32le", str(louder)],
            check=True,
        )
        key = podcast_segment_key("story-r1", index)
        ports.media.put(key, louder)
        segments.append(
            SynthesizeSegmentOutput(
                story_id="story-r1", index=index, audio_key=key, seconds=audio.probe(louder).duration
            )
        )
    return segments


@pytest.mark.slow
@pytest.mark.parametrize("gain_db", [-25.0, 0.0, 12.0])
def test_quiet_and_loud_speech_lands_on_target_under_the_peak_ceiling(
    ports: AudioPorts, audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path, gain_db: float
) -> None:
    segments = store_segments(ports, audio, espeak, tmp_path, gain_db=gain_db)
    assembled = assemble_podcast.run(AssemblePodcastEvent(story_id="story-r1", segments=segments), ports)
    mp3 = ports.media.get(assembled.podcast_key, tmp_path)
    loudness = audio.measure_loudness(mp3)  # independently, with the true (oversampled) peak
    print(
        f"\ngain {gain_db:+.0f} dB: {loudness.integrated_lufs:.2f} LUFS, true peak {loudness.true_peak_dbtp:.2f} dBTP"
    )
    assert abs(loudness.integrated_lufs - assemble_podcast.TARGET_LUFS) <= 0.5
    assert assembled.loudness_lufs == pytest.approx(loudness.integrated_lufs, abs=0.1)
    assert loudness.true_peak_dbtp <= assemble_podcast.TRUE_PEAK_DBTP + 0.5
    total = sum(s.seconds for s in segments)
    assert abs(assembled.seconds - total) / total < 0.05
    assert audio.probe(mp3).channels == 1


def test_silence_cannot_be_normalised(
    ports: AudioPorts, audio: FfmpegAudio, espeak: EspeakSpeech, tmp_path: Path
) -> None:
    segments = store_segments(ports, audio, espeak, tmp_path, gain_db=0.0, filter_="volume=0")
    with pytest.raises(PermanentError, match="silent"):
        assemble_podcast.run(AssemblePodcastEvent(story_id="story-r1", segments=segments), ports)
    assert not (Path(ports.media.root) / "podcasts" / "story-r1" / "podcast.mp3").exists()
