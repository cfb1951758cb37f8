"""The evaluation set is data the quality figures stand on: these checks keep its labels usable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from familyplus.models.response import ValueTag, WisdomItem
from familyplus.text import content_words, find_verbatim, sentences, stem
from familyplus.vocabulary import VALUE_TAGS
from tests.support import load_bench

ROOT = Path(__file__).resolve().parents[3]


def bench_quality() -> ModuleType:
    return load_bench("quality")


def answers() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = bench_quality().load_eval_set()["answers"]
    return data


def test_at_least_forty_varied_answers_with_both_splits_and_spoken_ones() -> None:
    items = answers()
    assert len(items) >= 40
    assert len({a["id"] for a in items}) == len(items)
    splits = [a["split"] for a in items]
    assert set(splits) == {"tune", "test"} and min(splits.count("tune"), splits.count("test")) >= 15
    assert sum(a["spoken"] for a in items) >= 5


def test_labels_use_the_vocabulary_and_wisdom_is_verbatim_whole_sentences() -> None:
    for answer in answers():
        assert answer["tags"] and set(answer["tags"]) <= set(VALUE_TAGS), answer["id"]
        whole = {s.text for s in sentences(answer["text"])}
        for item in answer["wisdom"]:
            assert item["kind"] in ("advice", "lesson"), answer["id"]
            assert find_verbatim(answer["text"], item["text"]), answer["id"]
            assert item["text"] in whole, (answer["id"], item["text"])


def test_every_answer_has_two_or_three_queries_in_other_words() -> None:
    for answer in answers():
        assert 2 <= len(answer["queries"]) <= 3, answer["id"]
        for query in answer["queries"]:
            assert query.lower() not in answer["text"].lower(), (answer["id"], query)
            # a paraphrase shares at most half its content words (stemmed) with the answer
            mine = {stem(w) for w in content_words(query)}
            shared = mine & {stem(w) for w in content_words(answer["text"])}
            assert len(shared) <= len(mine) / 2, (answer["id"], query, shared)


class FixedTagger:
    def __init__(self, tags: Sequence[str]) -> None:
        self.tags = tags

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        return [ValueTag(tag=t, score=0.9 - i / 10) for i, t in enumerate(self.tags)]


class FixedWisdom:
    def __init__(self, items: Sequence[WisdomItem]) -> None:
        self.items = items

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]:
        return list(self.items)


def test_metrics_count_precision_and_recall_as_labelled() -> None:
    q = bench_quality()
    answer = {
        "id": "a",
        "text": "Save a little every week. We lived by the sea.",
        "tags": ["family", "hard_work"],
        "wisdom": [{"text": "Save a little every week.", "kind": "advice"}],
    }
    tags, _ = q.score_tags(FixedTagger(["family", "humor", "not_a_tag"]), [answer])
    assert (tags.tp, tags.predicted, tags.gold) == (1, 2, 2)  # out-of-vocabulary answers are dropped
    wisdom, notes = q.score_wisdom(
        FixedWisdom(
            [
                WisdomItem(text="Save a little every week", kind="lesson"),
                WisdomItem(text="We lived by the sea.", kind="advice"),
            ]
        ),
        [answer],
    )
    assert (wisdom.tp, wisdom.predicted, wisdom.gold) == (1, 2, 1)
    assert wisdom.extra["kind_ok"] == 0 and any("kind lesson" in n for n in notes)
    assert q.same_sentence(
        "I learned that pride is in doing a job well", "I learned that pride is in doing a dirty job well."
    )
    assert not q.same_sentence("We lived by the sea.", "Save a little every week.")


def test_the_second_annotator_tagged_every_answer_from_the_vocabulary() -> None:
    second = json.loads((ROOT / "evals" / "second_annotator_tags.json").read_text("utf-8"))["tags"]
    assert set(second) == {a["id"] for a in answers()}
    for answer_id, tags in second.items():
        assert 1 <= len(tags) <= 3 and set(tags) <= set(VALUE_TAGS), answer_id


def test_annotator_agreement_counts_like_a_tagger(tmp_path: Path) -> None:
    q = bench_quality()
    path = tmp_path / "second.json"
    path.write_text(json.dumps({"tags": {"a": ["family", "humor"], "b": ["faith"]}}), "utf-8")
    labelled = [{"id": "a", "tags": ["family", "hard_work"]}, {"id": "b", "tags": ["faith", "love", "humor"]}]
    counts = q.annotator_agreement(labelled, path)
    assert (counts.tp, counts.predicted, counts.gold) == (2, 3, 5)
    assert q.annotator_agreement(labelled, tmp_path / "missing.json") is None
