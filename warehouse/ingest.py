"""Folder → warehouse: parse, check, stage and publish every report in a folder, and re-derive after upgrades.

Each file is kept in the content-addressed raw store first (so a later parser version can re-derive it), then
parsed and checked; what cannot be parsed is recorded as a failed document with its reason, never raised. The
parser, the rules and the raw store are imported lazily so the warehouse itself stays importable without them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from juesuan.model import Region, Report, RuleResult
from warehouse.errors import is_write_failure, write_failed
from warehouse.publish import PublishResult
from warehouse.store import LoadOutcome, Warehouse

#: File kinds a portal publishes reports as; anything else in the folder (truth CSVs, manifests) is not a report.
REPORT_SUFFIXES = (".pdf", ".xls", ".xlsx", ".htm", ".html")

Checker = Callable[[Report], list[RuleResult]]


@dataclass
class IngestSummary:
    """What one ingest (or reparse) did, per file, and the publication it ended with."""

    warehouse_root: Path
    outcomes: list[LoadOutcome] = field(default_factory=list)
    seconds_per_file: dict[str, float] = field(default_factory=dict)
    publication: PublishResult | None = None
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def by_status(self, status: str) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def changed(self) -> int:
        return sum(o.changed for o in self.outcomes)

    def render(self) -> str:
        """The summary a person reads after a run: counts, every reason, and where to query."""
        n = len(self.outcomes)
        lines = [
            f"{n} file(s) in {self.seconds:.1f} s ({self.seconds / n if n else 0:.2f} s per file); "
            f"{self.changed} changed the warehouse, {n - self.changed} unchanged"
        ]
        published = self.by_status("published")
        warned = [o for o in published if o.warnings]
        lines.append(f"  published   {len(published):4d}  ({len(warned)} with warnings)")
        for o in warned:
            lines.append(f"    ~ {_name(o)}: warnings {', '.join(o.warnings)}")
        for o in self.outcomes:
            if o.note:
                lines.append(f"    ! {_name(o)}: {o.note}")
        for status in ("quarantined", "failed"):
            group = self.by_status(status)
            lines.append(f"  {status:<11} {len(group):4d}")
            for o in group:
                lines.append(f"    - {_name(o)}: {'; '.join(o.reasons)}")
        for source, why in self.skipped:
            lines.append(f"  skipped {source}: {why}")
        pub = self.publication
        if pub is not None:
            state = "published" if pub.published else "unchanged since"
            lines.append(
                f"{state} generation {pub.generation}: {pub.document_count} documents, "
                f"{pub.amount_count} amounts in mart.report_amounts"
            )
            if pub.pruned is not None and (pub.pruned.removed or pub.pruned.skipped):
                lines.append(pub.pruned.render())
            lines.append(f"query it read-only: duckdb -readonly {pub.path}")
            lines.append(f'  or: juesuan query "SELECT * FROM mart.department_year" --warehouse {pub.path}')
        return "\n".join(lines)


def _name(o: LoadOutcome) -> str:
    label = Path(o.source).name
    if o.department:
        label += f" ({o.department} {o.year or ''})".rstrip()
    return label


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_reports(folder: Path) -> list[Path]:
    """Every report-like file under `folder` (recursively, hidden files skipped), in a stable order."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES and not any(s.startswith(".") for s in p.parts)
    )


def warehouse_location(arg: Path | str) -> tuple[Path, Path]:
    """`--warehouse` as (folder, published file): a folder, or the published `.duckdb` file inside one."""
    from warehouse.store import PUBLISHED_NAME

    path = Path(arg)
    if path.suffix == ".duckdb":
        return path.parent, path
    return path, path / PUBLISHED_NAME


