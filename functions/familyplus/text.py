"""Small text utilities shared by stages and offline adapters: sentence spans, words, normalisation.

Written by hand rather than pulling in nltk/spaCy: the offline profile needs sentence spans with exact
character offsets (quotes must be verbatim spans) and a few regexes do that without model downloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+[\"'”’)]*|$)", re.S)
# A period after these is not the end of a sentence ("Mrs. Albright's window").
_ABBREVIATION = re.compile(r"(?:^|\s)(?:mr|mrs|ms|dr|st|jr|sr|mt|prof|rev|gen|col|capt|lt|sgt)\.$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SPACE = re.compile(r"\s+")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves um uh like really
    got get went go going one also us back still even ever every much many well yeah oh okay lot things thing""".split()
)


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


def sentences(text: str) -> list[Span]:
    """Sentence spans with exact offsets into `text` (surrounding whitespace excluded)."""
    spans: list[Span] = []
    pending: int | None = None  # start of a sentence cut short by an abbreviation
    for match in _SENTENCE.finditer(text):
        raw = match.group(0)
        stripped = raw.strip()
        if not stripped or not any(ch.isalnum() for ch in stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        if pending is not None:
            start, pending = pending, None
        end = match.start() + len(raw.rstrip())
        if _ABBREVIATION.search(raw.rstrip()) and end < len(text.rstrip()):
            pending = start
            continue
        spans.append(Span(text[start:end], start, end))
    if pending is not None:
        spans.append(Span(text[pending:].strip(), pending, pending + len(text[pending:].strip())))
    return spans


def words(text: str) -> list[str]:
    """Lower-cased words (apostrophes kept inside words)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A light suffix stripper (plural, -ing, -ed, -ly): enough to match lexicon cues and hash features."""
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 2]


def normalize_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def find_verbatim(haystack: str, needle: str) -> tuple[int, int] | None:
    """Where `needle` occurs in `haystack`, comparing after whitespace normalisation (DESIGN.md §6).

    Returns offsets into the original `haystack`, or None when the needle is not a verbatim span.
    """
    target = normalize_space(needle)
    if not target:
        return None
    # Map each character of the whitespace-normalised haystack back to its original offset.
    norm_chars: list[str] = []
    origin: list[int] = []
    previous_space = True
    for index, char in enumerate(haystack):
        if char.isspace():
            if not previous_space:
                norm_chars.append(" ")
                origin.append(index)
            previous_space = True
        else:
            norm_chars.append(char)
            origin.append(index)
            previous_space = False
    normalized = "".join(norm_chars)
    position = normalized.find(target)
    if position < 0:
        return None
    return origin[position], origin[position + len(target) - 1] + 1
