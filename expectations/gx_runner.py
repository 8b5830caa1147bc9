"""Run the catalogue through great-expectations (GX Core 1.x) on a batch of reports' DuckDB relations.

Each rule becomes one `UnexpectedRowsExpectation` per batch of reports: its query is the rule's SQL run on each
document of the batch (`expectations.batch.per_document_sql`: the document is the first column of every row),
wrapped in the rule's violation predicate (beyond the rounding envelope, or below the included lines, or any row
for `violation` rules), so GX "fails" exactly the rows an auditor must act on, each naming its report. GX reads
the relations through SQLAlchemy (`duckdb-engine`) from a DuckDB file, runs the suite with one
`ValidationDefinition` inside one `Checkpoint` per batch (not per report: a context and a checkpoint cost far
more than the queries), and its `UpdateDataDocsAction` adds the batch's page to one Data Docs site.

GX has no DuckDB dialect: its SQLAlchemy engine closes the connection after each query for unknown dialects,
and DuckDB results do not outlive their connection (checked: a result fetched after `with engine.connect()`
comes back empty, whatever the pool), so DuckDB is registered among GX's dialects that keep one persisted
connection (as GX does for SQLite). GX 1.x offers no public setting for this, so the adaptation checks that the
private hook it relies on still exists and fails loudly (an execution_error per rule) if GX changes.

GX opens the file read-only and single-threaded (`DUCKDB_CONFIG`, the same setting the engine's own DuckDB pass
uses): the two runs of a rule must return the same rows, text included. With several threads DuckDB may combine
an aggregate's input in a different order on each run (e.g. `string_agg` without ORDER BY), so under CPU load the
GX rows and the DuckDB pass's rows could differ only in a message's word order and the rule became a spurious
execution_error.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations.catalogue import Rule

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_PATCHED = False

#: DuckDB settings of both runs of a rule (the engine's DuckDB pass and GX's connection): one thread, so that an
#: order-sensitive aggregate gives the same text on both runs.
DUCKDB_CONFIG: dict[str, Any] = {"threads": 1}

#: Beside each run's stored validation result, in its run folder: the sha256s of the documents the run checked,
#: one a line (what `warehouse.housekeeping` keeps a run for). GX's results store reads only `*.json`.
DOCUMENTS_FILE = "documents.txt"


@dataclass(frozen=True)
class GxCheck:
    """One expectation of a batch: `rule` on the documents `docs` (indexes in the batch) it applies to."""

    rule: Rule
    docs: tuple[int, ...]


@dataclass
class GxRuleOutcome:
    """What GX said about one rule on its documents: success, the violating rows it returned (each with the
    document in `DOC_COLUMN`; GX returns at most MAX_RESULT_RECORDS of them), or the exception it hit."""

    success: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_count: int = 0
    exception: str | None = None

    @property
    def complete(self) -> bool:
        """GX returned every violating row (its row list is capped; the count never is)."""
        return self.exception is None and self.row_count == len(self.rows)

    def rows_of(self, doc: int) -> list[dict[str, Any]]:
        from expectations.batch import DOC_COLUMN

        return [r for r in self.rows if r.get(DOC_COLUMN) == doc]


@dataclass
class GxRun:
    outcomes: list[GxRuleOutcome]  # one per GxCheck, in order
    data_docs_index: Path | None


def violation_predicate(rule: Rule) -> str:
    """SQL predicate over a rule's result columns that is true for the rows that are findings."""
    fallback = (
        str(rule.tolerance) if rule.tolerance is not None else "(v.n_terms + 1) * 0.005 * v.unit_factor"
    )
    tol = f"coalesce(v.tolerance, {fallback})"
    if rule.compare == "violation":
        return "TRUE"
    known = "v.expected IS NOT NULL AND v.actual IS NOT NULL"
    if rule.compare == "at_least":
        return f"{known} AND v.actual < v.expected - {tol}"
    return f"{known} AND abs(v.actual - v.expected) > {tol}"


def gx_query(rule: Rule, docs: tuple[int, ...] | None = None) -> str:
    """The rule as a GX unexpected-rows query over the batch's documents `docs` (each row names its document):
    `{batch}` is the batch's documents table."""
    from expectations.batch import per_document_sql

    body = per_document_sql(rule.sql, docs).replace("{", "{{").replace("}", "}}")
    return (
        f"SELECT v.* FROM (\n{body}\n) AS v\n"
        f"WHERE EXISTS (SELECT 1 FROM {{batch}}) AND {violation_predicate(rule)}"
    )