def parse_region_option(text: str | None) -> Region | None:
    """`省/市/县` (levels may be empty: `上海市//普陀区`, or `中央`) → a Region checked against the division list."""
    if not text:
        return None
    parts = [p.strip() or None for p in text.replace("／", "/").split("/")]
    parts += [None] * (3 - len(parts))
    if len(parts) > 3:
        raise ValueError(f"--region takes at most three levels 省/市/县, got {text!r}")
    from juesuan.regions import region_from_config

    return region_from_config(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class RunnerChecker:
    """The rule catalogue through `runner` ("gx" or "duckdb"): checks reports in batches, in worker processes
    (`warehouse.workers`); called on one report, it checks that report alone."""

    runner: str = "gx"

    def __call__(self, report: Report) -> list[RuleResult]:
        from expectations import check_report

        return check_report(report, runner=self.runner)  # type: ignore[arg-type]


def default_checker(runner: str = "gx") -> Checker:
    return RunnerChecker(runner)


def _parser_version() -> str:
    from juesuan.parsing import PARSER_VERSION

    return PARSER_VERSION


#: The warehouse's one great-expectations Data Docs site (a page per checked batch), in the warehouse folder.
DATA_DOCS_DIR = "data-docs"


def _derive_stream(
    jobs: list[Any], checker: Checker, workers: int | None, data_docs_dir: Path | None = None
) -> Iterator[tuple[Any, Any]]:
    """(job, Derived) for every job in order: batched and in worker processes with the catalogue's own checker,
    one by one in process with any other checker (a test's, a custom one)."""
    from warehouse.workers import derive_all, parse_one

    if isinstance(checker, RunnerChecker):
        yield from derive_all(jobs, runner=checker.runner, workers=workers, data_docs_dir=data_docs_dir)
        return
    for job in jobs:
        derived = parse_one(job)
        if derived.report is not None:
            try:
                derived.results = checker(derived.report)
            except Exception as exc:  # no rule ran, so the report is unverified: quarantine it, saying why
                derived.check_error = f"rule checks crashed: {type(exc).__name__}: {exc}".splitlines()[0]
        yield job, derived


def _stage(wh: Warehouse, derived: Any, *, region: Region | None, **common: Any) -> LoadOutcome:
    """Stage one derived document: a failure with its reason, or the report with its rule results."""
    version = _parser_version()
    if derived.report is None:
        code, reason = derived.failure
        return wh.load_failure(code=code, reason=reason, parser_version=version, **common)
    try:
        return wh.load_document(
            derived.report, derived.results, region_hint=region, check_error=derived.check_error, **common
        )
    except duckdb.Error as exc:
        if is_write_failure(exc):  # disk full, unwritable file: not this document's fault; the run stops, the
            raise write_failed(exc) from exc  # published file stays as it was, and the next run loads it
        # e.g. an amount beyond DECIMAL(20,2): the load rolled back; record why
        reason = f"could not be stored: {type(exc).__name__}: {exc}".splitlines()[0]
        return wh.load_failure(code="load_error", reason=reason, parser_version=version, **common)


def _derive(
    wh: Warehouse,
    path: Path,
    *,
    region: Region | None,
    checker: Checker,
    **common: Any,
) -> LoadOutcome:
    """Parse, check and stage one file in this process (`juesuan rebuild` goes through the raw store one by one)."""
    from warehouse.workers import Job

    ((_job, derived),) = _derive_stream([Job(path, region)], checker, 1)
    return _stage(wh, derived, region=region, **common)


def ingest_paths(
    wh: Warehouse,
    paths: Iterable[Path],
    *,
    region: Region | None = None,
    checker: Checker | None = None,
    summary: IngestSummary | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Keep, parse, check and stage each file (no publish). Already-derived bytes are not parsed again.

    New files are parsed and checked by `workers` processes (default `JUESUAN_WORKERS` or the CPU count), in
    batches; this process alone writes the warehouse, in the files' order.
    """
    from juesuan.rawstore import RawStore, UrlContext
    from warehouse.workers import Job

    checker = checker or default_checker()
    summary = summary or IngestSummary(wh.root)
    store = RawStore(wh.root)
    version = _parser_version()
    jobs: list[Job] = []
    infos: list[dict[str, Any]] = []
    for path in paths:
        t0 = time.perf_counter()
        source = str(path.resolve())
        try:
            data = path.read_bytes()
        except OSError as exc:  # without its bytes a file has no sha256 to be recorded under
            summary.skipped.append((source, f"cannot read: {exc}"))
            continue
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        url = path.resolve().as_uri()
        try:
            known = store.get(hashlib.sha256(data).hexdigest())
            if known is not None and any(u.url == url for u in known.urls):
                stored = store.touch(known.sha256, url=url)  # keep the modification time first recorded
            else:
                # what `juesuan rebuild` needs to re-derive the document as staged now: the modification time
                # (its fetched_at, kept as the URL's last_modified) and the region given with --region
                stored = store.put(
                    data,
                    url=url,
                    source_id="folder",
                    headers={"last-modified": mtime.isoformat()},
                    context=UrlContext(region=region),
                )
        except OSError as exc:  # disk full: not kept, so not loaded; the next run picks it up
            summary.skipped.append((source, f"could not keep the file in the raw store: {exc}"))
            continue
        outcome = wh.unchanged(stored.sha256, source, version)
        if outcome is not None:
            summary.outcomes.append(outcome)
            summary.seconds_per_file[source] = time.perf_counter() - t0
            continue
        jobs.append(Job(path, region))
        infos.append(
            {
                "source": source,
                "raw_sha256": stored.sha256,
                "fetched_at": mtime,
                "raw_path": stored.path,
                "byte_size": len(data),
                "force": False,
                "region": region,
            }
        )
    for (_job, derived), info in zip(
        _derive_stream(jobs, checker, workers, wh.root / DATA_DOCS_DIR), infos, strict=True
    ):
        t0 = time.perf_counter()
        outcome = _stage(wh, derived, **info)
        summary.outcomes.append(outcome)
        summary.seconds_per_file[info["source"]] = (
            derived.parse_seconds + derived.check_seconds + time.perf_counter() - t0
        )
    return summary


def ingest_dir(
    folder: Path | str,
    warehouse_root: Path | str,
    *,
    region: Region | None = None,
    checker: Checker | None = None,
    publish: bool = True,
    published_path: Path | str | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """`juesuan ingest`: every report in `folder` → staging → (atomic) publish. Returns the summary.

    `published_path` defaults to `juesuan.duckdb` in the warehouse folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    t0 = time.perf_counter()
    with Warehouse(warehouse_root) as wh:
        summary = ingest_paths(wh, find_reports(folder), region=region, checker=checker, workers=workers)
        if publish:
            summary.publication = wh.publish(published_path)
    summary.seconds = time.perf_counter() - t0
    return summary


def _kept_jobs(
    wh: Warehouse, rows: list[tuple], skipped: list[tuple[str, str]]
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Jobs re-deriving documents from their kept raw files (sha, source, raw_path, fetched_at, byte_size,
    region_hint rows), with what staging needs; a missing or altered raw file is skipped, saying why."""
    from warehouse.workers import Job

    jobs: list[Job] = []
    infos: list[dict[str, Any]] = []
    for sha, source, raw_path, fetched_at, byte_size, hint_key in rows:
        if not raw_path or not Path(raw_path).exists():
            skipped.append((source, f"no kept raw file ({raw_path or 'none recorded'})"))
            continue
        if sha256_file(Path(raw_path)) != sha:
            skipped.append((source, f"kept raw file {raw_path} does not match its sha256"))
            continue
        hint = wh.region(hint_key) if hint_key else None
        jobs.append(Job(Path(raw_path), hint))
        infos.append(
            {
                "source": source,
                "raw_sha256": sha,
                "fetched_at": fetched_at,
                "raw_path": Path(raw_path),
                "byte_size": byte_size,
                "force": True,
                "region": hint,
            }
        )
    return jobs, infos


def reparse(
    warehouse_root: Path | str,
    *,
    everything: bool = False,
    checker: Checker | None = None,
    publish: bool = True,
    published_path: Path | str | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Re-derive documents from their kept raw files: those of an older parser version (or all), then publish.

    Source, fetch time and supersession history are kept; only the derived rows (cells, rules, problems) change.
    """
    checker = checker or default_checker()
    t0 = time.perf_counter()
    version = _parser_version()
    with Warehouse(warehouse_root) as wh:
        summary = IngestSummary(wh.root)
        rows = wh.con.execute(
            "SELECT document_sha256, source, raw_path, fetched_at, byte_size, region_hint FROM core.documents "
            "WHERE ? OR parser_version IS DISTINCT FROM ? ORDER BY loaded_at",
            [everything, version],
        ).fetchall()
        jobs, infos = _kept_jobs(wh, rows, summary.skipped)
        for (_job, derived), info in zip(
            _derive_stream(jobs, checker, workers, wh.root / DATA_DOCS_DIR), infos, strict=True
        ):
            t1 = time.perf_counter()
            outcome = _stage(wh, derived, **info)
            summary.outcomes.append(outcome)
            summary.seconds_per_file[info["source"]] = (
                derived.parse_seconds + derived.check_seconds + time.perf_counter() - t1
            )
        if publish:
            summary.publication = wh.publish(published_path)
    summary.seconds = time.perf_counter() - t0
    return summary


@dataclass
class RecheckSummary:
    """What `recheck` did: the documents re-checked against the catalogue in force and whose status moved."""

    warehouse_root: Path
    catalogue_version: str
    rechecked: list[LoadOutcome] = field(default_factory=list)
    newly_quarantined: list[LoadOutcome] = field(default_factory=list)
    newly_published: list[LoadOutcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    publication: PublishResult | None = None
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"catalogue {self.catalogue_version}: rechecked {len(self.rechecked)} document(s) in "
            f"{self.seconds:.1f} s; newly quarantined {len(self.newly_quarantined)}, "
            f"newly published {len(self.newly_published)}"
        ]
        for o in self.newly_quarantined:
            lines.append(f"    - {_name(o)}: {'; '.join(o.reasons)}")
        for o in self.newly_published:
            lines.append(f"    + {_name(o)}")
        for source, why in self.skipped:
            lines.append(f"  skipped {source}: {why}")
        pub = self.publication
        if pub is not None:
            state = "published" if pub.published else "unchanged since"
            lines.append(f"{state} generation {pub.generation}: {pub.document_count} documents")
        return "\n".join(lines)


def recheck(
    warehouse_root: Path | str,
    *,
    everything: bool = False,
    checker: Checker | None = None,
    publish: bool = True,
    published_path: Path | str | None = None,
    workers: int | None = None,
) -> RecheckSummary:
    """Re-check the current documents judged by another rule catalogue (or all), update their status, publish once.

    The warehouse keeps cells, tables and narrative facts but not the whole parsed Report (row order, headers,
    parse problems the rules read), so a document is re-derived from its kept raw file, as `reparse` does; failed
    documents (no rules ran) and superseded versions are left alone. Same catalogue version: nothing is done.
    """
    from expectations import catalogue_version

    checker = checker or default_checker()
    t0 = time.perf_counter()
    version = catalogue_version()
    with Warehouse(warehouse_root) as wh:
        summary = RecheckSummary(wh.root, version)
        rows = wh.con.execute(
            "SELECT document_sha256, source, raw_path, fetched_at, byte_size, region_hint, status "
            "FROM core.documents WHERE status <> 'failed' AND superseded_by IS NULL "
            "AND (? OR catalogue_version IS DISTINCT FROM ?) ORDER BY loaded_at",
            [everything, version],
        ).fetchall()
        before_of = {row[0]: row[-1] for row in rows}
        jobs, infos = _kept_jobs(wh, [row[:-1] for row in rows], summary.skipped)
        for (_job, derived), info in zip(
            _derive_stream(jobs, checker, workers, wh.root / DATA_DOCS_DIR), infos, strict=True
        ):
            outcome = _stage(wh, derived, **info)
            before = before_of[info["raw_sha256"]]
            summary.rechecked.append(outcome)
            if outcome.status == "quarantined" and before != "quarantined":
                summary.newly_quarantined.append(outcome)
            elif outcome.status == "published" and before != "published":
                summary.newly_published.append(outcome)
        if publish:
            summary.publication = wh.publish(published_path)
    summary.seconds = time.perf_counter() - t0
    return summary
