"""A PGlite Postgres (with pgvector) migrated once per test process; tables emptied before each test."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.cloud.pglite_server import empty_tables, shared_connection


@pytest.fixture
def pg() -> psycopg.Connection:
    conn = shared_connection()
    empty_tables(conn)
    return conn
