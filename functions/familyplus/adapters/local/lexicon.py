"""Cue words for each value tag, stemmed by `familyplus.text.stem`. Used by the offline tagger and wisdom
extractor. Covers exactly `familyplus.vocabulary.VALUE_TAGS` (a test checks this)."""

from __future__ import annotations

from familyplus.text import stem

_CUES: dict[str, str] = {
    "family": "family families mother mom mum father dad parents grandmother grandma grandfather grandpa "
    "brother sister son daughter children kids cousin aunt uncle wife husband home siblings relatives",
    "love": "love loved loving married wedding sweetheart hug cherish adore romance heart",
    "resilience": "hard tough survived survive overcome struggle struggled recovered lost loss rebuild "
    "depression war sick illness setback bounce",
    "hard_work": "work worked working job jobs farm factory shift earn earned paycheck labor business "
    "effort hours saved career",
    "faith": "faith god church pray prayer prayed believe belief bible spiritual blessing blessed",
    "humor": "laugh laughed laughing funny joke jokes joked silly hilarious giggle smile",
    "courage": "brave courage afraid fear scared risk dared bold nerve",
    "kindness": "kind kindness help helped helping neighbor care caring gentle compassion",
    "gratitude": "grateful thankful thank thanks appreciate appreciated blessed fortunate lucky",
    "honesty": "honest honesty truth truthful lie lied integrity trust",
    "education": "school college university teacher learn learned study studied education class degree books",
    "tradition": "tradition traditions holiday christmas thanksgiving recipe heritage ancestors "
    "every year sunday dinner custom",
    "community": "community neighbors neighborhood town village church volunteers together friends",
    "adventure": "adventure travel traveled trip journey explore road ship sailed moved country",
    "generosity": "share shared give gave giving generous donate gift gifts",
    "patience": "patience patient wait waited slowly time calm",
}

LEXICON: dict[str, frozenset[str]] = {
    tag: frozenset(stem(word) for word in cues.split()) for tag, cues in _CUES.items()
}
