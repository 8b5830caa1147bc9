"""Parse and check documents in batches, in worker processes: the CPU-bound part of a night, in parallel.

Parsing is per document; checking is per batch (`expectations.engine.run_checks_batch`: each rule planned once
for the batch). A batch is the unit of work a process takes: its documents are parsed and checked there and
come back as `Derived` values, in input order, to the one process that writes the warehouse (DuckDB has one
writer; staging stays single-threaded and correct whatever the number of workers). Workers are started with
`spawn` (never `fork`: the parent may hold DuckDB and GX threads) and each imports the parser and the rules
once; a run too small to pay for that is done in process. When the deployment names a Dask scheduler
(`JUESUAN_DASK_SCHEDULER` or the parse_cache resource's `dask_scheduler`), the same batches are tasks of that
cluster instead, on as many machines as it has workers (docs/scaling.md).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from juesuan.model import Region, Report, RuleResult

T = TypeVar("T")

#: Documents per batch: large enough that the per-batch cost of the rules (GX context and checkpoint, planning
#: each rule's query) is small per report, small enough that a worker's memory stays bounded whatever the corpus
#: size. Measured CPU per report for checking (57 rules, GX): 0.58 s at 5, 0.21 s at 25, 0.14 s at 50.
DEFAULT_BATCH_SIZE = 50
#: Below this many documents, starting worker processes costs more than it saves.
MIN_PARALLEL_DOCUMENTS = 12
#: `JUESUAN_WORKERS`: how many processes parse and check (default: the machine's CPU count).
WORKERS_ENV = "JUESUAN_WORKERS"
#: `JUESUAN_DASK_SCHEDULER`: address of a Dask scheduler (tcp://host:8786) whose workers parse and check.
DASK_ENV = "JUESUAN_DASK_SCHEDULER"


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


def check_batch(derived: Sequence[Derived], runner: str = "gx", data_docs_dir: Path | None = None) -> None:
    """Check every parsed report of `derived` as one batch, filling in results (or check_error) in place; the
    batch's GX validation gets a page in the Data Docs site at `data_docs_dir` (the warehouse's one site)."""
    import time

    from expectations.engine import run_checks_batch

    todo = [d for d in derived if d.report is not None]
    if not todo:
        return
    t0 = time.perf_counter()
    try:
        runs = run_checks_batch(
            [d.report for d in todo],  # type: ignore[misc]
            runner=runner,  # type: ignore[arg-type]
            data_docs_dir=data_docs_dir,
        )
    except Exception as exc:  # no rule ran, so the reports are unverified: quarantined, saying why
        error = f"rule checks crashed: {type(exc).__name__}: {exc}".splitlines()[0]
        for d in todo:
            d.results, d.check_error = [], error
        return
    share = (time.perf_counter() - t0) / len(todo)
    for d, run in zip(todo, runs, strict=True):
        d.results, d.check_seconds = run.results, share


def derive_batch(jobs: Sequence[Job], runner: str = "gx", data_docs_dir: Path | None = None) -> list[Derived]:
    """Parse each job's file, then check the reports together: one batch of work (what a worker runs)."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    out = [parse_one(job) for job in jobs]
    check_batch(out, runner, data_docs_dir)
    return out


def batches(n: int, workers: int, batch_size: int) -> list[range]:
    """Index ranges of about `batch_size` (at most 1.5×) covering 0..n, in a multiple of `workers` of equal
    size, so that no worker is left with a last batch while the others wait idle."""
    if n <= 0:
        return []
    workers = max(workers, 1)
    rounds = max(1, round(n / (workers * max(batch_size, 1))))
    count = min(n, workers * rounds)
    base, extra = divmod(n, count)
    bounds = list(itertools.accumulate([base + 1] * extra + [base] * (count - extra), initial=0))
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def derive_all(
    jobs: Sequence[Job],
    *,
    runner: str = "gx",
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cluster: str | None = None,
    data_docs_dir: Path | None = None,
) -> Iterator[tuple[Job, Derived]]:
    """Every job's Derived, in input order, computed by `workers` processes (in process for one, or few jobs),
    or by the Dask cluster at `cluster` (default `JUESUAN_DASK_SCHEDULER`)."""
    derived = map_batches(
        derive_batch, jobs, runner, data_docs_dir, workers=workers, batch_size=batch_size, cluster=cluster
    )
    yield from zip(jobs, derived, strict=True)


def map_batches(
    fn: Callable[..., list[T]],
    items: Sequence[Any],
    *args: Any,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cluster: str | None = None,
) -> Iterator[T]:
    """`fn(batch, *args)` over `items` cut into batches; the outputs in input order, yielded as batches
    complete (so the caller, e.g. the warehouse's single writer, works while later batches run).

    Where the batches run is the deployment's choice, not the code's: on the Dask cluster whose scheduler is at
    `cluster` (default: `JUESUAN_DASK_SCHEDULER`; workers on any machine that sees the same files), else in
    `workers` spawned processes on this machine, else (one worker, or too few items to pay for starting
    processes) in this process. `fn` must be a module-level function and its arguments picklable.
    """
    cluster = cluster if cluster is not None else os.environ.get(DASK_ENV, "").strip()
    if cluster:
        yield from _on_dask(cluster, fn, items, args, batch_size)
        return
    workers = default_workers() if workers is None else max(1, workers)
    ranges = batches(len(items), workers, batch_size)
    if workers == 1 or len(items) < MIN_PARALLEL_DOCUMENTS or len(ranges) < 2:
        for r in ranges:
            yield from fn([items[i] for i in r], *args)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=ctx) as pool:
        yield from _in_order(pool.submit, fn, items, args, ranges, ahead=2 * workers)


def _in_order(
    submit: Callable[..., Any],
    fn: Callable[..., list[T]],
    items: Sequence[Any],
    args: tuple,
    ranges: list[range],
    ahead: int,
) -> Iterator[T]:
    """Submit at most `ahead` batches at a time (bounded memory) and yield their outputs in order."""
    it = iter(ranges)
    pending = [submit(fn, [items[i] for i in r], *args) for r in itertools.islice(it, ahead)]
    while pending:
        out = pending.pop(0).result()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(submit(fn, [items[i] for i in nxt], *args))
        yield from out


def _on_dask(
    address: str, fn: Callable[..., list[T]], items: Sequence[Any], args: tuple, batch_size: int
) -> Iterator[T]:
    """The batches as tasks of the Dask cluster at `address` (one task per batch, never retried elsewhere with
    a different result: the work is deterministic and its cache writes are atomic)."""
    from distributed import Client

    with Client(address, set_as_default=False, timeout="30s") as client:
        slots = max(1, sum(client.nthreads().values()))
        ranges = batches(len(items), slots, batch_size)

        def submit(f: Callable[..., Any], batch: list[Any], *a: Any) -> Any:
            return client.submit(f, batch, *a, pure=False)

        yield from _in_order(submit, fn, items, args, ranges, ahead=2 * slots)
