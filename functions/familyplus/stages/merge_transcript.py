"""merge_transcript: the chunk transcripts → one transcript, in order, without the overlaps said twice.

Neighbouring chunks share `overlap` seconds of audio, so the words spoken there appear in both transcripts
(with slightly different timings, and possibly clipped at a chunk's edge). For each boundary the words of
both sides that fall in the shared window are aligned (difflib on normalised words, matched pairs must agree
in time within `_ALIGN_TOLERANCE_S`); the cut is made at the aligned pair nearest the middle of the window —
far from both chunks' edges — keeping the left chunk's words up to it and the right chunk's words after it.
Without any aligned pair (silence, or a provider that disagrees) the cut falls back to the window's middle
by word midpoints. The merged transcript goes on the response row (`Store.set_transcript`) and, with word
timings, to the media store.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Protocol

from familyplus.errors import PermanentError
from familyplus.models.audio import MergeTranscriptEvent, MergeTranscriptOutput, Transcript, Word
from familyplus.models.keys import transcript_key
from familyplus.ports import MediaStore, Store

STAGE = "merge_transcript"
_ALIGN_TOLERANCE_S = 0.5
_MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024
_NON_WORD = re.compile(r"[^\w']+")


class MergeTranscriptPorts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def media(self) -> MediaStore: ...


def _norm(word: str) -> str:
    return _NON_WORD.sub("", word.lower().replace("’", "'"))


def _shift(words: Sequence[Word], offset: float) -> list[Word]:
    return [Word(word=w.word, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in words]


def _mid(word: Word) -> float:
    return (word.start + word.end) / 2


def join_chunks(left: list[Word], right: list[Word], window: tuple[float, float]) -> list[Word]:
    """`left` (earlier words, absolute times) followed by `right`, with the words of the shared `window`
    kept once."""
    w_start, w_end = window
    if w_end <= w_start or not left or not right:
        return left + [w for w in right if not left or _mid(w) > _mid(left[-1])]
    centre = (w_start + w_end) / 2
    # The candidates: left words reaching into the window, right words starting before it ends.
    a0 = next((i for i, w in enumerate(left) if w.end > w_start), len(left))
    b1 = next((i for i, w in enumerate(right) if w.start >= w_end), len(right))
    tail, head = left[a0:], right[:b1]
    matcher = difflib.SequenceMatcher(a=[_norm(w.word) for w in tail], b=[_norm(w.word) for w in head], autojunk=False)
    best: tuple[float, int, int] | None = None
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            if not _norm(tail[i].word) or abs(tail[i].start - head[j].start) > _ALIGN_TOLERANCE_S:
                continue
            distance = abs(_mid(tail[i]) - centre)
            if best is None or distance < best[0]:
                best = (distance, i, j)
    if best is not None:
        _, i, j = best
        return left[: a0 + i + 1] + right[j + 1 :]
    return [w for w in left if _mid(w) < centre] + [w for w in right if _mid(w) >= centre]


def merge_words(chunks: Sequence[tuple[float, float, Sequence[Word]]]) -> list[Word]:
    """Merge `(offset, duration, words)` chunks, in order, into one word list with absolute times."""
    merged: list[Word] = []
    previous_end = 0.0
    for position, (offset, duration, words) in enumerate(chunks):
        shifted = _shift(words, offset)
        merged = shifted if position == 0 else join_chunks(merged, shifted, (offset, previous_end))
        previous_end = offset + duration
    return merged


def run(event: MergeTranscriptEvent, ports: MergeTranscriptPorts) -> MergeTranscriptOutput:
    chunks = sorted(event.chunks, key=lambda c: c.index)
    indexes = [c.index for c in chunks]
    if indexes != list(range(len(chunks))):
        raise PermanentError(f"chunk transcripts are incomplete: got indexes {indexes}", stage=STAGE)
    if any(c.response_id != event.response_id for c in chunks):
        raise PermanentError("chunk transcripts belong to another response", stage=STAGE)
    ports.store.update_progress(event.response_id, status="processing", stage=STAGE)
    transcripts = [
        Transcript.model_validate_json(ports.media.get_bytes(c.transcript_key, max_bytes=_MAX_TRANSCRIPT_BYTES))
        for c in chunks
    ]
    if len(transcripts) == 1:
        words = _shift(transcripts[0].words, chunks[0].offset_seconds)
        text = transcripts[0].text.strip() or " ".join(w.word for w in words)
    elif all(t.words or not t.text.strip() for t in transcripts):
        pieces = [(c.offset_seconds, c.duration_seconds, t.words) for c, t in zip(chunks, transcripts, strict=True)]
        words = merge_words(pieces)
        text = " ".join(w.word for w in words)
    else:  # a provider without word timings: nothing to align on, so the overlap cannot be de-duplicated
        raise PermanentError("chunked transcription needs word timestamps, and a chunk has none", stage=STAGE)
    text = " ".join(text.split())
    if not text:
        raise PermanentError("no speech was recognised in the recording", stage=STAGE)
    languages = [t.language for t in transcripts if t.language]
    language = max(set(languages), key=languages.count) if languages else None
    seconds = max(c.offset_seconds + c.duration_seconds for c in chunks)
    merged = Transcript(text=text, words=words, language=language, duration=round(seconds, 3))
    key = transcript_key(event.response_id)
    ports.media.put_bytes(key, merged.model_dump_json().encode("utf-8"))
    ports.store.set_transcript(event.response_id, text)
    return MergeTranscriptOutput(
        response_id=event.response_id,
        family_id=event.family_id,
        transcript_key=key,
        word_count=len(words),
        seconds=round(seconds, 3),
        language=language,
    )
