"""A real Postgres with pgvector for tests: PGlite (Postgres compiled to WebAssembly, from npm) served on a
Unix socket by py-pglite, reached with psycopg.

The npm packages are pinned by `pglite/package-lock.json` and installed once into `build/pglite/` (git-ignored)
with `npm ci`; the install is redone only when the lock file changes. So a fresh clone needs nothing but
node/npm and the npm registry; later runs start in a few seconds. Each server runs from its own temporary
folder (py-pglite stops stray servers by folder), so concurrent test runs do not stop each other's.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from py_pglite import PGliteConfig, PGliteManager

REPO = Path(__file__).resolve().parents[3]
SPEC = Path(__file__).resolve().parent / "pglite"
CACHE = REPO / "build" / "pglite"
MIGRATIONS = REPO / "supabase" / "migrations"


class PgliteUnavailableError(RuntimeError):
    """Raised when node/npm are missing or the pinned PGlite packages cannot be installed."""


def ensure_installed() -> Path:
    """node_modules for the pinned PGlite packages, installed (npm ci) only when the lock file changed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise PgliteUnavailableError(f"{tool} is not on PATH: the Postgres tests run PGlite under Node.js")
    lock = (SPEC / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock + (SPEC / "package.json").read_bytes()).hexdigest()
    stamp = CACHE / ".installed"
    if stamp.exists() and stamp.read_text() == digest and (CACHE / "node_modules").is_dir():
        return CACHE / "node_modules"
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SPEC / name, CACHE / name)
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CACHE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise PgliteUnavailableError(f"npm ci in {CACHE} failed:\n{result.stdout}\n{result.stderr}")
    stamp.write_text(digest)
    return CACHE / "node_modules"


@contextmanager
def pglite_server() -> Iterator[str]:
    """Start PGlite with pgvector; yields a psycopg connection string (DSN)."""
    node_modules = ensure_installed()
    work_dir = Path(tempfile.mkdtemp(prefix="familyplus-pglite-"))
    (work_dir / "node_modules").symlink_to(node_modules, target_is_directory=True)
    shutil.copyfile(CACHE / "package.json", work_dir / "package.json")
    logging.getLogger("py_pglite.manager").setLevel(logging.WARNING)
    config = PGliteConfig(
        work_dir=work_dir, extensions=["pgvector"], auto_install_deps=False, timeout=90, log_level="WARNING"
    )
    manager = PGliteManager(config)
    try:
        manager.start()
        if not manager.wait_for_ready(max_retries=30, delay=0.5):
            raise PgliteUnavailableError("PGlite started but does not accept connections")
        yield config.get_dsn()
    finally:
        manager.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        shutil.rmtree(Path(config.socket_path).parent, ignore_errors=True)


def apply_migrations(conn: psycopg.Connection) -> list[str]:
    """Run every supabase/migrations/*.sql in name order; returns the files applied."""
    applied = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        conn.execute(path.read_text("utf-8"))  # type: ignore[call-overload]  # a script, not a query literal
        applied.append(path.name)
    return applied


_shared: dict[str, psycopg.Connection] = {}


def shared_connection() -> psycopg.Connection:
    """One migrated PGlite per test process and one autocommit connection to it, shared by every test folder
    that needs Postgres (started on first use, stopped at exit). One connection because pglite-socket
    serves one client at a time; one server because it takes seconds to start, a test milliseconds."""
    if "conn" not in _shared:
        server = pglite_server()
        dsn = server.__enter__()
        atexit.register(server.__exit__, None, None, None)
        conn = psycopg.connect(dsn, autocommit=True)
        atexit.register(conn.close)
        apply_migrations(conn)
        _shared["conn"] = conn
    return _shared["conn"]


TABLES = ("quotes", "value_tags", "wisdom", "response_embeddings", "stories", "responses", "family_members")


def empty_tables(conn: psycopg.Connection) -> None:
    """Back to a clean state between tests: session settings (role, GUCs) reset, every table emptied."""
    conn.execute("reset all")
    conn.execute("set search_path = public")  # PGlite's reset default is pg_catalog alone
    conn.execute(f"truncate {', '.join(TABLES)} cascade")  # type: ignore[call-overload]
