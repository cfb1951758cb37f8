"""`reembed` writes each response's vector again with the current embedder, and nothing else."""

from __future__ import annotations

from pathlib import Path

from familyplus.adapters.local.sqlite_store import SqliteStore
from familyplus.models.response import ResponseRecord
from familyplus_local.ops.reembed import reembed
from tests.support import AxisEmbedder

AXES = ("garden", "boat", "bakery")


def test_every_response_with_words_is_re_embedded_and_recordings_without_a_transcript_are_skipped(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.save_response(ResponseRecord(id="t1", family_id="f1", media_type="text", text="We married in the garden."))
    store.save_response(ResponseRecord(id="t2", family_id="f2", media_type="text", text="We came by boat."))
    store.save_response(ResponseRecord(id="a1", family_id="f1", media_type="audio", audio_key="uploads/a1/r.ogg"))
    store.save_embedding("t1", "f1", "old-model", [1.0, 0.0])
    before = store.get_response("t1")
    progress: list[str] = []
    embedder = AxisEmbedder(AXES, 8)

    done = reembed(
        store, embedder, on_start=lambda n: progress.append(f"of {n}"), on_progress=lambda: progress.append(".")
    )

    assert (done.embedded, done.skipped, done.model) == (2, 1, "axes-8")
    assert progress == ["of 3", ".", ".", "."]
    [hit] = store.search(embedder.embed(["garden"])[0], family_id=None, limit=1)
    assert (hit.response_id, hit.score) == ("t1", 1.0)
    assert store.get_response("t1") == before  # status, stage and words untouched


def test_one_family_only(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.save_response(ResponseRecord(id="t1", family_id="f1", media_type="text", text="the garden"))
    store.save_response(ResponseRecord(id="t2", family_id="f2", media_type="text", text="the boat"))
    done = reembed(store, AxisEmbedder(AXES, 8), family_id="f2")
    assert done.embedded == 1
    assert [h.response_id for h in store.search([0, 1] + [0] * 6, family_id=None, limit=5)] == ["t2"]
