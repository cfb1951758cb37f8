"""Quality of the offline intelligence on the evaluation set (evals/answers.json), beside the hashing baseline.

    .venv/bin/python bench/quality.py [--split tune|test|all] [--profile offline|hashing|both] [--details]

For each answer it runs the value tagger, the wisdom extractor and the embedder of a profile, and prints:
tag precision/recall (micro-averaged over answers, after the tag_values stage's rules: vocabulary only,
at most `max_tags`), wisdom precision/recall (a proposed item matches a labelled sentence when their words
overlap ≥ 60%; `kind ok` = advice/lesson right among matches), search hit@1/hit@3 over every paraphrased
query (each answer stored with its question and embedded by the embed stage, then `familyplus.search` on
a real SqliteStore holding all answers, the relevance floor applied),
the share of nonsense queries with no hit, and the model's load time and per-response cost. Beside them, a
second annotator's blind tags scored the same way (evals/second_annotator_tags.json): how far two readers agree.

Profiles: `offline` = what the local profile's composition root builds today; `hashing` = the previous
offline providers (hashing embedder, lexicon tagger, advice-pattern wisdom), kept as the baseline.
Thresholds are tuned on the `tune` split only; `test` is held out (`--split test`).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus import search as search_module
from familyplus.adapters.local.advice_wisdom import AdviceWisdomExtractor
from familyplus.adapters.local.hashing_embedder import HashingEmbedder
from familyplus.adapters.local.lexicon_tagger import LexiconValueTagger
from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.response import ResponseEvent, ResponseRecord
from familyplus.ports import Embedder, Store, ValueTagger, WisdomExtractor
from familyplus.stages import embed as embed_stage
from familyplus.vocabulary import VALUE_TAGS

EVAL_SET = Path(__file__).resolve().parent.parent / "evals" / "answers.json"
# A second annotator's tags for the same answers (blind to the labels): the agreement of two readers.
SECOND_ANNOTATOR = EVAL_SET.with_name("second_annotator_tags.json")
MAX_TAGS = 5  # the tag_values stage's default cap (settings.max_tags)
_WORD = re.compile(r"[a-z0-9']+")


@dataclass
class Profile:
    name: str
    embedder: Embedder
    tagger: ValueTagger
    wisdom: WisdomExtractor
    load_seconds: float = 0.0


@dataclass
class Counts:
    tp: int = 0
    predicted: int = 0
    gold: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0


def load_eval_set(path: Path = EVAL_SET) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def select(answers: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [a for a in answers if split == "all" or a["split"] == split]


def word_set(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("’", "'")))


def same_sentence(proposed: str, labelled: str) -> bool:
    """Word overlap (Jaccard) ≥ 0.6: the extractor may cut a span a little differently."""
    a, b = word_set(proposed), word_set(labelled)
    return bool(a and b) and len(a & b) / len(a | b) >= 0.6


def score_tags(tagger: ValueTagger, answers: Sequence[dict[str, Any]]) -> tuple[Counts, list[str]]:
    counts, notes = Counts(), []
    for answer in answers:
        proposed = sorted(tagger.tag(answer["text"], VALUE_TAGS), key=lambda t: -t.score)
        predicted = [t.tag for t in proposed if t.tag in VALUE_TAGS][:MAX_TAGS]
        gold = set(answer["tags"])
        counts.tp += len(gold & set(predicted))
        counts.predicted += len(predicted)
        counts.gold += len(gold)
        if set(predicted) != gold:
            notes.append(f"{answer['id']}: +{sorted(set(predicted) - gold)} -{sorted(gold - set(predicted))}")
    return counts, notes


def annotator_agreement(answers: Sequence[dict[str, Any]], path: Path = SECOND_ANNOTATOR) -> Counts | None:
    """The second annotator's tags scored against the labels, as a tagger's would be (None without the file)."""
    if not path.exists():
        return None
    second: dict[str, list[str]] = json.loads(path.read_text("utf-8"))["tags"]
    counts = Counts()
    for answer in answers:
        tags = set(second[answer["id"]])
        counts.tp += len(tags & set(answer["tags"]))
        counts.predicted += len(tags)
        counts.gold += len(answer["tags"])
    return counts


def score_wisdom(extractor: WisdomExtractor, answers: Sequence[dict[str, Any]]) -> tuple[Counts, list[str]]:
    counts, notes = Counts(extra={"kind_ok": 0, "matched": 0}), []
    for answer in answers:
        items = extractor.extract(answer["text"], VALUE_TAGS)
        gold = answer["wisdom"]
        counts.predicted += len(items)
        counts.gold += len(gold)
        used: set[int] = set()
        for item in items:
            match = next((i for i, g in enumerate(gold) if i not in used and same_sentence(item.text, g["text"])), None)
            if match is None:
                notes.append(f"{answer['id']}: extra {item.kind}: {item.text[:70]}")
                continue
            used.add(match)
            counts.tp += 1
            counts.extra["matched"] += 1
            if item.kind == gold[match]["kind"]:
                counts.extra["kind_ok"] += 1
            else:
                notes.append(f"{answer['id']}: kind {item.kind} ≠ {gold[match]['kind']}: {item.text[:60]}")
        for i, g in enumerate(gold):
            if i not in used:
                notes.append(f"{answer['id']}: missed {g['kind']}: {g['text'][:70]}")
    return counts, notes


class _SearchPorts:
    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store, self.embedder = store, embedder


def score_search(
    embedder: Embedder, corpus: Sequence[dict[str, Any]], queried: Sequence[dict[str, Any]], nonsense: Sequence[str]
) -> dict[str, Any]:
    """Every answer of `corpus` is stored and searchable; the queries of `queried` are asked."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "eval.db")
        ports = _SearchPorts(store, embedder)
        for answer in corpus:
            store.save_response(
                ResponseRecord(
                    id=answer["id"],
                    family_id="family-eval",
                    media_type="text",
                    prompt=answer["prompt"],
                    text=answer["text"],
                )
            )
            embed_stage.run(ResponseEvent(response_id=answer["id"], family_id="family-eval"), ports)
        hit1 = hit3 = total = 0
        right_scores: list[float] = []
        misses: list[str] = []
        for answer in queried:
            for query in answer["queries"]:
                total += 1
                ranked = [m.response_id for m in search_module.search(query, ports, limit=3)]
                hit1 += ranked[:1] == [answer["id"]]
                hit3 += answer["id"] in ranked
                if answer["id"] not in ranked:
                    misses.append(f"{answer['id']}: “{query}” → {ranked}")
                unfloored = search_module.search(query, ports, limit=len(corpus), min_score=-1.0, explain=False)
                right_scores += [m.score for m in unfloored if m.response_id == answer["id"]]
        empty = 0
        nonsense_top: list[float] = []
        for query in nonsense:
            empty += not search_module.search(query, ports, limit=3, explain=False)
            top = search_module.search(query, ports, limit=1, min_score=-1.0, explain=False)
            nonsense_top += [m.score for m in top]
    return {
        "hit@1": hit1 / total,
        "hit@3": hit3 / total,
        "queries": total,
        "no-hit for nonsense": empty / len(nonsense) if nonsense else 1.0,
        "right answer's score (min)": min(right_scores) if right_scores else 0.0,
        "nonsense top score (max)": max(nonsense_top) if nonsense_top else 0.0,
        "misses": misses,
    }