def _patch_gx_for_duckdb() -> None:
    global _PATCHED
    if _PATCHED:
        return
    from great_expectations.execution_engine import sqlalchemy_execution_engine as see

    dialects = getattr(see, "_PERSISTED_CONNECTION_DIALECTS", None)
    if not isinstance(dialects, tuple):
        raise RuntimeError(
            "this great-expectations version has no _PERSISTED_CONNECTION_DIALECTS; the DuckDB adaptation of "
            "expectations.gx_runner must be revised for it"
        )
    names = {getattr(d, "value", d) for d in dialects}
    if "duckdb" not in names:
        extra = enum.Enum("JuesuanDialect", {"DUCKDB": "duckdb"}, type=str)
        see._PERSISTED_CONNECTION_DIALECTS = (*see._PERSISTED_CONNECTION_DIALECTS, extra.DUCKDB)
    _PATCHED = True


def run_suite(
    db_path: Path,
    checks: list[GxCheck],
    *,
    run_name: str,
    data_docs_dir: Path | None,
    documents: Sequence[str] = (),
) -> GxRun:
    """Validate `checks` against the batch DuckDB file at `db_path` with GX in one checkpoint run; optionally
    add the run to the Data Docs site in `data_docs_dir` (one site, a page per batch), noting beside its stored
    result the sha256s of the `documents` it checked."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    # the site's lock before the thread lock, as pruning takes them (warehouse.housekeeping): no deadlock
    with site_lock(data_docs_dir) if data_docs_dir is not None else nullcontext(), _LOCK:
        _patch_gx_for_duckdb()
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        context = gx.get_context(mode="ephemeral", project_config=_project_config(data_docs_dir))
        source = context.data_sources.add_sql(
            name="report",
            connection_string=f"duckdb:///{db_path}",
            kwargs={"connect_args": {"read_only": True, "config": dict(DUCKDB_CONFIG)}},
        )
        try:
            return _run(
                context, source, checks, run_name=run_name, data_docs_dir=data_docs_dir, documents=documents
            )
        finally:
            _release([source, *context.data_sources.all().values()])


def _run(
    context: Any,
    source: Any,
    checks: list[GxCheck],
    *,
    run_name: str,
    data_docs_dir: Path | None,
    documents: Sequence[str],
) -> GxRun:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    from expectations.batch import DOCUMENTS_TABLE

    site_names = ["juesuan"] if data_docs_dir is not None else []
    asset = source.add_table_asset(name="documents", table_name=DOCUMENTS_TABLE)
    batch = asset.add_batch_definition_whole_table("batch_of_reports")
    # The suite is built whole and stored once: adding expectations one by one re-serialises it each time.
    expectations = [
        gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=gx_query(check.rule, check.docs),
            description=f"{check.rule.id}: {check.rule.title}",
            severity="critical" if check.rule.severity == "error" else "warning",
            meta={
                "check": i,
                "rule_id": check.rule.id,
                "severity": check.rule.severity,
                "identity": check.rule.identity,
                "documents": len(check.docs),
            },
        )
        for i, check in enumerate(checks)
    ]
    suite = context.suites.add(gx.ExpectationSuite(name="juesuan_rules", expectations=expectations))
    vd = context.validation_definitions.add(gx.ValidationDefinition(name=run_name, data=batch, suite=suite))
    actions = [UpdateDataDocsAction(name="data_docs", site_names=site_names)] if site_names else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="juesuan_check",
            validation_definitions=[vd],
            actions=actions,
            result_format={"result_format": "COMPLETE"},
        )
    )
    # named after the batch: runs of parallel workers never share a folder, and a page says which batch it is
    result = checkpoint.run(run_id=RunIdentifier(run_name=run_name))
    if data_docs_dir is not None:
        _note_documents(data_docs_dir, result.run_results, documents)
    outcomes: dict[int, GxRuleOutcome] = {}
    for vres in result.run_results.values():
        for er in vres.results:
            pos = int(er.expectation_config.meta["check"])
            exc = er.exception_info or {}
            message = _exception_message(exc)
            res = er.result or {}
            rows = list((res.get("details") or {}).get("unexpected_rows") or [])
            outcomes[pos] = GxRuleOutcome(
                success=bool(er.success),
                rows=[dict(r) for r in rows],
                row_count=int(res.get("observed_value") or 0) if message is None else 0,
                exception=message,
            )
    index = data_docs_dir / "index.html" if data_docs_dir is not None else None
    missing = GxRuleOutcome(success=False, exception="GX returned no result for this rule")
    return GxRun(
        outcomes=[outcomes.get(i, missing) for i in range(len(checks))],
        data_docs_index=index if index and index.exists() else None,
    )


def _release(sources: list[Any]) -> None:
    """Close every connection GX opened on the report's file: each execution engine's persisted one and the one
    a data source opened to test the connection (a pooled connection otherwise lives until collected, and
    DuckDB refuses to open the file again with another configuration while one is open)."""
    for source in sources:
        execution_engine = getattr(source, "_execution_engine", None)
        for engine in (getattr(execution_engine, "engine", None), getattr(source, "_engine", None)):
            if engine is not None:
                engine.dispose()


def _project_config(data_docs_dir: Path | None) -> Any:
    """An in-memory GX project: no analytics, no progress bars, one Data Docs site (ours) when asked.

    With a site, validation results are kept on disk beside it (`<site>.results/`): GX rebuilds a site's index
    from its validation-results store and deletes the pages that store does not know, so with results only in
    memory every batch would erase the pages of the batches before it. Kept on disk, one site accumulates a page
    per batch (a warehouse's whole history of checks); each batch writes its own result files.
    """
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    if data_docs_dir is not None:
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        sites["juesuan"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        defaults.stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(results_dir(data_docs_dir)),
            },
        }
    return DataContextConfig(
        store_backend_defaults=defaults,
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )


def results_dir(data_docs_dir: Path) -> Path:
    """Where the validation results behind a Data Docs site are kept (beside the site)."""
    return data_docs_dir.with_name(data_docs_dir.name + ".results")


def _note_documents(data_docs_dir: Path, keys: Any, documents: Sequence[str]) -> None:
    """Write `DOCUMENTS_FILE` in the run folder of each stored result (`<suite>/<run name>/<run time>/`). A
    note that cannot be written (disk full) costs only its pruning: the run is then kept while among the
    latest, like a run written before runs noted their documents; the check itself stands."""
    for key in keys:
        folder = results_dir(data_docs_dir).joinpath(*key.to_tuple()[:-1])
        tmp = folder / f".{DOCUMENTS_FILE}.tmp"
        try:
            if folder.is_dir():
                tmp.write_text("".join(f"{sha}\n" for sha in documents), encoding="utf-8")
                os.replace(tmp, folder / DOCUMENTS_FILE)
        except OSError as exc:
            logger.warning("documents of GX run %s not noted: %s", folder, exc)
            tmp.unlink(missing_ok=True)


@contextmanager
def site_lock(data_docs_dir: Path, *, exclusive: bool = False, wait: bool = True) -> Iterator[bool]:
    """An advisory lock (flock) on a Data Docs site and its results, `<site>.lock`: a check writing to the site
    holds it shared (GX re-reads every stored result to rebuild the index), pruning holds it exclusive. Yields
    whether it was taken (always, unless `wait` is off and another process holds it)."""
    path = data_docs_dir.with_name(data_docs_dir.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def rebuild_site_index(data_docs_dir: Path, keep: Any = None) -> None:
    """Rebuild the site's index page from the results store (after runs were removed): GX also drops the pages
    of runs it no longer has. `keep`, a stored result's key tuple, is the one page re-rendered with it (GX
    re-renders every page when given none)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    with _LOCK:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        context = gx.get_context(mode="ephemeral", project_config=_project_config(data_docs_dir))
        resources = [ValidationResultIdentifier.from_tuple(keep)] if keep is not None else None
        context.build_data_docs(site_names=["juesuan"], resource_identifiers=resources)


def _exception_message(exc: dict[str, Any]) -> str | None:
    """GX reports exceptions either flat or keyed by metric; the first one's text (never empty), or None."""
    if not exc:
        return None
    infos = [exc] if "raised_exception" in exc else [i for i in exc.values() if isinstance(i, dict)]
    for info in infos:
        if info.get("raised_exception"):
            message = str(info.get("exception_message") or "").strip()
            if not message:
                # the traceback's last line names the exception type even when its message is empty
                lines = [ln for ln in str(info.get("exception_traceback") or "").splitlines() if ln.strip()]
                message = lines[-1].strip() if lines else "GX raised an exception without a message"
            return message
    return None
