"""`juesuan run`: one night of the Dagster pipeline, in process, and its summary.

Crawl → raw store → parse → check → staging → publish, exactly as the nightly schedule and sensors run it, against
a persistent Dagster instance under the data root (`<data root>/dagster`), so document partitions and run history
survive between runs and `dagster dev` with that DAGSTER_HOME shows them. Without `--sources` it serves the
sample portal on 127.0.0.1 for the duration of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from juesuan.paths import data_root


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the nightly pipeline once (crawl, parse, check, publish) and print its summary",
        description="Run the nightly Dagster job once in process. Without --sources, serve the sample portal "
        "on 127.0.0.1 and crawl it.",
    )
    p.add_argument("--sources", type=Path, help="sources YAML file (default: the sample portal)")
    p.add_argument(
        "--warehouse",
        type=Path,
        help="warehouse folder, or its juesuan.duckdb (staging.duckdb and the published juesuan.duckdb; "
        "default <data root>/warehouse)",
    )
    p.set_defaults(func=run)


@contextlib.contextmanager
def sample_portal() -> Iterator[tuple[Path, str]]:
    """Build the sample portal (once, under the data root) and serve it on 127.0.0.1: (sources file, base URL)."""
    from juesuan.portal import sample

    with sample.serve_sample(data_root() / "portal") as (sources_file, url):
        yield sources_file, url


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", module="dagster")
    # great-expectations draws a progress bar per report on stderr; the run summary says what happened instead
    os.environ.setdefault("TQDM_DISABLE", "1")
    with contextlib.ExitStack() as stack:
        if args.sources is None:
            sources_file, portal_url = stack.enter_context(sample_portal())
            print(f"sample portal serving at {portal_url} (sources {sources_file})")
        else:
            sources_file, portal_url = args.sources, ""
            if not sources_file.exists():
                print(f"juesuan run: sources file {sources_file} does not exist", file=sys.stderr)
                return 2
        wh_dir = None
        if args.warehouse is not None:
            from juesuan.commands.warehouse_arg import resolve
            from warehouse.store import PUBLISHED_NAME

            wh_dir, published_file = resolve(args.warehouse)
            if published_file.name != PUBLISHED_NAME:
                print(
                    f"juesuan run: the pipeline publishes {wh_dir / PUBLISHED_NAME}, not {published_file.name}; "
                    "give the warehouse folder",
                    file=sys.stderr,
                )
                return 2
        summary, published = run_once(sources_file, portal_url, wh_dir)
    print(summary.render())
    print(f"juesuan run: published file {published.resolve()}", file=sys.stderr)
    if published.exists():
        print(f"warehouse: {published} (open it read-only)")
    return 0 if summary.ok else 1


def run_once(sources_file: Path, portal_url: str = "", warehouse: Path | None = None):  # type: ignore[no-untyped-def]
    """One night against the persistent instance under the data root; returns (summary, published file path)."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.nightly import dagster_home, run_nightly
    from pipelines.resources import ParseCacheResource, WarehouseResource

    root = data_root()
    defs = build_definitions(
        data_root=str(root),
        sources_file=str(sources_file.resolve()),
        portal_url=portal_url,
        warehouse=str(warehouse.resolve()) if warehouse else "",
    )
    published = WarehouseResource(path=str(warehouse or ""), root=str(root)).published_path()
    instance = dg.DagsterInstance.local_temp(tempdir=str(dagster_home(root)))
    try:
        summary = run_nightly(
            defs,
            instance,
            ParseCacheResource(root=str(root)).cache(),
            published_path=published,
            log_level="WARNING",
        )
        if summary.ok:  # the sensors' cursors where `dagster dev` on this data folder expects them
            from pipelines.cursors import sync_sensor_cursors

            sync_sensor_cursors(instance)
    finally:
        instance.dispose()
    return summary, published
