"""The offline providers are simple, but real algorithms: these tests pin their behaviour."""

import numpy as np

from familyplus.adapters.local.advice_wisdom import AdviceWisdomExtractor
from familyplus.adapters.local.extractive_writer import ExtractiveStoryWriter, clean_narrative, title_from_prompt
from familyplus.adapters.local.hashing_embedder import HashingEmbedder
from familyplus.adapters.local.lexicon import LEXICON
from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.adapters.local.sentence_quotes import SentenceQuoteProposer, quotability
from familyplus.vocabulary import VALUE_TAGS


def test_embedder_is_deterministic_unit_length_and_semantic() -> None:
    embedder = HashingEmbedder()
    a, b, c = (
        np.array(v)
        for v in embedder.embed(
            ["My uncle baked bread at his bakery", "the bakery where my uncle baked bread", "we sailed on a ship"]
        )
    )
    assert a.shape == (1536,)
    assert np.isclose(np.linalg.norm(a), 1.0)
    assert embedder.embed(["My uncle baked bread at his bakery"])[0] == a.tolist()
    assert a @ b > 0.5 > a @ c


def test_lexicon_covers_exactly_the_vocabulary() -> None:
    assert set(LEXICON) == set(VALUE_TAGS)


def test_tagger_scores_by_evidence_and_stays_in_vocabulary() -> None:
    tags = LexiconValueTagger().tag("We prayed at church and my mother and father prayed too.", VALUE_TAGS)
    by_tag = {t.tag: t for t in tags}
    assert {"faith", "family"} <= set(by_tag)
    assert by_tag["faith"].score > 0.6 and "prayed" in by_tag["faith"].evidence
    assert LexiconValueTagger().tag("We prayed.", ["family"]) == []


def test_wisdom_finds_advice_and_lessons_not_narration() -> None:
    items = AdviceWisdomExtractor().extract(
        "We lived on a farm. Always finish the job you started. I learned that patience pays off in the end. "
        "Did you ever see it?",
        VALUE_TAGS,
    )
    assert [(i.kind, i.text) for i in items] == [
        ("advice", "Always finish the job you started."),
        ("lesson", "I learned that patience pays off in the end."),
    ]


def test_writer_cleans_fillers_and_titles_from_prompt() -> None:
    assert clean_narrative("um, I I went to to school.  it was fine") == "I went to school. It was fine"
    assert title_from_prompt("Tell us about your first job") == "My First Job"
    draft = ExtractiveStoryWriter().write(
        "We moved to the city in May. The city was loud. I found work at the docks. The docks paid well.",
        prompt=None,
        tags=["hard_work"],
    )
    assert draft.title == "A Story of Hard Work"  # no repeated phrase: the main value
    assert len([s for s in draft.summary.split(". ") if s]) == 2
    assert draft.summary.split(". ")[0] in draft.narrative


def test_titles_read_like_titles() -> None:
    assert title_from_prompt("Tell us about a loss that changed you") == "A Loss That Changed Me"
    assert title_from_prompt("Why do you love gardening?") == "Why I Love Gardening"
    assert title_from_prompt("What was your hometown like?") == "My Hometown"
    writer = ExtractiveStoryWriter()
    spoken = "It was, um, it was the worst day when the police came. Danny was, he was only twenty-two. Danny was kind."
    assert writer.write(spoken, prompt=None, tags=["resilience"]).title == "A Story of Resilience"  # never "The Danny"
    assert (
        writer.write("Dad worked the coal mine. The coal mine closed.", prompt=None, tags=[]).title == "The Coal Mine"
    )


def test_narrative_drops_stutters_fillers_and_false_starts_but_keeps_the_words() -> None:
    spoken = (
        "so, um, my first car, that was, uh, a Ford. But I, I knew he was proud. We lived in, in Nebraska. "
        "Danny was, he was only twenty-two. I guess what I'm saying is you don't get over it. We had had enough."
    )
    assert clean_narrative(spoken) == (
        "My first car, that was a Ford. But I knew he was proud. We lived in Nebraska. Danny was only "
        "twenty-two. You don't get over it. We had had enough."
    )


def test_quote_proposer_prefers_wisdom_and_skips_questions() -> None:
    text = "Did you know? It was a Tuesday. I learned that you always keep your word, no matter what it costs you."
    assert quotability("Did you know what happened next at the docks?") == 0.0
    assert SentenceQuoteProposer().propose(text, max_quotes=1) == [
        "I learned that you always keep your word, no matter what it costs you."
    ]
