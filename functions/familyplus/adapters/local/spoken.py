"""Spoken-answer cleanup for the narrative: fillers, stutters and false starts out, sentence case in.

Transcribed speech reads badly in print ("But I, I knew he was proud", "in, in Nebraska", "um"). The story's
narrative may be tidied; a quote never is (quotes are verbatim spans of the transcript, chosen elsewhere).
Every rule removes words that carry no meaning, or fixes case and spacing — none rewrites what was said.
"""

from __future__ import annotations

import re

from familyplus.text import normalize_space, sentences

_SOUND = r"(?:u+m+|u+h+|e+r+m+|e+r+|h+m+|mm+)"
# Sounds with no meaning anywhere, and phrases that carry none between commas ("I was, you know, angry" but
# not "you know my sister"). Between commas both commas go too: "which was, um, all" → "which was all";
# between two clauses one comma stays: "rush it, you know, it comes" → "rush it, it comes".
_FILLER_BETWEEN_COMMAS = re.compile(
    rf"\s*,\s*(?:{_SOUND}|you know|i mean|like|you see)\s*,\s*(?=(it|he|she|they|we|i|you|that)\b)?", re.I
)
_FILLER_SOUNDS = re.compile(rf"(?<![\w']){_SOUND}\b,?\s*", re.I)
# Lead-ins that announce a point instead of making it.
_LEAD_INS = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=,\s))(?:i guess |so )?(?:what i'm (?:trying to )?saying is|what i mean is|"
    r"the thing is|i'm not sure but),?\s+",
    re.I,
)
# Sentence openers that are breath, not words: "Well, um, the secret" → "The secret".
_OPENERS = re.compile(r"^(?:well|oh|so|okay|ok|yeah|you know|anyway)\b,?\s+", re.I)
# A word or short phrase said twice ("I, I knew", "the, the heater", "it was, it was blue").
_REPEAT = re.compile(r"\b((?:[\w']+\s+){0,3}[\w']+)(?:,?\s+\1\b)+", re.I)
# Doubled words that are grammar, not stutter ("we had had enough", "he said that that was").
_LEGIT_DOUBLES = frozenset({"had", "that"})
# A false start that restarts with a pronoun: "Danny was, he was only twenty-two" → "Danny was only …".
_RESTART = re.compile(r"\b(\w+) (was|were|is|had|did|would), (?:he|she|it|they|we|i) \2\b", re.I)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_DOUBLE_COMMA = re.compile(r",(?:\s*,)+")
_LEADING_COMMA = re.compile(r"(?:^|(?<=[.!?]\s))[,;]\s*")
_COMMA_BEFORE_STOP = re.compile(r",\s*([.!?])")
_LONE_I = re.compile(r"\bi\b")


# Said twice across a comma, these usually end one clause and start the next ("rush it, it comes").
_CLAUSE_EDGES = frozenset({"it", "that", "them", "you", "there", "this", "too", "then"})
_LAST_WORD = re.compile(r"([\w']+)\W*$")


def _between_commas(match: re.Match[str]) -> str:
    """ ", you know, " → " ", except where it separates two clauses ("rush it, you know, it comes")."""
    before = _LAST_WORD.search(match.string, 0, match.start())
    ends_clause = before is not None and before.group(1).lower() in _CLAUSE_EDGES
    return ", " if match.group(1) and ends_clause else " "


def _unrepeat(match: re.Match[str]) -> str:
    phrase, whole = match.group(1), match.group(0)
    if phrase.lower() in _LEGIT_DOUBLES or ("," in whole and phrase.lower() in _CLAUSE_EDGES):
        return whole
    return phrase


def clean_sentence(sentence: str) -> str:
    text = _FILLER_BETWEEN_COMMAS.sub(_between_commas, sentence)
    text = _FILLER_SOUNDS.sub("", text)
    text = _LEAD_INS.sub("", text)
    text = _OPENERS.sub("", text.strip())
    text = _RESTART.sub(r"\1 \2", text)
    previous = None
    while previous != text:  # "I, I couldn't, I couldn't" needs two passes
        previous = text
        text = _REPEAT.sub(_unrepeat, text)
    text = _DOUBLE_COMMA.sub(",", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _LEADING_COMMA.sub("", normalize_space(text))
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    text = _LONE_I.sub("I", text)
    return text[:1].upper() + text[1:] if text else text


def clean_spoken(text: str) -> str:
    """The narrative form of an answer: each sentence cleaned, paragraphs kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    cleaned = []
    for paragraph in paragraphs:
        parts = [clean_sentence(s.text) for s in sentences(paragraph)]
        cleaned.append(" ".join(p for p in parts if any(ch.isalnum() for ch in p)))
    return "\n\n".join(p for p in cleaned if p)
