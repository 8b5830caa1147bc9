"""`juesuan ingest --from-dir DIR`, `juesuan reparse` and `juesuan recheck`: load reports into the warehouse and publish them.

ingest: every report file in a folder is kept (raw store), parsed, checked, staged and then published atomically;
prints published / quarantined / failed with reasons and the path to query. reparse: after a parser upgrade,
re-derive every document from its kept raw file with the current parser, then publish. recheck: after the rule
catalogue changed, re-check the documents judged by another catalogue version, update their status, publish.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from juesuan.paths import data_root


def default_warehouse() -> Path:
    return data_root() / "warehouse"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ingest",
        help="parse, check, stage and publish every report in a folder",
        description="Load every report in a folder (parse → check → stage → publish) into the DuckDB warehouse.",
    )
    p.add_argument(
        "--from-dir", type=Path, required=True, help="folder of report files (searched recursively)"
    )
    p.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder, or the published .duckdb file in it (default: <data root>/warehouse)",
    )
    p.add_argument(
        "--region",
        default=None,
        help="region of every report, 省/市/县 (e.g. 湖南省/株洲市/荷塘区, 上海市//普陀区, 中央); "
        "default: read from each department name",
    )
    p.add_argument(
        "--rules-runner",
        choices=("gx", "duckdb"),
        default="gx",
        help="run the rule suites through great-expectations (default) or DuckDB only (faster, same rules)",
    )
    p.add_argument("--no-publish", action="store_true", help="stage only; publish later")
    _workers_option(p)
    p.set_defaults(func=run_ingest)

    r = subparsers.add_parser(
        "reparse",
        help="re-derive documents from their kept raw files after a parser upgrade, then publish",
        description="Re-parse and re-check every document whose parser version differs from the current one.",
    )
    r.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder, or the published .duckdb file in it (default: <data root>/warehouse)",
    )
    r.add_argument("--all", action="store_true", help="re-derive every document, not only outdated ones")
    r.add_argument("--rules-runner", choices=("gx", "duckdb"), default="gx")
    _workers_option(r)
    r.set_defaults(func=run_reparse)

    c = subparsers.add_parser(
        "recheck",
        help="re-check documents against the current rule catalogue after a rule changed, then publish",
        description="Re-run the rules on every current document checked with another catalogue version "
        "(expectations.catalogue_version()); published <-> quarantined follows the new results.",
    )
    c.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder, or the published .duckdb file in it (default: <data root>/warehouse)",
    )
    c.add_argument(
        "--all", action="store_true", help="re-check every current document, not only outdated ones"
    )
    c.add_argument("--rules-runner", choices=("gx", "duckdb"), default="gx")
    _workers_option(c)
    c.set_defaults(func=run_recheck)


def _workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that parse and check, in batches (default: JUESUAN_WORKERS or the CPU count; "
        "JUESUAN_DASK_SCHEDULER sends the batches to a Dask cluster instead)",
    )


def _quiet_progress_bars() -> None:
    """great-expectations draws a tqdm bar per report; the summary is what a person reads (TQDM_DISABLE=0 wins)."""
    os.environ.setdefault("TQDM_DISABLE", "1")


def _load_and_publish(load: Callable[[], Any], done: str) -> int:
    """Run an ingest or reparse and print its summary; exit 3 when another writer holds the warehouse, 1 when
    the documents were staged (`done`) but the published file could not be replaced."""
    import duckdb

    from warehouse import PublishError, WarehouseBusy

    try:
        summary = load()
    except WarehouseBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except PublishError as exc:
        print(f"{done}, but the published file was NOT replaced: {exc}", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:  # disk full, read-only folder: the published file is untouched
        from warehouse.errors import is_write_failure

        if isinstance(exc, duckdb.Error) and not is_write_failure(exc):
            raise
        print(
            f"stopped: could not write the warehouse ({type(exc).__name__}: {exc}); the published file was NOT "
            "replaced, run again once there is room",
            file=sys.stderr,
        )
        return 1
    print(summary.render())
    return 0


def run_ingest(args: argparse.Namespace) -> int:
    _quiet_progress_bars()
    from juesuan.commands.warehouse_arg import announce, resolve
    from warehouse.ingest import default_checker, ingest_dir, parse_region_option

    try:
        region = parse_region_option(args.region)
    except ValueError as exc:
        print(f"--region: {exc}", file=sys.stderr)
        return 2
    if not args.from_dir.is_dir():
        print(f"{args.from_dir}: not a folder", file=sys.stderr)
        return 2
    root, published = resolve(args.warehouse)
    announce("ingest", published, "publishing to")
    rc = _load_and_publish(
        lambda: ingest_dir(
            args.from_dir,
            root,
            region=region,
            checker=default_checker(args.rules_runner),
            publish=not args.no_publish,
            published_path=published,
            workers=args.workers,
        ),
        "staged",
    )
    if rc == 0 and args.no_publish:
        print(
            f"staged in {Path(root) / 'staging.duckdb'}; run `juesuan ingest` again or publish to update mart"
        )
    return rc


def run_reparse(args: argparse.Namespace) -> int:
    from warehouse.ingest import reparse

    return _rederive(args, reparse, "re-derived")


def run_recheck(args: argparse.Namespace) -> int:
    from warehouse.ingest import recheck

    return _rederive(args, recheck, "re-checked")


def _rederive(args: argparse.Namespace, step: Callable[..., Any], verb: str) -> int:
    """Run `reparse` or `recheck` over an existing warehouse, then publish once."""
    _quiet_progress_bars()
    from juesuan.commands.warehouse_arg import announce, resolve
    from warehouse.ingest import default_checker

    root, published = resolve(args.warehouse)
    if not (Path(root) / "staging.duckdb").exists():
        print(f"{root}: no warehouse here (run `juesuan ingest` first)", file=sys.stderr)
        return 2
    announce(getattr(args, "command", None) or "reparse", published, "publishing to")
    return _load_and_publish(
        lambda: step(
            root,
            everything=args.all,
            checker=default_checker(args.rules_runner),
            published_path=published,
            workers=getattr(args, "workers", None),
        ),
        verb,
    )
