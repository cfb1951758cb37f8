"""The speaker's own voice for a quote: where in the recording it was said, and the cut itself.

A quote is a verbatim span of the transcript (character offsets); the transcriber's word timings say when
each word was spoken. The clip is cut from the recording decoded to speech WAV (the same sanitised decode
transcription uses), with short fades so it neither clicks in nor out."""

from __future__ import annotations

import sys
import wave
from array import array
from pathlib import Path

from familyplus.models.audio import Transcript

#: Context kept around the words (Whisper's word edges are tight) and the fade in/out.
PAD_SECONDS = 0.12
FADE_SECONDS = 0.05


def quote_times(transcript: Transcript, start: int, end: int) -> tuple[float, float] | None:
    """Seconds of the words covering characters [start, end) of `transcript.text`, or None when the words
    cannot be placed in the text (a provider's words that differ from its text)."""
    cursor, first, last = 0, None, None
    for word in transcript.words:
        at = transcript.text.find(word.word, cursor)
        if at < 0:
            return None
        word_end = at + len(word.word)
        cursor = word_end
        if word_end > start and at < end:
            first = word if first is None else first
            last = word
        if at >= end:
            break
    if first is None or last is None or last.end <= first.start:
        return None
    return first.start, last.end


def cut_wav(
    src: Path, dst: Path, start: float, end: float, *, pad: float = PAD_SECONDS, fade: float = FADE_SECONDS
) -> float:
    """Write [start − pad, end + pad] of the 16-bit PCM WAV `src` to `dst` with linear fades; returns seconds."""
    with wave.open(str(src), "rb") as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        if width != 2:
            raise ValueError("expected 16-bit PCM")
        total = reader.getnframes()
        first = max(0, int((start - pad) * rate))
        last = min(total, int((end + pad) * rate))
        reader.setpos(first)
        # The standard library's array, not numpy: the Lambda layer ships no numpy, and the fades touch only a
        # few thousand samples at each end.
        samples = array("h", reader.readframes(max(last - first, 0)))
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    count = len(samples) // channels
    ramp = min(int(fade * rate), count // 2)
    for i in range(ramp):  # linear gain 0 -> 1 over the first ramp frames, 1 -> 0 over the last
        gain = i / (ramp - 1) if ramp > 1 else 0.0
        for c in range(channels):
            head, tail = i * channels + c, (count - 1 - i) * channels + c
            samples[head] = int(samples[head] * gain)
            samples[tail] = int(samples[tail] * gain)
    if sys.byteorder == "big":
        samples.byteswap()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dst), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return count / rate
