"""Tags and wisdom by meaning: the cases a new user met with the keyword providers."""

from __future__ import annotations

import pytest

from familyplus.adapters.local.meaning_tagger import CuePhrases, MeaningValueTagger
from familyplus.adapters.local.sentence_wisdom import SentenceWisdomExtractor, classify
from familyplus.adapters.local.value_descriptions import CUES, DESCRIPTIONS
from familyplus.vocabulary import VALUE_TAGS

GRIEF = (
    "After Walter died I could not sleep for weeks. Every year on his birthday I still set a place for him. "
    "My son learns to cook his recipes now. The grief comes in waves, but I have learned to carry it."
)
LOSS = (
    "When Margaret passed, the house went so quiet I left the television on all night. I did not think I would "
    "get through that first winter. Some mornings I could not get out of bed. The grief never leaves you, but it "
    "softens, and one day you notice the garden again."
)
FUNNY = (
    "Your uncle tried to fix the roof and got stuck up there all afternoon. We laughed so hard we cried, and "
    "the neighbors came out with lemonade to watch. He never lived it down."
)


def test_descriptions_and_cues_cover_exactly_the_vocabulary() -> None:
    assert set(DESCRIPTIONS) == set(VALUE_TAGS) == set(CUES)


def test_cue_phrases_match_whole_phrases_only() -> None:
    cues = CuePhrases({"tradition": ("every year",)})
    assert cues.find("tradition", ["every", "year", "we", "go"]) == ["every year"]
    assert cues.find("tradition", ["every", "day", "for", "year"]) == []


def test_a_grief_story_is_tagged_resilience_and_never_by_split_words() -> None:
    """The story a user met: tagged `tradition, education` by "every" and "years" split out of "every year" and
    by "learns". Now resilience is found (by meaning and "grief"), education is not, and tradition comes only
    from the whole phrase: setting a place every year on his birthday is a ritual, so it may stay."""
    tags = {t.tag: t for t in MeaningValueTagger().tag(GRIEF, VALUE_TAGS)}
    assert "resilience" in tags and "grief" in tags["resilience"].evidence
    assert "education" not in tags
    assert "tradition" not in tags or tags["tradition"].evidence == ["every year"]


def test_a_story_of_loss_is_filed_under_resilience_first() -> None:
    tags = MeaningValueTagger().tag(LOSS, VALUE_TAGS)
    assert tags and tags[0].tag == "resilience"


def test_a_funny_story_scores_humor_above_resilience() -> None:
    scores = {t.tag: t.score for t in MeaningValueTagger(min_score=0.0).tag(FUNNY, VALUE_TAGS)}
    assert scores["humor"] == max(scores.values())
    assert scores["humor"] > scores.get("resilience", 0.0)


def test_tags_only_from_the_vocabulary_given_at_most_three() -> None:
    tags = MeaningValueTagger(min_score=0.0).tag(FUNNY, ["humor", "faith", "patience"])
    assert {t.tag for t in tags} <= {"humor", "faith", "patience"} and len(tags) <= 3
    assert MeaningValueTagger().tag("   ", VALUE_TAGS) == []


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Let people help you when you are hurting.", "advice"),
        ("Save a little from every paycheck, even if it's only five dollars.", "advice"),
        ("Um, be the person who knocks on the new neighbor's door.", "advice"),
        ("If you know you're right, say so, even if your voice shakes.", "advice"),
        ("I learned that mistakes are how you get good at something.", "lesson"),
        ("Things can be replaced, people can't.", "lesson"),
        ("Love that can wait is love that lasts.", "lesson"),
        ("My daughter Ruth drove up from Ohio every weekend and just sat with me.", "anecdote"),
        ("My father taught me to fish on Lake Minnetonka when I was six.", "anecdote"),
        ("Every Fourth of July the whole Washington family meets at Uncle Leroy's farm.", "anecdote"),
        ("Did you ever see it?", "anecdote"),
    ],
)
def test_advice_lesson_and_anecdote_are_told_apart(sentence: str, kind: str) -> None:
    assert classify(sentence) == kind


def test_wisdom_keeps_the_sentence_as_spoken_and_tags_it() -> None:
    text = "We lived on a farm. Um, always finish, always finish the job you started. It rained."
    [item] = SentenceWisdomExtractor().extract(text, VALUE_TAGS)
    assert item.text == "Um, always finish, always finish the job you started."
    assert item.kind == "advice"
    assert item.tags and set(item.tags) <= set(VALUE_TAGS)
