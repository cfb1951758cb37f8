"""The tagger's learned head: how it is fitted, stored and refused, and that the stored one is current."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from familyplus.adapters.local.sentence_embedder import DIMENSIONS, WEIGHTS_SHA256
from familyplus.adapters.local.value_head import HEAD_PATH, fit_head, head_document, load_head
from familyplus.errors import ConfigurationError
from familyplus.vocabulary import VALUE_TAGS

ROOT = Path(__file__).resolve().parents[3]


def test_fit_head_learns_a_direction_that_separates_the_labels() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(400, 8))
    labels = [{t for t, d in (("humor", 0), ("faith", 1)) if v[d] > 0} for v in vectors]
    head = fit_head(vectors, labels, ["humor", "faith"], penalty=0.1)
    right = sum(
        (head.logits(v)["humor"] > 0) == ("humor" in lb) and (head.logits(v)["faith"] > 0) == ("faith" in lb)
        for v, lb in zip(vectors, labels, strict=True)
    )
    assert right / len(vectors) > 0.95
    assert int(np.argmax(np.abs(head.weights[0]))) == 0  # humor rides on the first dimension


def test_a_stored_head_round_trips_and_is_refused_for_another_model(tmp_path: Path) -> None:
    head = fit_head(np.eye(4), [{"love"}, set(), {"love"}, set()], ["love"], penalty=1.0)
    path = tmp_path / "head.json"
    path.write_text(json.dumps(head_document(head, model_weights_sha256="abc")), "utf-8")
    loaded = load_head("abc", path)
    assert loaded.tags == ("love",)
    assert np.allclose(loaded.weights, head.weights, atol=1e-5)
    with pytest.raises(ConfigurationError, match="another model's vectors"):
        load_head("def", path)
    with pytest.raises(ConfigurationError, match="missing"):
        load_head("abc", tmp_path / "none.json")
    path.write_text('{"model_weights_sha256": "abc", "values": {"love": {"weights": "x"}}}', "utf-8")
    with pytest.raises(ConfigurationError, match="not a value head"):
        load_head("abc", path)


def test_the_shipped_head_covers_the_vocabulary_for_this_model() -> None:
    head = load_head(WEIGHTS_SHA256)
    assert head.tags == VALUE_TAGS
    assert head.weights.shape == (len(VALUE_TAGS), DIMENSIONS)


def test_the_shipped_head_was_fitted_on_the_current_training_stories() -> None:
    """Editing training/value_stories.json without `bench/fit_tagger.py --head` fails here."""
    document = json.loads(HEAD_PATH.read_text("utf-8"))
    training = ROOT / "training" / "value_stories.json"
    assert document["training_sha256"] == hashlib.sha256(training.read_bytes()).hexdigest()
    assert document["training_stories"] == len(json.loads(training.read_text("utf-8"))["stories"])


def test_training_stories_are_labelled_from_the_vocabulary_and_apart_from_the_eval_set() -> None:
    stories = json.loads((ROOT / "training" / "value_stories.json").read_text("utf-8"))["stories"]
    evals = json.loads((ROOT / "evals" / "answers.json").read_text("utf-8"))["answers"]
    assert len({s["id"] for s in stories}) == len(stories)
    for story in stories:
        assert 1 <= len(story["tags"]) <= 3 and set(story["tags"]) <= set(VALUE_TAGS), story["id"]
    assert not {s["text"] for s in stories} & {a["text"] for a in evals}
    assert not {s["id"] for s in stories} & {a["id"] for a in evals}
