"""Parse and check documents in batches, in worker processes: the CPU-bound part of a night, in parallel.

Parsing is per document; checking is per batch (`expectations.engine.run_checks_batch`: each rule planned once
for the batch). A batch is the unit of work a process takes: its documents are parsed and checked there and
come back as `Derived` values, in input order, to the one process that writes the warehouse (DuckDB has one
writer; staging stays single-threaded and correct whatever the number of workers). Workers are started with
`spawn` (never `fork`: the parent may hold DuckDB and GX threads) and each imports the parser and the rules
once; a run too small to pay for that is done in process.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from juesuan.model import Region, Report, RuleResult

T = TypeVar("T")

#: Documents per batch: large enough that the per-batch cost of GX (context, checkpoint) is small per report,
#: small enough that a worker's memory stays bounded whatever the corpus size.
DEFAULT_BATCH_SIZE = 25
#: Below this many documents, starting worker processes costs more than it saves.
MIN_PARALLEL_DOCUMENTS = 12
#: `JUESUAN_WORKERS`: how many processes parse and check (default: the machine's CPU count).
WORKERS_ENV = "JUESUAN_WORKERS"


def default_workers() -> int:
    """`JUESUAN_WORKERS` if set (≥ 1), else the number of CPUs this process may use."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        return max(1, int(value))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Job:
    """One document to derive: the file to parse and the region configured for it."""

    path: Path
    region: Region | None = None


@dataclass
class Derived:
    """What parsing and checking one document produced: a report with its rule results, or why not.

    `failure` is (code, reason) when the document could not be read as a report; `check_error` says why the
    rules could not run on a report (it is then unverified and quarantined).
    """

    report: Report | None = None
    results: list[RuleResult] = field(default_factory=list)
    check_error: str | None = None
    failure: tuple[str, str] | None = None
    parse_seconds: float = 0.0
    check_seconds: float = 0.0


def parse_one(job: Job) -> Derived:
    """Parse one file; a refusal or a parser crash is a failure with its reason, never raised."""
    import time

    from juesuan.parsing import PARSER_VERSION
    from juesuan.parsing.document import NotAFinalAccount
    from juesuan.sandbox import ParseLimitExceeded, parse_report_limited

    t0 = time.perf_counter()
    try:
        report = parse_report_limited(job.path, region_hint=job.region)  # per-document time and memory limits
    except NotAFinalAccount as exc:
        return Derived(failure=(str(exc.code), exc.reason), parse_seconds=time.perf_counter() - t0)
    except ParseLimitExceeded as exc:
        return Derived(failure=(exc.code, exc.reason), parse_seconds=time.perf_counter() - t0)
    except Exception as exc:  # a parser bug on one file must not stop the night's run; it is recorded
        reason = f"parser crashed: {type(exc).__name__}: {exc}".splitlines()[0]
        return Derived(failure=("parser_crash", reason), parse_seconds=time.perf_counter() - t0)
    report.parser_version = report.parser_version or PARSER_VERSION
    region = job.region
    if region is not None and not (report.region.province or report.region.city or report.region.county):
        report.region = region
    return Derived(report=report, parse_seconds=time.perf_counter() - t0)


def check_batch(derived: Sequence[Derived], runner: str = "gx") -> None:
    """Check every parsed report of `derived` as one batch, filling in results (or check_error) in place."""
    import time

    from expectations.engine import run_checks_batch

    todo = [d for d in derived if d.report is not None]
    if not todo:
        return
    t0 = time.perf_counter()
    try:
        runs = run_checks_batch([d.report for d in todo], runner=runner)  # type: ignore[misc]
    except Exception as exc:  # no rule ran, so the reports are unverified: quarantined, saying why
        error = f"rule checks crashed: {type(exc).__name__}: {exc}".splitlines()[0]
        for d in todo:
            d.results, d.check_error = [], error
        return
    share = (time.perf_counter() - t0) / len(todo)
    for d, run in zip(todo, runs, strict=True):
        d.results, d.check_seconds = run.results, share


def derive_batch(jobs: Sequence[Job], runner: str = "gx") -> list[Derived]:
    """Parse each job's file, then check the reports together: one batch of work (what a worker runs)."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    out = [parse_one(job) for job in jobs]
    check_batch(out, runner)
    return out


def batches(n: int, workers: int, batch_size: int) -> list[range]:
    """Index ranges of at most `batch_size` covering 0..n, at least one per worker when there are enough."""
    if n <= 0:
        return []
    size = max(1, min(batch_size, math.ceil(n / max(workers, 1))))
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def derive_all(
    jobs: Sequence[Job],
    *,
    runner: str = "gx",
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[Job, Derived]]:
    """Every job's Derived, in input order, computed by `workers` processes (in process for one, or few jobs).

    Results are yielded as each batch completes, so the caller (the warehouse's single writer) stages them
    while the workers go on; at most a few batches wait in memory.
    """
    workers = default_workers() if workers is None else max(1, workers)
    ranges = batches(len(jobs), workers, batch_size)
    if workers == 1 or len(jobs) < MIN_PARALLEL_DOCUMENTS or len(ranges) < 2:
        for r in ranges:
            chunk = [jobs[i] for i in r]
            yield from zip(chunk, derive_batch(chunk, runner), strict=True)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=ctx) as pool:
        # submitted a few at a time: a worker's finished batch is staged while later ones are still parsed
        pending = []
        ahead = 2 * workers
        it = iter(ranges)
        for r in it:
            chunk = [jobs[i] for i in r]
            pending.append((chunk, pool.submit(derive_batch, chunk, runner)))
            if len(pending) >= ahead:
                break
        while pending:
            chunk, future = pending.pop(0)
            derived = future.result()
            nxt = next(it, None)
            if nxt is not None:
                more = [jobs[i] for i in nxt]
                pending.append((more, pool.submit(derive_batch, more, runner)))
            yield from zip(chunk, derived, strict=True)


def map_batches(
    fn: Callable[..., list[T]],
    items: Sequence[Any],
    *args: Any,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[T]:
    """`fn(batch, *args)` over `items` cut into batches, in `workers` spawned processes (in process when one
    worker or few items); the outputs in input order, yielded as batches complete. `fn` must be importable
    (a module-level function) and its arguments picklable."""
    workers = default_workers() if workers is None else max(1, workers)
    ranges = batches(len(items), workers, batch_size)
    if workers == 1 or len(items) < MIN_PARALLEL_DOCUMENTS or len(ranges) < 2:
        for r in ranges:
            yield from fn([items[i] for i in r], *args)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=ctx) as pool:
        futures = [pool.submit(fn, [items[i] for i in r], *args) for r in ranges]
        for future in futures:
            yield from future.result()
