"""Recovery: rebuild the published file from staging, or the whole warehouse from the raw store alone.

The raw store is the source of truth: every kept file with the URL, region and time it was first seen. A warehouse
lost or corrupted (published file, staging, or both) is re-derived from it exactly as the nightly pipeline derives
it (same source, fetched_at, region hint, parser and rules, in the order the files were first kept), so the rebuilt
tables equal the lost ones row for row, apart from the warehouse's own clock: `documents.loaded_at`,
`document_sources.first_seen` (when the warehouse noted the source) and the publication's generation and time.

A staging file that cannot be opened is moved aside (`staging.duckdb.broken-<stamp>`), never deleted.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.ingest import Checker, IngestSummary, _derive, default_checker, sha256_file
from warehouse.store import STAGING_NAME, Warehouse

#: Kinds the parser reads (the same set the pipeline registers as documents: assets.raw.PARSEABLE_KINDS).
PARSEABLE_KINDS = frozenset({"pdf"})


@dataclass
class RebuildSummary:
    """What `juesuan rebuild` did."""

    mode: str  # "staging" (published file rebuilt from staging) or "raw" (everything from the raw store)
    warehouse_root: Path
    raw_root: Path | None = None
    moved_aside: list[Path] = field(default_factory=list)
    ingest: IngestSummary | None = None
    generation: int = 0
    documents: int = 0
    amounts: int = 0
    published_path: Path | None = None
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> str:
        lines = []
        for p in self.moved_aside:
            lines.append(f"moved aside (unreadable): {p}")
        if self.mode == "raw":
            n = len(self.ingest.outcomes) if self.ingest else 0
            by = {}
            for o in self.ingest.outcomes if self.ingest else []:
                by[o.status] = by.get(o.status, 0) + 1
            lines.append(
                f"rebuilt staging from the raw store {self.raw_root}: {n} documents "
                + ", ".join(f"{k} {v}" for k, v in sorted(by.items()))
            )
        else:
            lines.append(f"rebuilt the published file from staging {self.warehouse_root / STAGING_NAME}")
        for source, why in self.skipped:
            lines.append(f"  skipped {source}: {why}")
        lines.append(
            f"published generation {self.generation}: {self.documents} documents, {self.amounts} amounts → "
            f"{self.published_path} ({self.seconds:.1f} s)"
        )
        return "\n".join(lines)


def _fetched_at(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)


def staging_readable(root: Path) -> bool:
    """True when `root/staging.duckdb` opens and answers (it may be absent: False)."""
    path = root / STAGING_NAME
    if not path.exists():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        con.execute("SELECT count(*) FROM core.documents").fetchone()
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    os.replace(path, target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + ".wal"))
    return target


def rebuild_from_staging(
    warehouse_root: Path | str, published_path: Path | str | None = None
) -> RebuildSummary:
    """A new published file from the staging database (the published one was deleted or corrupted)."""
    t0 = time.perf_counter()
    root = Path(warehouse_root)
    summary = RebuildSummary("staging", root)
    with Warehouse(root) as wh:
        pub = wh.publish(published_path, force=True)
    summary.generation, summary.documents, summary.amounts = (
        pub.generation,
        pub.document_count,
        pub.amount_count,
    )
    summary.published_path = pub.path
    summary.seconds = time.perf_counter() - t0
    return summary


def rebuild_from_raw(
    warehouse_root: Path | str,
    raw_root: Path | str,
    *,
    checker: Checker | None = None,
    published_path: Path | str | None = None,
) -> RebuildSummary:
    """A fresh staging database and published file from the raw store under `raw_root` alone.

    An existing staging file is moved aside first (kept, never deleted); each parseable raw file is verified
    against its sha256, parsed under the per-document limits, checked and loaded as the pipeline loads it.
    """
    from juesuan.rawstore import RawStore

    t0 = time.perf_counter()
    root = Path(warehouse_root)
    root.mkdir(parents=True, exist_ok=True)
    summary = RebuildSummary("raw", root, Path(raw_root))
    for name in (STAGING_NAME,):
        path = root / name
        if path.exists():
            summary.moved_aside.append(_move_aside(path))
    store = RawStore(raw_root)
    checker = checker or default_checker()
    with Warehouse(root) as wh:
        ingest = IngestSummary(root)
        for stored in store.list():
            if stored.kind not in PARSEABLE_KINDS:
                continue
            t1 = time.perf_counter()
            url = stored.urls[-1] if stored.urls else None
            source = url.url if url else stored.sha256
            if not stored.path.exists():
                summary.skipped.append((source, f"raw file {stored.path} is missing"))
                continue
            if sha256_file(stored.path) != stored.sha256:
                summary.skipped.append((source, f"raw file {stored.path} does not match its sha256"))
                continue
            outcome = _derive(
                wh,
                stored.path,
                raw_sha256=stored.sha256,
                source=source,
                raw_path=stored.path,
                region=stored.region,
                checker=checker,
                fetched_at=_fetched_at(stored.first_seen),
                byte_size=stored.size,
                force=False,
                source_url=url.url if url else None,
            )
            ingest.outcomes.append(outcome)
            ingest.seconds_per_file[source] = time.perf_counter() - t1
        pub = wh.publish(published_path, force=True)
    ingest.publication = pub
    summary.ingest = ingest
    summary.generation, summary.documents, summary.amounts = (
        pub.generation,
        pub.document_count,
        pub.amount_count,
    )
    summary.published_path = pub.path
    summary.seconds = time.perf_counter() - t0
    return summary


def rebuild(
    warehouse_root: Path | str,
    raw_root: Path | str,
    *,
    source: str = "auto",
    checker: Checker | None = None,
    published_path: Path | str | None = None,
) -> RebuildSummary:
    """`juesuan rebuild`: from staging when it is readable (and `source` allows), else from the raw store."""
    root = Path(warehouse_root)
    if source == "staging" or (source == "auto" and staging_readable(root)):
        return rebuild_from_staging(root, published_path)
    return rebuild_from_raw(root, raw_root, checker=checker, published_path=published_path)
