"""Atomic publishing: build the next published file beside the current one, validate it, rename it over.

DuckDB allows one writer per file and a reader must never see half a night's load. Readers open the published
file read-only; the pipeline never opens it for writing. It writes `.juesuan.duckdb.next-<pid>`, applies the same
migrations as staging, copies the current published documents' rows into it, checks it, checkpoints it (no WAL
left behind) and `os.replace`s it over the published path. A reader that opened the old file keeps the old inode
and its complete old state; the next `connect` sees the complete new state.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.errors import is_write_failure, write_failed
from warehouse.migrate import current_version, latest_version, migrate, rollback

if TYPE_CHECKING:
    from warehouse.housekeeping import PruneSummary
    from warehouse.store import Warehouse

#: Per-document tables copied only for documents whose amounts are published (published and current).
_PUBLISHED_ONLY = ("facts", "headcount", "narrative_facts")


class PublishError(RuntimeError):
    """The next published file failed validation; the current one was left in place."""


@dataclass
class PublishResult:
    path: Path
    generation: int
    published: bool  # False when staging had not changed since the last publication
    document_count: int
    amount_count: int
    seconds: float
    pruned: PruneSummary | None = None  # the check results housekeeping removed after publishing


def connect_published(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published file: the way every reader (analyst, dashboard, export) opens it."""
    return duckdb.connect(str(path), read_only=True)


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the published file is a function of: every document's version and outcome, plus the schema."""
    rows = con.execute(
        """SELECT document_sha256, status, superseded_by, parser_version, loaded_at, department_id, region_id
        FROM core.documents ORDER BY document_sha256"""
    ).fetchall()
    extra = (
        con.execute("SELECT count(*) FROM core.department_aliases").fetchone(),
        # a file seen again under a new path or URL adds a source (sources are only ever added)
        con.execute("SELECT count(*) FROM core.document_sources").fetchone(),
        con.execute("SELECT * FROM core.crawl_failures ORDER BY ALL").fetchall(),
    )
    h = hashlib.sha256(repr((current_version(con), rows, extra)).encode())
    return h.hexdigest()


def _expected_amounts(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute(
            "SELECT count(*) FROM core.facts JOIN core.current_published USING (document_sha256)"
        ).fetchone()[0]
    )


#: Mart views whose joins and aggregates are computed once at publish time, not on every query (README and
#: dashboard queries stay fast on thousands of reports); in dependency order.
MATERIALIZED_MARTS = (
    "report_amounts",
    "departments",
    "department_year",
    "expenditure_by_function",
    "region_class_totals",
    "year_over_year",
    "budget_plan",
    "budget_vs_actual",
)
#: Schema of the materialized rows in the published file (readers use the `mart` views over them).
MART_CACHE_SCHEMA = "mart_rows"


