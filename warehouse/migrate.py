"""Versioned schema migrations: `migrations/NNN_name.sql` files applied once each, in order.

Both the staging database and every published file are built by the same runner, so their schemas cannot drift.
An applied migration whose file later changes is an error (its checksum is recorded): add a new migration instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The database's recorded migrations disagree with the migration files."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if DuckDB has not already aborted it itself (it does on a failed write,
    e.g. disk full): the error that failed the write is the one to report, not "no transaction is active"."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def list_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; refuses gaps and duplicate versions."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        m = _NAME_RE.match(path.name)
        if not m:
            raise MigrationError(f"migration file name must be NNN_name.sql: {path.name}")
        version = int(m.group(1))
        if version in found:
            raise MigrationError(
                f"two migrations with version {version}: {found[version].path.name}, {path.name}"
            )
        found[version] = Migration(version, m.group(2), path)
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must be 1..N without gaps, found {versions}")
    return [found[v] for v in versions]


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    migrations = list_migrations(directory)
    return migrations[-1].version if migrations else 0


def _ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        """CREATE TABLE IF NOT EXISTS meta.schema_migrations (
            version INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            checksum VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration version (0 for an empty database)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM meta.schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every pending migration, each in its own transaction; return the versions applied."""
    _ensure_ledger(con)
    applied = {
        int(v): c for v, c in con.execute("SELECT version, checksum FROM meta.schema_migrations").fetchall()
    }
    done: list[int] = []
    for mig in list_migrations(directory):
        if mig.version in applied:
            if applied[mig.version] != mig.checksum:
                raise MigrationError(
                    f"migration {mig.path.name} changed after it was applied; add a new migration instead"
                )
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(mig.sql)
            con.execute(
                "INSERT INTO meta.schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                [mig.version, mig.name, mig.checksum],
            )
            con.execute("COMMIT")
        except Exception:
            rollback(con)
            raise
        done.append(mig.version)
    return done