def offline_profile() -> Profile:
    from familyplus.bootstrap import build
    from familyplus.settings import Settings

    adapters = build(Settings(profile="local", _env_file=None))  # type: ignore[call-arg]
    started = time.perf_counter()
    embedder = adapters.embedder
    embedder.embed(["warm up: load the model"])
    load = time.perf_counter() - started
    return Profile("offline", embedder, adapters.tagger, adapters.wisdom, load_seconds=load)


def hashing_profile() -> Profile:
    return Profile("hashing", HashingEmbedder(), LexiconValueTagger(), AdviceWisdomExtractor())


def per_response_seconds(profile: Profile, answers: Sequence[dict[str, Any]]) -> float:
    """Embed + tag + wisdom for each answer, on fresh texts (a suffix defeats any per-text cache)."""
    started = time.perf_counter()
    for answer in answers:
        text = answer["text"] + " (timing)"
        profile.embedder.embed([text])
        profile.tagger.tag(text, VALUE_TAGS)
        profile.wisdom.extract(text, VALUE_TAGS)
    return (time.perf_counter() - started) / max(len(answers), 1)


def evaluate(profile: Profile, data: dict[str, Any], split: str) -> dict[str, Any]:
    answers = select(data["answers"], split)
    tags, tag_notes = score_tags(profile.tagger, answers)
    wisdom, wisdom_notes = score_wisdom(profile.wisdom, answers)
    searched = score_search(profile.embedder, data["answers"], answers, data["no_match_queries"])
    timing = per_response_seconds(profile, answers[:10])
    return {
        "tag precision": tags.precision,
        "tag recall": tags.recall,
        "wisdom precision": wisdom.precision,
        "wisdom recall": wisdom.recall,
        "wisdom kind ok": wisdom.extra["kind_ok"] / max(wisdom.extra["matched"], 1),
        **{k: v for k, v in searched.items() if k != "misses"},
        "model load (s)": profile.load_seconds,
        "per response (s)": timing,
        "_notes": tag_notes + wisdom_notes + searched["misses"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["tune", "test", "all"], default="all")
    parser.add_argument("--profile", choices=["offline", "hashing", "both"], default="both")
    parser.add_argument("--details", action="store_true", help="list every tag, wisdom and search miss")
    args = parser.parse_args(argv)
    data = load_eval_set()
    profiles = []
    if args.profile in ("offline", "both"):
        profiles.append(offline_profile())
    if args.profile in ("hashing", "both"):
        profiles.append(hashing_profile())
    n = len(select(data["answers"], args.split))
    queries = sum(len(a["queries"]) for a in select(data["answers"], args.split))
    print(f"evaluation set: {EVAL_SET.name}, split {args.split}: {n} answers, {queries} paraphrased queries")
    results = {p.name: evaluate(p, data, args.split) for p in profiles}
    for p in profiles:
        print(
            f"  {p.name:8s} = embedder {p.embedder.model}, tagger {type(p.tagger).__name__}, "
            f"wisdom {type(p.wisdom).__name__}"
        )
    names = [p.name for p in profiles]
    print(f"\n{'metric':30s}" + "".join(f"{name:>12s}" for name in names))
    for metric in results[names[0]]:
        if metric.startswith("_"):
            continue
        row = "".join(f"{results[name][metric]:>12.3f}" for name in names)
        print(f"{metric:30s}{row}")
    agreement = annotator_agreement(select(data["answers"], args.split))
    if agreement is not None:
        print(
            f"\nsecond annotator's tags against the labels (two careful readers): precision "
            f"{agreement.precision:.3f}, recall {agreement.recall:.3f}"
        )
    if args.details:
        for name in names:
            print(f"\n--- {name}: misses")
            for note in results[name]["_notes"]:
                print("  " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