def materialize_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Store the heavy mart views' rows in the published file and point each view at them.

    The views stay views with the same columns, types and comments (exports and the data dictionary list the
    mart's views), but read stored rows: the published file never changes after publishing, so the rows cannot
    go stale. Views defined on other mart views read those views' stored rows too.
    """
    views = {
        name: comment
        for name, comment in con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'mart' AND NOT internal"
        ).fetchall()
    }
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {MART_CACHE_SCHEMA}")
    for name in MATERIALIZED_MARTS:
        if name not in views:
            continue
        comments = con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'mart' AND table_name = ? "
            "AND comment IS NOT NULL",
            [name],
        ).fetchall()
        con.execute(f'CREATE TABLE {MART_CACHE_SCHEMA}."{name}" AS SELECT * FROM mart."{name}"')
        con.execute(f'CREATE OR REPLACE VIEW mart."{name}" AS SELECT * FROM {MART_CACHE_SCHEMA}."{name}"')
        if views[name]:
            con.execute(f'COMMENT ON VIEW mart."{name}" IS {_sql_text(views[name])}')
        for column, comment in comments:
            con.execute(f'COMMENT ON COLUMN mart."{name}"."{column}" IS {_sql_text(comment)}')


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def validate_published(
    con: duckdb.DuckDBPyConnection, expected_documents: int, expected_amounts: int
) -> None:
    """Checks a candidate published file must pass before it replaces the current one."""
    problems = []
    if current_version(con) != latest_version():
        problems.append(f"schema version {current_version(con)} != {latest_version()}")
    # mart.documents also lists the URLs the latest crawl could not fetch (no sha256): count the documents
    docs = con.execute("SELECT count(*) FROM mart.documents WHERE document_sha256 IS NOT NULL").fetchone()[0]
    if docs != expected_documents:
        problems.append(f"mart.documents has {docs} rows, staging {expected_documents}")
    amounts = con.execute("SELECT count(*) FROM mart.report_amounts").fetchone()[0]
    if amounts != expected_amounts:
        problems.append(f"mart.report_amounts has {amounts} rows, staging {expected_amounts}")
    leaked = con.execute(
        """SELECT count(*) FROM core.facts JOIN core.documents USING (document_sha256)
        WHERE status <> 'published' OR superseded_by IS NOT NULL"""
    ).fetchone()[0]
    if leaked:
        problems.append(f"{leaked} cells of quarantined, failed or superseded documents")
    dup = con.execute(
        "SELECT count(*) FROM (SELECT department_id, year FROM mart.department_year "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    if dup:
        problems.append(f"{dup} department-years with more than one current document")
    for (view,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'mart' AND NOT internal"
    ).fetchall():
        try:
            con.execute(f"SELECT count(*) FROM mart.{view}").fetchone()
        except duckdb.Error as exc:  # a view that does not bind is a broken publication
            problems.append(f"mart.{view}: {exc}")
    if problems:
        raise PublishError("; ".join(problems))


def publish(wh: Warehouse, published_path: Path, *, force: bool = False) -> PublishResult:
    """Build the next published file from staging, validate it, and swap it in atomically."""
    from warehouse.store import CORE_TABLES

    started = datetime.now(UTC)
    con = wh.con
    wh.refresh()
    fingerprint = _fingerprint(con)
    last = con.execute(
        "SELECT generation, fingerprint, path FROM meta.publications ORDER BY generation DESC LIMIT 1"
    ).fetchone()
    n_docs = int(con.execute("SELECT count(*) FROM core.documents").fetchone()[0])
    n_amounts = _expected_amounts(con)
    if (
        not force
        and last is not None
        and last[1] == fingerprint
        and Path(last[2]) == published_path.resolve()
        and published_path.exists()
    ):
        return PublishResult(published_path, int(last[0]), False, n_docs, n_amounts, 0.0)
    generation = (int(last[0]) + 1) if last else 1

    published_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_path.with_name(f".{published_path.name}.next-{os.getpid()}")
    # Only the holder of the staging lock publishes, so any half-built file left by a crashed run is garbage.
    for leftover in published_path.parent.glob(f".{published_path.name}.next-*"):
        leftover.unlink(missing_ok=True)
    try:
        try:
            nxt = duckdb.connect(str(tmp))
            try:
                migrate(nxt)
            finally:
                nxt.close()
            con.execute("ATTACH '" + str(tmp).replace("'", "''") + "' AS nxt")
            try:
                con.execute("BEGIN TRANSACTION")
                for table in CORE_TABLES:
                    where = ""
                    if table in _PUBLISHED_ONLY:
                        where = (
                            " WHERE document_sha256 IN (SELECT document_sha256 FROM core.current_published"
                            " UNION ALL SELECT document_sha256 FROM core.current_published_budgets)"
                        )
                    # by name: staging may have gained its columns in another order than a fresh file
                    con.execute(f"INSERT INTO nxt.core.{table} BY NAME SELECT * FROM core.{table}{where}")
                con.execute(
                    "INSERT INTO nxt.core.publication VALUES (?, ?, ?, ?, ?)",
                    [generation, started.replace(tzinfo=None), current_version(con), n_docs, n_amounts],
                )
                con.execute("COMMIT")
            except Exception:
                rollback(con)
                raise
            finally:
                con.execute("DETACH nxt")
            nxt = duckdb.connect(str(tmp))
            try:
                materialize_marts(nxt)
                validate_published(nxt, n_docs, n_amounts)
                nxt.execute("CHECKPOINT")
            finally:
                nxt.close()
        except duckdb.Error as exc:  # the next file could not be written (disk full): the current one stays
            if is_write_failure(exc):
                raise write_failed(exc) from exc
            raise
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # A WAL beside the published path could only be stale (the pipeline never writes the published file);
        # a reader would replay it against the new file.
        published_path.with_name(published_path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, published_path)
        dir_fd = os.open(published_path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    con.execute(
        "INSERT INTO meta.publications VALUES (?, ?, ?, ?, ?, ?)",
        [
            generation,
            started.replace(tzinfo=None),
            fingerprint,
            str(published_path.resolve()),
            n_docs,
            n_amounts,
        ],
    )
    seconds = (datetime.now(UTC) - started).total_seconds()
    return PublishResult(published_path, generation, True, n_docs, n_amounts, seconds)
