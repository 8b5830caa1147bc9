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
from typing import Any

import duckdb

from warehouse.ingest import Checker, IngestSummary, _derive, default_checker, sha256_file
from warehouse.store import STAGING_NAME, Warehouse

#: Kinds the parser reads (the same set the pipeline registers as documents: assets.raw.PARSEABLE_KINDS).
PARSEABLE_KINDS = frozenset({"pdf", "xlsx", "xls", "html"})
#: The raw store's source id for files `juesuan ingest --from-dir` kept (warehouse.ingest.ingest_paths).
FOLDER_INGEST = "folder"


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


def _folder_path(url: str) -> str:
    """`file:///a/b.pdf` → `/a/b.pdf`: the source `juesuan ingest` recorded for a file it read from a folder."""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)


def _provenance(stored: Any) -> dict[str, Any] | None:
    """What staging recorded for a kept file when it was first loaded, from the raw store alone: the source, its
    URL, fetch time and listed year; None for a crawled file of a kind the pipeline does not parse.

    A file `juesuan ingest` read from a folder was named by its path and dated by its modification time (kept as
    the URL's last_modified); a crawled file by the URL it was first seen under and the time it was first kept.
    """
    url = stored.first_url
    if url is not None and url.source_id == FOLDER_INGEST:
        folder_urls = [u for u in stored.urls if u.source_id == FOLDER_INGEST]
        return {
            "source": _folder_path(url.url),
            "source_url": None,
            "fetched_at": _fetched_at(url.last_modified) or _fetched_at(stored.first_seen),
            "listed_year": None,
            "also": [_folder_path(u.url) for u in folder_urls[1:]],
        }
    if stored.kind not in PARSEABLE_KINDS:
        return None
    return {
        "source": url.url if url else stored.sha256,
        "source_url": url.url if url else None,
        "fetched_at": _fetched_at(stored.first_seen),
        "listed_year": url.stated_year if url else None,
        "also": [],
    }


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


def outcome_version(wh: Warehouse, sha256: str) -> str | None:
    """The parser version the document was staged with (so noting another source never re-derives it)."""
    row = wh.con.execute(
        "SELECT parser_version FROM core.documents WHERE document_sha256 = ?", [sha256]
    ).fetchone()
    return row[0] if row else None


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
            prov = _provenance(stored)
            if prov is None:
                continue
            t1 = time.perf_counter()
            source = prov["source"]
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
                fetched_at=prov["fetched_at"],
                byte_size=stored.size,
                force=False,
                source_url=prov["source_url"],
                listed_year=prov["listed_year"],
            )
            for other in prov["also"]:  # the same bytes ingested again from another path
                wh.unchanged(stored.sha256, other, outcome_version(wh, stored.sha256))
            ingest.outcomes.append(outcome)
            ingest.seconds_per_file[source] = time.perf_counter() - t1
        # the latest crawl's failures (mart.crawl_failures), as the pipeline's staging stage records them
        from juesuan.crawl.crawler import latest_crawl

        crawled = latest_crawl(Path(raw_root) / "crawl")
        if crawled is not None:
            wh.record_crawl_failures(*crawled)
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
