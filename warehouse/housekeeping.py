"""Housekeeping after a publish: the great-expectations results that every check run leaves in the warehouse.

Each checked batch is one GX validation run: its result under `<warehouse>/data-docs.results/<suite>/<run
name>/<run time>/` (with `documents.txt`, the sha256s it checked) and its page in the Data Docs site
`<warehouse>/data-docs/validations/` at the same path. Nothing else ever removes them, so a re-check or a
re-parse every night would fill the disk. After each publish, `prune_check_results` keeps

- the newest run that checked each current published or quarantined document (the page that says why it is in
  mart or out of it; with the batch run that a per-report run completes), and
- the latest `keep_runs` runs, whatever they checked (`JUESUAN_KEEP_CHECK_RUNS`, default 50),

and removes every other run's result and page, then rebuilds the site's index. A run written before its
documents were noted (no `documents.txt`) is kept only while it is among the latest. Pruning takes the site's
lock exclusively without waiting (`expectations.gx_runner.site_lock`, held shared by every check writing to the
site): while any check is running nothing is removed, and the next publish prunes. Pruning again removes
nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from expectations.engine import PER_REPORT_SUFFIX
from expectations.gx_runner import DOCUMENTS_FILE, rebuild_site_index, results_dir, site_lock

logger = logging.getLogger(__name__)

KEEP_RUNS_ENV = "JUESUAN_KEEP_CHECK_RUNS"
DEFAULT_KEEP_RUNS = 50


@dataclass
class PruneSummary:
    """What one pruning did: runs kept and removed, bytes freed, or why nothing was looked at."""

    kept: int = 0
    removed: int = 0
    bytes_freed: int = 0
    skipped: str | None = None

    def render(self) -> str:
        if self.skipped:
            return f"check results not pruned: {self.skipped}"
        return (
            f"check results: kept {self.kept} run(s), removed {self.removed} "
            f"({self.bytes_freed / 1e6:.1f} MB freed)"
        )


@dataclass(frozen=True)
class _Run:
    key: tuple[str, ...]  # <suite parts…>, run name, run time, batch identifier: GX's result key
    documents: frozenset[str] | None  # None: written before runs noted their documents

    @property
    def folder(self) -> tuple[str, ...]:
        return self.key[:-1]

    @property
    def name(self) -> str:
        return self.key[-3]

    @property
    def time(self) -> str:
        return self.key[-2]  # %Y%m%dT%H%M%S.%fZ: sorts as time does


def keep_runs_setting() -> int | str:
    """`JUESUAN_KEEP_CHECK_RUNS` as a count, or the reason it is not one."""
    raw = os.environ.get(KEEP_RUNS_ENV, "").strip()
    if not raw:
        return DEFAULT_KEEP_RUNS
    if not raw.isdigit():
        return f"{KEEP_RUNS_ENV}={raw!r} is not a whole number of runs (0 or more)"
    return int(raw)


def _runs(results: Path) -> list[_Run]:
    runs = []
    for path in results.rglob("*.json"):
        parts = path.relative_to(results).with_suffix("").parts
        if len(parts) < 4:  # not a stored validation result (<suite>/<run name>/<run time>/<batch>.json)
            continue
        noted = path.parent / DOCUMENTS_FILE
        documents = frozenset(noted.read_text(encoding="utf-8").split()) if noted.exists() else None
        runs.append(_Run(parts, documents))
    return sorted(runs, key=lambda r: (r.time, r.key), reverse=True)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _remove(folder: Path, root: Path) -> int:
    """Remove a run's folder and the parents it leaves empty (up to `root`); the bytes freed."""
    size = _size(folder)
    shutil.rmtree(folder, ignore_errors=True)
    parent = folder.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    return size


def prune_check_results(
    data_docs_dir: Path, current: Iterable[str], keep_runs: int | None = None
) -> PruneSummary:
    """Remove the runs of the site at `data_docs_dir` that no current document and no recent run needs.

    `current`: the sha256s of the current published and quarantined documents; `keep_runs`: how many of the
    latest runs to keep regardless (default: `keep_runs_setting()`).
    """
    if keep_runs is None:
        setting = keep_runs_setting()
        if isinstance(setting, str):
            return PruneSummary(skipped=setting)
        keep_runs = setting
    results = results_dir(data_docs_dir)
    if not results.is_dir():
        return PruneSummary()
    try:
        with site_lock(data_docs_dir, exclusive=True, wait=False) as held:
            if not held:
                return PruneSummary(
                    skipped="a check is writing to the Data Docs site; the next publish prunes"
                )
            return _prune(data_docs_dir, results, set(current), keep_runs)
    except OSError as exc:  # housekeeping never fails the run that published: say why, prune next time
        return PruneSummary(skipped=f"{type(exc).__name__}: {exc}")


def _prune(data_docs_dir: Path, results: Path, wanted: set[str], keep_runs: int) -> PruneSummary:
    """Under the exclusive lock: choose the runs to keep (newest first), remove the others, redraw the index."""
    runs = _runs(results)
    kept = set(range(min(keep_runs, len(runs))))
    for i, run in enumerate(runs):  # newest first: the newest run of each current document
        fresh = run.documents & wanted if run.documents else frozenset()
        if not fresh:
            continue
        kept.add(i)
        wanted -= fresh
        if run.name.endswith(PER_REPORT_SUFFIX):  # and the batch run it completes
            batch = run.name.removesuffix(PER_REPORT_SUFFIX)
            j = next((j for j in range(i + 1, len(runs)) if runs[j].name == batch), None)
            if j is not None and runs[j].documents and runs[j].documents & fresh:
                kept.add(j)
    summary = PruneSummary(kept=len(kept))
    pages = data_docs_dir / "validations"
    for i, run in enumerate(runs):
        if i in kept:
            continue
        summary.bytes_freed += _remove(results.joinpath(*run.folder), results)
        summary.bytes_freed += _remove(pages.joinpath(*run.folder), pages)
        summary.removed += 1
    if summary.removed:
        try:
            rebuild_site_index(data_docs_dir, keep=runs[min(kept)].key if kept else None)
        except Exception as exc:  # the runs are gone either way; GX redraws the index at the next check
            logger.warning("Data Docs index not rebuilt after pruning: %s: %s", type(exc).__name__, exc)
    return summary
