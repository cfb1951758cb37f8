"""Merging chunk transcripts: order kept, the overlap's words kept once, clipped edge words dropped."""

from __future__ import annotations

import itertools

import pytest

from familyplus.models.audio import Word
from familyplus.stages.merge_transcript import merge_words

SPEECH = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()


def timeline(words: list[str], *, gap: float = 0.6, length: float = 0.4, start: float = 0.0) -> list[Word]:
    return [Word(word=w, start=start + i * gap, end=start + i * gap + length) for i, w in enumerate(words)]


def chunk_view(full: list[Word], offset: float, duration: float, *, jitter: float = 0.0) -> list[Word]:
    """What a transcriber hears in [offset, offset+duration): words cut by the edges are lost or clipped."""
    seen = []
    for w in full:
        if w.start >= offset and w.end <= offset + duration:
            seen.append(Word(word=w.word, start=max(0.0, w.start - offset + jitter), end=w.end - offset + jitter))
    return seen


@pytest.mark.parametrize("jitter", [0.0, 0.12, -0.12])
def test_overlapping_chunks_merge_without_duplicates(jitter: float) -> None:
    full = timeline(SPEECH)  # 15 words over 8.8 s
    chunks = [(0.0, 4.0), (3.0, 4.0), (6.0, 3.0)]  # 1 s overlaps
    pieces = [(o, d, chunk_view(full, o, d, jitter=jitter if i else 0.0)) for i, (o, d) in enumerate(chunks)]
    merged = merge_words(pieces)
    assert [w.word for w in merged] == SPEECH
    assert all(a.start <= b.start for a, b in itertools.pairwise(merged))


def test_repeated_words_in_the_overlap_are_not_collapsed() -> None:
    # The speaker really says "no no no": all three must survive the merge.
    words = "we said no no no to that idea".split()
    full = timeline(words)
    pieces = [(0.0, 2.6, chunk_view(full, 0.0, 2.6)), (1.2, 3.8, chunk_view(full, 1.2, 3.8))]
    assert [w.word for w in merge_words(pieces)] == words


def test_clipped_word_at_a_chunk_edge_is_taken_from_the_chunk_that_heard_it_whole() -> None:
    full = timeline(SPEECH[:8])
    left = [*chunk_view(full, 0.0, 3.1), Word(word="fi", start=2.95, end=3.1)]  # "six" cut off, misheard
    right = chunk_view(full, 2.0, 3.0)
    merged = merge_words([(0.0, 3.1, left), (2.0, 3.0, right)])
    assert [w.word for w in merged] == SPEECH[:8]


def test_punctuation_and_case_do_not_prevent_alignment() -> None:
    full = timeline(["Well,", "my", "first", "job,", "I", "think,", "was", "hard."])
    left = chunk_view(full, 0.0, 3.0)
    right = [Word(word=w.word.lower().strip(",."), start=w.start, end=w.end) for w in chunk_view(full, 1.5, 3.5)]
    merged = [w.word.lower().strip(",.") for w in merge_words([(0.0, 3.0, left), (1.5, 3.5, right)])]
    assert merged == ["well", "my", "first", "job", "i", "think", "was", "hard"]


def test_without_matching_words_the_cut_falls_in_the_middle_of_the_overlap() -> None:
    left = [Word(word="alpha", start=0.0, end=0.5), Word(word="beta", start=2.1, end=2.4)]
    right = [Word(word="gamma", start=0.1, end=0.3), Word(word="delta", start=1.0, end=1.5)]  # offset 2.0
    merged = merge_words([(0.0, 3.0, left), (2.0, 3.0, right)])
    # overlap [2, 3], centre 2.5: beta (mid 2.25) from the left, gamma (mid 2.2) dropped, delta kept
    assert [w.word for w in merged] == ["alpha", "beta", "delta"]
    assert merged[-1].start == pytest.approx(3.0)


def test_chunk_offsets_become_absolute_times() -> None:
    merged = merge_words(
        [(0.0, 2.0, [Word(word="a", start=0.5, end=0.9)]), (1.5, 2.0, [Word(word="b", start=1.0, end=1.4)])]
    )
    assert [(w.word, w.start) for w in merged] == [("a", 0.5), ("b", 2.5)]
