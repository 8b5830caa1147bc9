"""Staging: the pipeline's own DuckDB file (one writer), where a night's documents are loaded and checked.

Plain objects in, rows out: `load_document(report, results, ...)` for a parsed report with its rule results,
`load_failure(...)` for a file that could not be parsed. Both are idempotent on the raw file's sha256.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from juesuan.model import Region, Report, RuleResult
from juesuan.vocabulary import LINE_ITEMS, TABLE_KINDS
from warehouse.migrate import migrate, rollback
from warehouse.naming import department_id, department_name_key, region_id

STAGING_NAME = "staging.duckdb"
PUBLISHED_NAME = "juesuan.duckdb"

#: Per-document tables (deleted and re-derived together when a document is re-parsed).
_DERIVED_TABLES = (
    "document_tables",
    "facts",
    "headcount",
    "narrative_facts",
    "rule_results",
    "parse_problems",
)
#: Tables of the star schema in dependency-free load order (the published file copies them in this order).
CORE_TABLES = (
    "regions",
    "departments",
    "department_aliases",
    "department_names",
    "years",
    "subjects",
    "subject_names",
    "table_kinds",
    "measures",
    "line_items",
    "documents",
    "document_sources",
    *_DERIVED_TABLES,
    "crawl_failures",
)


#: core.documents' columns by name (inserts name them, so a migration adding a column elsewhere cannot shift them).
_DOCUMENT_COLUMNS = (
    "document_sha256, source, source_url, raw_path, byte_size, fetched_at, loaded_at, page_count, "
    "producer, creator, parser_version, report_kind, department_id, department_name, region_id, "
    "region_hint, year, status, failure_code, failure_reason, failing_rule_ids, warning_rule_ids, "
    "has_warnings, superseded_by, catalogue_version"
)


class WarehouseBusy(RuntimeError):
    """Another process holds the staging database (DuckDB allows one writer per file)."""


@dataclass
class LoadOutcome:
    """What loading one file did: its status and whether the warehouse changed."""

    document_sha256: str
    source: str
    status: str  # published | quarantined | failed
    changed: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    department: str | None = None
    year: int | None = None
    action: str = "loaded"  # loaded | unchanged | rederived
    note: str | None = None  # e.g. the listing states another year than the document (listed_year_mismatch)


def year_note(listed_year: int | None, year: int | None) -> str | None:
    """The note recorded when a source lists a file under another year than the document's own (which wins)."""
    if listed_year is None or year is None or listed_year == year:
        return None
    return (
        f"listed_year_mismatch: the source lists it as {listed_year}, the document itself says {year} "
        f"(kept as {year}; it does not replace the {listed_year} report)"
    )


#: Outcomes of an error-severity rule that keep a report out of mart (the rules' policy, `expectations.blocking`):
#: `fail` is the report's own arithmetic error, `parse_error` means a required table could not be read.
BLOCKING_OUTCOMES = ("fail", "parse_error")


def blocking_rule_ids(results: Iterable[RuleResult]) -> list[str]:
    """Error-severity rules whose outcome keeps a report out of mart (deduplicated, in order)."""
    out: list[str] = []
    for r in results:
        if r.severity == "error" and r.outcome in BLOCKING_OUTCOMES and r.rule_id not in out:
            out.append(r.rule_id)
    return out


def warning_rule_ids(results: Iterable[RuleResult]) -> list[str]:
    out: list[str] = []
    for r in results:
        if r.severity == "warning" and r.outcome == "fail" and r.rule_id not in out:
            out.append(r.rule_id)
    return out


