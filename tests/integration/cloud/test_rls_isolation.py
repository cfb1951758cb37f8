"""Row level security on the real PostgreSQL (supabase/migrations): an app user of one family, connected as
Supabase's API connects (role `authenticated`, the JWT's claims in `request.jwt.claims`, both per
transaction), can neither read nor write another family's rows — in every table and through match_responses.

Every table of the schema must be listed in FAMILY_COLUMN: a new table is only added together with its
isolation check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import psycopg
import pytest

DIM = 1536
FAMILIES = {"user-alice": "fam-a", "user-bob": "fam-b"}
#: The column that names a row's family, per table.
FAMILY_COLUMN = {
    "responses": "family_id",
    "stories": "family_id",
    "value_tags": "family_id",
    "wisdom": "family_id",
    "quotes": "family_id",
    "response_embeddings": "family_id",
    "family_members": "family_id",
    "quote_families": "id",
    "quote_deliveries": "family_id",
    "episode_notices": "family_id",
}
#: The pipeline's write functions (service role only).
PIPELINE_FUNCTIONS = [
    "select replace_value_tags('r-fam-b', '[]'::jsonb)",
    "select replace_wisdom('r-fam-b', '[]'::jsonb)",
    "select replace_quotes('story-fam-b', '[]'::jsonb)",
    "select claim_quote_delivery('fam-b', '2026-05-01', 'k', 'text', '+15550000000', 'sms')",
    "select claim_episode_notice('story-fam-b', 'fam-b', 'podcasts/x.mp3', '+15550000000', 'sms')",
]


def vec(values: np.ndarray) -> str:
    return "[" + ",".join(f"{v:.6f}" for v in values) + "]"


def seed(pg: psycopg.Connection, family: str, rng: np.random.Generator) -> None:
    """One row of `family` in every table, as the pipeline (service role) and the backend would write them."""
    rid, sid = f"r-{family}", f"story-{family}"
    pg.execute(
        "insert into responses (id, family_id, media_type, text) values (%s, %s, 'text', %s)",
        (rid, family, f"The words of {family}."),
    )
    pg.execute(
        "insert into stories (id, response_id, family_id, title, summary, narrative) "
        "values (%s, %s, %s, 't', 's', 'n')",
        (sid, rid, family),
    )
    pg.execute('select replace_value_tags(%s, \'[{"tag": "love", "score": 0.5}]\'::jsonb)', (rid,))
    pg.execute('select replace_wisdom(%s, \'[{"text": "Be kind.", "kind": "advice"}]\'::jsonb)', (rid,))
    pg.execute('select replace_quotes(%s, \'[{"text": "words", "start": 4, "end": 9, "score": 1}]\')', (sid,))
    pg.execute(
        "insert into response_embeddings (response_id, family_id, model, embedding) values (%s, %s, 'm', %s)",
        (rid, family, vec(rng.normal(size=DIM))),
    )
    user = next(u for u, f in FAMILIES.items() if f == family)
    pg.execute("insert into family_members (family_id, user_id) values (%s, %s)", (family, user))
    pg.execute(
        "insert into quote_families (id, timezone, recipient) values (%s, 'Europe/Berlin', '+15550000001')", (family,)
    )
    pg.execute("select claim_quote_delivery(%s, '2026-05-01', 'k', 'words', '+15550000001', 'sms')", (family,))
    pg.execute("select claim_episode_notice(%s, %s, 'podcasts/p.mp3', '+15550000001', 'sms')", (sid, family))


@contextmanager
def as_app_user(pg: psycopg.Connection, user: str) -> Iterator[psycopg.Connection]:
    """One transaction as Supabase's API runs a request with a user's JWT: role and claims set locally."""
    claims = {"sub": user, "role": "authenticated", "aud": "authenticated", "email": f"{user}@example.com"}
    with pg.transaction():
        pg.execute("set local role authenticated")
        pg.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield pg


def rows_by_family(pg: psycopg.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, as the superuser sees them (to prove nothing changed)."""
    return {t: pg.execute(f"select * from public.{t} order by 1, 2").fetchall() for t in FAMILY_COLUMN}


@pytest.fixture
def seeded(pg: psycopg.Connection) -> psycopg.Connection:
    rng = np.random.default_rng(7)
    for family in FAMILIES.values():
        seed(pg, family, rng)
    return pg


def test_every_table_is_checked(pg: psycopg.Connection) -> None:
    tables = {r[0] for r in pg.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert tables == set(FAMILY_COLUMN)
    no_rls = pg.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' "
        "and not relrowsecurity"
    ).fetchall()
    assert no_rls == []


@pytest.mark.parametrize(("user", "own", "other"), [("user-alice", "fam-a", "fam-b"), ("user-bob", "fam-b", "fam-a")])
def test_an_app_user_reads_only_their_own_familys_rows(
    seeded: psycopg.Connection, user: str, own: str, other: str
) -> None:
    pg = seeded
    for table, column in FAMILY_COLUMN.items():
        with as_app_user(pg, user):
            seen = [r[0] for r in pg.execute(f"select {column} from public.{table}")]
            asked = pg.execute(f"select count(*) from public.{table} where {column} = %s", (other,)).fetchone()
        assert seen and set(seen) == {own}, (table, seen)
        assert asked == (0,), table
    probe = vec(np.random.default_rng(3).normal(size=DIM))
    for family in (None, other):
        with as_app_user(pg, user):
            hits = pg.execute(
                "select response_family_id from match_responses(%s::extensions.vector, %s, 10)", (probe, family)
            ).fetchall()
        assert {h[0] for h in hits} <= {own}, (family, hits)
        assert bool(hits) == (family is None)


def test_an_app_user_cannot_write_any_familys_rows(seeded: psycopg.Connection) -> None:
    pg = seeded
    before = rows_by_family(pg)
    attempts: list[str] = []
    for table, column in FAMILY_COLUMN.items():
        for family in ("fam-b", "fam-a"):  # the other family's rows, and (the backend's job) even their own
            attempts += [
                f"update public.{table} set {column} = {column} where {column} = '{family}'",
                f"delete from public.{table} where {column} = '{family}'",
                f"insert into public.{table} select * from public.{table} where {column} = '{family}'",
            ]
    attempts.append("insert into public.family_members (family_id, user_id) values ('fam-b', 'user-alice')")
    attempts += PIPELINE_FUNCTIONS
    for sql in attempts:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), as_app_user(pg, "user-alice"):
            pg.execute(sql)
    assert rows_by_family(pg) == before
    assert len(attempts) == 6 * len(FAMILY_COLUMN) + 1 + len(PIPELINE_FUNCTIONS)


def test_a_user_in_no_family_and_anon_see_nothing(seeded: psycopg.Connection) -> None:
    pg = seeded
    for table in FAMILY_COLUMN:
        with as_app_user(pg, "user-eve"):
            assert pg.execute(f"select count(*) from public.{table}").fetchone() == (0,), table
        with pytest.raises(psycopg.errors.InsufficientPrivilege), pg.transaction():
            pg.execute("set local role anon")
            pg.execute(f"select count(*) from public.{table}")
