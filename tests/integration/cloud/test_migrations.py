"""supabase/migrations on a native PostgreSQL with pgvector: schema, search, atomic replace, RLS."""

from __future__ import annotations

import json

import numpy as np
import psycopg
import pytest

DIM = 1536


def vec(values: np.ndarray) -> str:
    return "[" + ",".join(f"{v:.6f}" for v in values) + "]"


def add_response(pg: psycopg.Connection, rid: str, family: str, text: str = "words") -> None:
    pg.execute(
        "insert into responses (id, family_id, media_type, text) values (%s, %s, 'text', %s)", (rid, family, text)
    )


def add_embedding(pg: psycopg.Connection, rid: str, family: str, v: np.ndarray) -> None:
    pg.execute(
        "insert into response_embeddings (response_id, family_id, model, embedding) values (%s, %s, 'm', %s)",
        (rid, family, vec(v)),
    )


def test_migrations_create_the_tables_index_and_functions(pg: psycopg.Connection) -> None:
    tables = {r[0] for r in pg.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()}
    assert {"responses", "stories", "value_tags", "wisdom", "quotes", "response_embeddings", "family_members"} <= tables
    [indexdef] = pg.execute(
        "select indexdef from pg_indexes where indexname = 'response_embeddings_embedding_hnsw'"
    ).fetchone() or [None]
    assert indexdef is not None and "hnsw" in indexdef and "vector_cosine_ops" in indexdef
    [typ] = pg.execute(
        "select format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = 'public.response_embeddings'::regclass and attname = 'embedding'"
    ).fetchone() or [None]
    assert typ == "extensions.vector(1536)" or typ == "vector(1536)"
    functions = {r[0] for r in pg.execute("select proname from pg_proc where pronamespace = 'public'::regnamespace")}
    assert {"match_responses", "replace_value_tags", "replace_wisdom", "replace_quotes"} <= functions
    rls: dict[str, bool] = dict(
        pg.execute("select relname, relrowsecurity from pg_class where relname = any(%s)", (list(tables),))
    )
    assert all(rls[t] for t in ("responses", "stories", "value_tags", "wisdom", "quotes", "response_embeddings"))


def test_match_responses_returns_the_true_nearest_neighbours(pg: psycopg.Connection) -> None:
    # Given 120 random unit vectors in two families
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(120, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    families = ["fam-a" if i % 3 else "fam-b" for i in range(len(vectors))]
    for i, (v, fam) in enumerate(zip(vectors, families, strict=True)):
        add_response(pg, f"r{i:03d}", fam, text=f"answer {i}")
        add_embedding(pg, f"r{i:03d}", fam, v)
    # a query close to one stored vector (so the answer is not a near-tie)
    query = vectors[5] + 0.6 * rng.normal(size=DIM) / np.sqrt(DIM)
    query /= np.linalg.norm(query)

    for family, k in ((None, 10), ("fam-a", 7), ("fam-b", 5)):
        # When match_responses runs, also with the planner forced onto the HNSW index
        for force_index in (False, True):
            pg.execute(f"set enable_seqscan = {'off' if force_index else 'on'}")
            rows = pg.execute(
                "select response_id, response_family_id, similarity, snippet "
                "from match_responses(%s::extensions.vector, %s, %s)",
                (vec(query), family, k),
            ).fetchall()
            # Then it returns numpy's brute-force top k by cosine similarity, in order
            mask = np.array([family is None or f == family for f in families])
            sims = vectors @ query
            sims[~mask] = -np.inf
            expected = [f"r{i:03d}" for i in np.argsort(-sims)[:k]]
            assert [r[0] for r in rows] == expected, (family, force_index)
            assert all(family is None or r[1] == family for r in rows)
            np.testing.assert_allclose([r[2] for r in rows], np.sort(sims)[::-1][:k], atol=1e-4)
            assert rows[0][3].startswith("answer ")
    pg.execute("reset enable_seqscan")


def test_replace_functions_swap_the_whole_set_or_nothing(pg: psycopg.Connection) -> None:
    add_response(pg, "r1", "fam-a")
    pg.execute(
        "select replace_value_tags('r1', %s::jsonb)",
        (json.dumps([{"tag": "family", "score": 0.9, "evidence": ["my mother"]}, {"tag": "humor", "score": 0.4}]),),
    )
    # When a replacement fails half-way (the second tag's score breaks a check constraint)
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute(
            "select replace_value_tags('r1', %s::jsonb)",
            (json.dumps([{"tag": "faith", "score": 0.5}, {"tag": "love", "score": 7}]),),
        )
    # Then the previous set is intact
    rows = pg.execute("select tag, score, evidence, family_id from value_tags order by tag").fetchall()
    assert rows == [("family", 0.9, ["my mother"], "fam-a"), ("humor", 0.4, [], "fam-a")]
    # And an unknown parent is no_data_found, named
    with pytest.raises(psycopg.errors.NoDataFound, match="no response with id 'nope'"):
        pg.execute("select replace_wisdom('nope', '[]'::jsonb)")


def test_row_level_security_hides_other_families_from_app_users(pg: psycopg.Connection) -> None:
    rng = np.random.default_rng(1)
    for rid, fam in (("a1", "fam-a"), ("a2", "fam-a"), ("b1", "fam-b")):
        add_response(pg, rid, fam, text=f"text of {rid}")
        add_embedding(pg, rid, fam, rng.normal(size=DIM))
        pg.execute('select replace_value_tags(%s, \'[{"tag": "love", "score": 0.5}]\'::jsonb)', (rid,))
    pg.execute(
        "insert into stories (id, response_id, family_id, title, summary, narrative) values "
        "('story-b1', 'b1', 'fam-b', 't', 's', 'n')"
    )
    pg.execute("insert into family_members (family_id, user_id) values ('fam-a', 'user-alice'), ('fam-b', 'user-bob')")

    def as_user(user: str | None, sql: str, *params: object) -> list[tuple[object, ...]]:
        pg.execute("set role authenticated" if user else "set role anon")
        pg.execute("select set_config('request.jwt.claims', %s, false)", (json.dumps({"sub": user or ""}),))
        try:
            return pg.execute(sql, params).fetchall()
        finally:
            pg.execute("reset role")

    # Alice (fam-a) sees fam-a's rows only, in every table and through match_responses
    assert as_user("user-alice", "select id from responses order by id") == [("a1",), ("a2",)]
    assert as_user("user-alice", "select response_id from value_tags order by 1") == [("a1",), ("a2",)]
    assert as_user("user-alice", "select id from stories") == []
    hits = as_user(
        "user-alice",
        "select response_id from match_responses(%s::extensions.vector, null, 10)",
        vec(rng.normal(size=DIM)),
    )
    assert sorted(str(h[0]) for h in hits) == ["a1", "a2"]
    # Bob sees fam-b's, even when he asks for fam-a explicitly
    assert as_user("user-bob", "select id from stories") == [("story-b1",)]
    assert as_user("user-bob", "select id from responses where family_id = 'fam-a'") == []
    # A user in no family, and anon, see nothing (anon has no grant at all)
    assert as_user("user-eve", "select id from responses") == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user(None, "select id from responses")
    # App users cannot write, nor call the pipeline's replace functions
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user("user-alice", "update responses set status = 'failed'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user("user-alice", "select replace_value_tags('a1', '[]'::jsonb)")
    # The service role (the pipeline) bypasses RLS and sees every family
    pg.execute("set role service_role")
    try:
        assert [r[0] for r in pg.execute("select id from responses order by id")] == ["a1", "a2", "b1"]
    finally:
        pg.execute("reset role")