def _dec(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _scheme(table_kind: str, subject_code: str | None) -> str | None:
    if not subject_code:
        return None
    return "economic" if table_kind in ECONOMIC_TABLE_KINDS else "function"


#: Tables whose codes are economic classes (the rest are function codes); general_budget_economic is a budget's.
ECONOMIC_TABLE_KINDS = (
    "basic_expenditure",
    "general_budget_economic",
    "project_economic",
    "appropriation_basic",
    "admin_operation",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _add_budget_vocabulary(kinds: list[tuple], measures: list[tuple], items: list[tuple]) -> None:
    """Budget-only table kinds, measures and line items (keys the final accounts already use keep their label)."""
    from juesuan.budgets.vocabulary import BUDGET_LINE_ITEMS, BUDGET_TABLE_KINDS

    have_kinds = {k[0] for k in kinds}
    have_measures = {(m[0], m[1]) for m in measures}
    have_items = {i[0] for i in items}
    for t in BUDGET_TABLE_KINDS.values():
        if t.key not in have_kinds and t.parsed:
            kinds.append((t.key, t.title, "economic" if t.key in ECONOMIC_TABLE_KINDS else "function"))
        for i, (m, label) in enumerate(t.measures):
            if t.parsed and (t.key, m) not in have_measures:
                measures.append((t.key, m, label, 100 + i))
    items.extend((k, v) for k, v in BUDGET_LINE_ITEMS.items() if k not in have_items)


class Warehouse:
    """The staging database of one warehouse directory (`staging.duckdb`, `raw/`, published `juesuan.duckdb`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging_path = self.root / STAGING_NAME
        self.published_path = self.root / PUBLISHED_NAME
        self.raw_dir = self.root / "raw"
        try:
            self.con = duckdb.connect(str(self.staging_path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(
                    f"{self.staging_path} is in use by another process (one ingest at a time): {exc}"
                ) from exc
            raise
        migrate(self.con)
        self._ensure_meta()
        self._refresh_vocabulary()

    # ---- lifecycle ---------------------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_meta(self) -> None:
        self.con.execute(
            """CREATE TABLE IF NOT EXISTS meta.publications (
                generation INTEGER PRIMARY KEY,
                published_at TIMESTAMP NOT NULL,
                fingerprint VARCHAR NOT NULL,
                path VARCHAR NOT NULL,
                document_count INTEGER NOT NULL,
                amount_count BIGINT NOT NULL
            )"""
        )

    def _refresh_vocabulary(self) -> None:
        """Table kinds, measures and line items from `juesuan.vocabulary` (the single source of the keys)."""
        kinds = [
            (t.key, t.title, "economic" if t.key == "basic_expenditure" else "function")
            for t in TABLE_KINDS.values()
        ]
        measures = [
            (t.key, m, label, i) for t in TABLE_KINDS.values() for i, (m, label) in enumerate(t.measures)
        ]
        items = list(LINE_ITEMS.items())
        _add_budget_vocabulary(kinds, measures, items)
        current = (
            self.con.execute(
                "SELECT table_kind, title, scheme FROM core.table_kinds ORDER BY ALL"
            ).fetchall(),
            self.con.execute("SELECT * FROM core.measures ORDER BY ALL").fetchall(),
            self.con.execute("SELECT * FROM core.line_items ORDER BY ALL").fetchall(),
        )
        if current == (sorted(kinds), sorted(measures), sorted(items)):
            return
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("DELETE FROM core.table_kinds")
        self.con.execute("DELETE FROM core.measures")
        self.con.execute("DELETE FROM core.line_items")
        self.con.executemany("INSERT INTO core.table_kinds VALUES (?, ?, ?)", kinds)
        self.con.executemany("INSERT INTO core.measures VALUES (?, ?, ?, ?)", measures)
        self.con.executemany("INSERT INTO core.line_items VALUES (?, ?)", items)
        self.con.execute("COMMIT")

    # ---- queries -----------------------------------------------------------------------------------------
    def document(self, sha256: str) -> dict[str, Any] | None:
        cur = self.con.execute("SELECT * FROM core.documents WHERE document_sha256 = ?", [sha256])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def row_counts(self) -> dict[str, int]:
        """Rows per core table: the idempotence witness."""
        return {t: int(self.con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0]) for t in CORE_TABLES}

    def region(self, region_key: str) -> Region | None:
        row = self.con.execute(
            "SELECT province, city, county, adcode FROM core.regions WHERE region_id = ?", [region_key]
        ).fetchone()
        return Region(*row) if row else None

    # ---- loading -----------------------------------------------------------------------------------------
    def unchanged(self, sha256: str, source: str, parser_version: str | None) -> LoadOutcome | None:
        """The outcome of these bytes if this parser version already derived them (nothing to do), else None.

        Idempotence: the same bytes derived by the same parser change nothing; a new source is only noted.
        """
        return self._existing(sha256, source, parser_version, force=False)

    def _existing(
        self, sha256: str, source: str, parser_version: str | None, force: bool
    ) -> LoadOutcome | None:
        """Idempotence: the same bytes already derived by the same parser change nothing (a new source is noted)."""
        row = self.con.execute(
            "SELECT status, parser_version, department_name, year, failing_rule_ids, warning_rule_ids, failure_reason, "
            "failure_code, listed_year "
            "FROM core.documents WHERE document_sha256 = ?",
            [sha256],
        ).fetchone()
        if row is None or force or row[1] != parser_version:
            return None
        self._note_source(sha256, source)
        reasons = [row[6]] if row[6] else []
        if row[0] == "failed":
            reasons = [f"{row[7]}: {row[6]}"]
        return LoadOutcome(
            sha256,
            source,
            row[0],
            False,
            reasons,
            list(row[5]),
            row[2],
            row[3],
            "unchanged",
            year_note(row[8], row[3]),
        )

    def _note_source(self, sha256: str, source: str) -> None:
        self.con.execute(
            "INSERT INTO core.document_sources VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [sha256, source, _now()],
        )

    def _delete_document(self, sha256: str) -> dict[str, Any] | None:
        previous = self.document(sha256)
        if previous is None:  # a new document: nothing to delete (the scans below grow with the warehouse)
            return None
        for t in _DERIVED_TABLES:
            self.con.execute(f"DELETE FROM core.{t} WHERE document_sha256 = ?", [sha256])
        self.con.execute("DELETE FROM core.documents WHERE document_sha256 = ?", [sha256])
        return previous

    def _upsert_region(self, region: Region) -> str:
        rid = region_id(region)
        self.con.execute(
            "INSERT INTO core.regions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "adcode = coalesce(excluded.adcode, core.regions.adcode)",
            [rid, region.province, region.city, region.county, region.adcode],
        )
        return rid

    def _department(self, report: Report, region: Region) -> tuple[str | None, str]:
        rid = self._upsert_region(region)
        if not report.department:
            return None, rid
        key = department_name_key(report.department, region)
        alias = self.con.execute(
            "SELECT canonical_name_key FROM core.department_aliases WHERE region_id = ? AND name_key = ?",
            [rid, key],
        ).fetchone()
        if alias:
            key = alias[0]
        dep = department_id(rid, key)
        self.con.execute(
            "INSERT INTO core.departments VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [dep, rid, key, report.department],
        )
        return dep, rid

    def load_document(
        self,
        report: Report,
        results: list[RuleResult],
        *,
        source: str,
        raw_sha256: str,
        fetched_at: datetime | None = None,
        raw_path: str | Path | None = None,
        source_url: str | None = None,
        byte_size: int | None = None,
        region: Region | None = None,
        region_hint: Region | None = None,
        check_error: str | None = None,
        force: bool = False,
        catalogue_version: str | None = None,
        listed_year: int | None = None,
    ) -> LoadOutcome:
        """Stage one parsed report and its rule results; published unless an error-severity rule failed.

        `region` overrides the report's own; `region_hint` records the region an operator gave (--region), which
        a re-derivation passes to the parser again; `check_error` says the rules could not run at all, which
        quarantines the report as unverified. `catalogue_version` names the rule catalogue `results` came from
        (default: the catalogue in force now). `listed_year` is the year the source's listing stated: the
        document's own year is kept; a disagreement is noted (mart.documents.note), never silently resolved.

        Same sha256 and parser version as a document already staged: nothing changes (the source is noted).
        A different parser version (or `force`): the document's derived rows are replaced, its history kept.
        """
        existing = self._existing(raw_sha256, source, report.parser_version, force)
        if existing is not None:
            return existing
        hint = region_id(region_hint) if region_hint is not None else None
        if catalogue_version is None:
            from expectations import catalogue_version as current_catalogue

            catalogue_version = current_catalogue()
        region = region or report.region or Region()
        blocking = blocking_rule_ids(results)
        warnings = warning_rule_ids(results)
        status = "quarantined" if blocking or check_error else "published"
        code = reason = None
        if check_error:
            code, reason = "check_error", check_error
        elif blocking:
            first = next(r for r in results if r.rule_id in blocking and r.severity == "error")
            failed = [r for r in results if r.severity == "error" and r.outcome == "fail"]
            # A report's own arithmetic error and a table the parser could not read are different outcomes.
            code = "rule_failure" if failed else "unverifiable"
            verb = "failed" if failed else "could not be checked (parse_error)"
            reason = f"{len(blocking)} error rule(s) {verb}: {', '.join(blocking)} (first: {first.message or first.outcome})"
        src = report.source
        self.con.execute("BEGIN TRANSACTION")
        try:
            previous = self._delete_document(raw_sha256)
            if listed_year is None:  # a re-derivation keeps what the listing said
                listed_year = (previous or {}).get("listed_year")
            dep, rid = self._department(report, region)
            if region_hint is not None:
                self._upsert_region(region_hint)
            self.con.execute(
                f"INSERT INTO core.documents ({_DOCUMENT_COLUMNS}, source_format, listed_year) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    raw_sha256,
                    source,
                    source_url or (src.url if src else None),
                    str(raw_path) if raw_path else (previous or {}).get("raw_path"),
                    byte_size if byte_size is not None else (previous or {}).get("byte_size"),
                    fetched_at or (previous or {}).get("fetched_at"),
                    _now(),
                    src.page_count if src else None,
                    src.producer if src else None,
                    src.creator if src else None,
                    report.parser_version,
                    report.kind,
                    dep,
                    report.department or None,
                    rid,
                    hint,
                    report.year,
                    status,
                    code,
                    reason,
                    blocking,
                    warnings,
                    bool(warnings),
                    None,
                    catalogue_version,
                    src.format if src else None,
                    listed_year,
                ],
            )
            self._note_source(raw_sha256, source)
            self._insert_derived(raw_sha256, report, results, dep)
            self.con.execute("COMMIT")
        except Exception:
            rollback(self.con)
            raise
        return LoadOutcome(
            raw_sha256,
            source,
            status,
            True,
            [reason] if reason else [],
            warnings,
            report.department,
            report.year,
            "rederived" if previous else "loaded",
            year_note(listed_year, report.year),
        )

    def load_failure(
        self,
        *,
        source: str,
        raw_sha256: str,
        code: str,
        reason: str,
        parser_version: str | None = None,
        fetched_at: datetime | None = None,
        raw_path: str | Path | None = None,
        source_url: str | None = None,
        byte_size: int | None = None,
        page_count: int | None = None,
        force: bool = False,
        listed_year: int | None = None,
    ) -> LoadOutcome:
        """Record a file the parser could not read (not a PDF, a budget, no text layer…) with its reason."""
        existing = self._existing(raw_sha256, source, parser_version, force)
        if existing is not None:
            return existing
        self.con.execute("BEGIN TRANSACTION")
        try:
            previous = self._delete_document(raw_sha256)
            self.con.execute(
                f"INSERT INTO core.documents ({_DOCUMENT_COLUMNS}, listed_year) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL, NULL, NULL, NULL, "
                "NULL, NULL, 'failed', ?, ?, [], [], false, NULL, NULL, ?)",
                [
                    raw_sha256,
                    source,
                    source_url,
                    str(raw_path) if raw_path else (previous or {}).get("raw_path"),
                    byte_size,
                    fetched_at or (previous or {}).get("fetched_at"),
                    _now(),
                    page_count,
                    parser_version,
                    code,
                    reason,
                    listed_year if listed_year is not None else (previous or {}).get("listed_year"),
                ],
            )
            self._note_source(raw_sha256, source)
            self.con.execute("COMMIT")
        except Exception:
            rollback(self.con)
            raise
        return LoadOutcome(
            raw_sha256, source, "failed", True, [f"{code}: {reason}"], [], None, None,
            "rederived" if previous else "loaded",
        )  # fmt: skip

    def _bulk_insert(self, table: str, rows: list[tuple], select: str, columns: str = "") -> None:
        """INSERT many rows through one scan of a DataFrame (executemany costs ~1 ms a row in DuckDB).

        Values travel as Python objects (Decimals as text) and are cast in `select`, which names them c0, c1, ….
        """
        if not rows:
            return
        names = [f"c{i}" for i in range(len(rows[0]))]
        try:  # Arrow columns scan several times faster than a DataFrame of Python objects
            frame: Any = pa.Table.from_pydict(
                {n: list(col) for n, col in zip(names, zip(*rows, strict=True), strict=True)}
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column mixing types: let pandas carry the objects
            frame = pd.DataFrame(rows, columns=names, dtype=object)
        self.con.register("_bulk_in", frame)
        try:
            into = f"core.{table} ({columns})" if columns else f"core.{table}"
            self.con.execute(f"INSERT INTO {into} SELECT {select} FROM _bulk_in")
        finally:
            self.con.unregister("_bulk_in")

    def _insert_derived(self, sha: str, report: Report, results: list[RuleResult], dep: str | None) -> None:
        self._bulk_insert(
            "document_tables",
            [
                (
                    sha, t.kind, t.title or None, t.unit, t.status, ",".join(str(p) for p in t.pages), t.note,
                    len(t.rows), len(t.repeated_rows),
                )
                for t in report.tables.values()
            ],
            "c0, c1, c2, c3, c4, CAST(CASE WHEN c5 = '' THEN [] ELSE string_split(c5, ',') END AS INTEGER[]), "
            "c6, CAST(c7 AS INTEGER), CAST(c8 AS INTEGER)",
        )  # fmt: skip
        facts = []
        for t in report.tables.values():
            for row_no, r in enumerate(t.rows):
                for c in r.cells:
                    page = c.page if c.page is not None else r.page
                    facts.append(
                        (
                            sha, t.kind, row_no, c.measure, dep, report.year, _scheme(t.kind, r.subject_code),
                            r.subject_code or None, r.line_item or None, r.label or "", _dec(c.amount_yuan),
                            _dec(c.value), c.text, t.unit, page,
                            ",".join(repr(float(x)) for x in c.bbox) if c.bbox else None,
                            c.sheet, c.table_index, c.address,
                        )
                    )  # fmt: skip
        self._bulk_insert(
            "facts",
            facts,
            "c0, c1, CAST(c2 AS INTEGER), c3, c4, CAST(c5 AS INTEGER), c6, c7, c8, c9, "
            "CAST(c10 AS DECIMAL(20, 2)), CAST(c11 AS DECIMAL(20, 4)), c12, c13, CAST(c14 AS INTEGER), "
            "CAST(string_split(c15, ',') AS DOUBLE[]), CAST(c16 AS VARCHAR), CAST(c17 AS INTEGER), "
            "CAST(c18 AS VARCHAR)",
            "document_sha256, table_kind, row_no, measure, department_id, year, scheme, subject_code, line_item, "
            "row_label, amount_yuan, published_value, published_text, unit, page, bbox, sheet, table_index, "
            "cell_address",
        )
        if report.headcount_authorized is not None or report.headcount_actual is not None:
            self.con.execute(
                "INSERT INTO core.headcount VALUES (?, ?, ?, ?, ?)",
                [sha, dep, report.year, report.headcount_authorized, report.headcount_actual],
            )
        self._bulk_insert(
            "narrative_facts",
            [
                (sha, i, n.kind, _dec(n.value), n.text, n.label, n.unit, n.sentence, n.page)
                for i, n in enumerate(report.narrative)
            ],
            "c0, CAST(c1 AS INTEGER), c2, CAST(c3 AS DECIMAL(20, 4)), c4, c5, c6, c7, CAST(c8 AS INTEGER)",
        )
        self._bulk_insert(
            "rule_results",
            [
                (
                    sha, i, r.rule_id, r.severity, r.outcome, r.table_kind, r.subject_code, r.line_item,
                    r.measure, _dec(r.expected), _dec(r.actual), _dec(r.difference), _dec(r.tolerance),
                    bool(r.within_rounding), r.message or None,
                )
                for i, r in enumerate(results)
            ],
            "c0, CAST(c1 AS INTEGER), c2, c3, c4, c5, c6, c7, c8, CAST(c9 AS DECIMAL(24, 4)), "
            "CAST(c10 AS DECIMAL(24, 4)), CAST(c11 AS DECIMAL(24, 4)), CAST(c12 AS DECIMAL(24, 4)), "
            "CAST(c13 AS BOOLEAN), c14",
        )  # fmt: skip
        problems = list(report.problems)
        problems += [p for t in report.tables.values() for p in t.problems if p not in problems]
        self._bulk_insert(
            "parse_problems",
            [(sha, i, p.code, p.severity, p.table_kind, p.page, p.message) for i, p in enumerate(problems)],
            "c0, CAST(c1 AS INTEGER), c2, c3, c4, CAST(c5 AS INTEGER), c6",
        )

    # ---- derived dimensions and history ------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute supersession and the derived dimensions (years, names per year, subjects) after a batch."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._supersede()
            self._rebuild_dimensions()
            self.con.execute("COMMIT")
        except Exception:
            rollback(self.con)
            raise

    def _supersede(self) -> None:
        """Only the newest version of a department-year (or, failing that, of a source) is current.

        Newest = latest fetched_at, then latest loaded_at; a file whose own year contradicts the year its listing
        states ranks after every file that does not (it never replaces a correctly listed report). A file that could not be parsed never replaces one
        that could: its department-year is unknown, and the readable version stays the best we have. A workbook
        of the tables never replaces the report (PDF or HTML article) of the same department-year: portals attach
        it beside the report, which also carries the 情况说明.
        """
        self.con.execute(
            """
            WITH ranked AS (
                SELECT document_sha256,
                       first_value(document_sha256) OVER (
                           PARTITION BY CASE WHEN status <> 'failed' AND department_id IS NOT NULL AND year IS NOT NULL
                                             THEN 'dy:' || department_id || ':' || year || ':'
                                                  || coalesce(report_kind, 'final_account')
                                             ELSE 'src:' || source || ':' || status END
                           ORDER BY coalesce(source_format IN ('xlsx', 'xls'), false),
                                    coalesce(listed_year <> year, false),
                                    fetched_at DESC NULLS LAST, loaded_at DESC, document_sha256
                       ) AS winner
                FROM core.documents
            )
            UPDATE core.documents AS d
            SET superseded_by = CASE WHEN ranked.winner = d.document_sha256 THEN NULL ELSE ranked.winner END
            FROM ranked
            WHERE ranked.document_sha256 = d.document_sha256
              AND d.superseded_by IS DISTINCT FROM
                  (CASE WHEN ranked.winner = d.document_sha256 THEN NULL ELSE ranked.winner END)
            """
        )
        # A changed file at the same source replaces the earlier one even if its department or year reads differently,
        # unless the new file contradicts the year its listing states (the portal attached another year's report):
        # that file is kept under its own year and the report the listing agrees with stays current.
        self.con.execute(
            """
            WITH ranked AS (
                SELECT document_sha256,
                       first_value(document_sha256) OVER (
                           PARTITION BY source ORDER BY fetched_at DESC NULLS LAST, loaded_at DESC, document_sha256
                       ) AS winner
                FROM core.documents
                WHERE status <> 'failed' AND superseded_by IS NULL AND NOT coalesce(listed_year <> year, false)
            )
            UPDATE core.documents AS d SET superseded_by = ranked.winner
            FROM ranked
            WHERE ranked.document_sha256 = d.document_sha256 AND ranked.winner <> d.document_sha256
            """
        )
        # A readable file now at a source replaces an older unreadable one there (never the other way round).
        self.con.execute(
            """
            WITH cand AS (
                SELECT f.document_sha256 AS failed_sha,
                       arg_max(p.document_sha256, coalesce(p.fetched_at, p.loaded_at)) AS winner
                FROM core.documents AS f
                JOIN core.documents AS p
                  ON p.source = f.source AND p.status <> 'failed' AND p.superseded_by IS NULL
                 AND coalesce(p.fetched_at, p.loaded_at) >= coalesce(f.fetched_at, f.loaded_at)
                WHERE f.status = 'failed'
                GROUP BY f.document_sha256
            )
            UPDATE core.documents AS d SET superseded_by = cand.winner
            FROM cand
            WHERE d.document_sha256 = cand.failed_sha AND d.superseded_by IS DISTINCT FROM cand.winner
            """
        )

    def _rebuild_dimensions(self) -> None:
        c = self.con
        # A re-derived document may now name another department or region: drop identities nothing refers to.
        c.execute(
            """DELETE FROM core.departments WHERE department_id NOT IN
               (SELECT department_id FROM core.documents WHERE department_id IS NOT NULL)"""
        )
        c.execute(
            """DELETE FROM core.regions WHERE region_id NOT IN (
                   SELECT region_id FROM core.documents WHERE region_id IS NOT NULL
                   UNION SELECT region_hint FROM core.documents WHERE region_hint IS NOT NULL
                   UNION SELECT region_id FROM core.departments
                   UNION SELECT region_id FROM core.department_aliases)"""
        )
        c.execute("DELETE FROM core.years")
        c.execute("INSERT INTO core.years SELECT DISTINCT year FROM core.documents WHERE year IS NOT NULL")
        c.execute("DELETE FROM core.department_names")
        c.execute(
            """INSERT INTO core.department_names
            SELECT DISTINCT department_id, year, department_name FROM core.documents
            WHERE department_id IS NOT NULL AND year IS NOT NULL AND department_name IS NOT NULL
              AND status <> 'failed' AND superseded_by IS NULL"""
        )
        c.execute(
            """UPDATE core.departments AS dep SET display_name = latest.name
            FROM (SELECT department_id, arg_max(printed_name, year) AS name
                  FROM core.department_names GROUP BY department_id) AS latest
            WHERE latest.department_id = dep.department_id AND dep.display_name IS DISTINCT FROM latest.name"""
        )
        c.execute("DELETE FROM core.subject_names")
        c.execute(
            r"""INSERT INTO core.subject_names
            SELECT f.scheme, f.subject_code, d.year,
                   regexp_replace(regexp_replace(f.row_label, '^\s*([一二三四五六七八九十百]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）])\s*', ''), '\s+', '', 'g') AS name,
                   count(*)::INTEGER
            FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
            WHERE f.subject_code IS NOT NULL AND d.year IS NOT NULL
            GROUP BY ALL
            HAVING name <> ''"""
        )
        c.execute("DELETE FROM core.subjects")
        c.execute(
            """INSERT INTO core.subjects
            WITH codes AS (
                SELECT DISTINCT f.scheme, f.subject_code AS code
                FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
                WHERE f.subject_code IS NOT NULL
            ),
            names AS (
                SELECT scheme, code, arg_max(printed_name, year * 1000000 + occurrences) AS display_name
                FROM core.subject_names GROUP BY scheme, code
            )
            SELECT codes.scheme, codes.code,
                   CASE length(codes.code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' ELSE '?' END,
                   CASE length(codes.code) WHEN 5 THEN left(codes.code, 3) WHEN 7 THEN left(codes.code, 5) END,
                   left(codes.code, 3),
                   names.display_name
            FROM codes LEFT JOIN names USING (scheme, code)"""
        )

    def record_crawl_failures(self, started_at: str, failures: Iterable[Any]) -> int:
        """Replace the crawl failures with those of the crawl that started at `started_at` (objects with
        source_id, url, stage, reason, referrer: `juesuan.crawl.CrawlFailure` or its dict); returns the count."""
        when = datetime.fromisoformat(started_at.replace("Z", "+00:00")).replace(tzinfo=None)
        rows = {}
        for f in failures:
            get = f.get if isinstance(f, dict) else lambda k, f=f: getattr(f, k, None)
            key = (get("source_id"), get("url"), get("stage"))
            rows.setdefault(key, (*key, get("reason"), get("referrer"), when))
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute("DELETE FROM core.crawl_failures")
            if rows:
                self.con.executemany(
                    "INSERT INTO core.crawl_failures VALUES (?, ?, ?, ?, ?, ?)", list(rows.values())
                )
            self.con.execute("COMMIT")
        except Exception:
            rollback(self.con)
            raise
        return len(rows)

    def publish(self, published_path: Path | str | None = None, *, force: bool = False) -> Any:
        """Build, validate and atomically swap in the published file (see `warehouse.publish`), then prune the
        check results no current document and no recent run needs (`warehouse.housekeeping`)."""
        from warehouse.housekeeping import prune_check_results
        from warehouse.ingest import DATA_DOCS_DIR
        from warehouse.publish import publish

        result = publish(self, Path(published_path) if published_path else self.published_path, force=force)
        current = self.con.execute(
            "SELECT document_sha256 FROM core.documents "
            "WHERE superseded_by IS NULL AND status IN ('published', 'quarantined')"
        ).fetchall()
        result.pruned = prune_check_results(self.root / DATA_DOCS_DIR, [sha for (sha,) in current])
        return result
