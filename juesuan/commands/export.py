"""`juesuan export --format parquet|csv|xlsx --out DIR`: write the mart views of the published warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from juesuan.commands.ingest import default_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="write the mart views as parquet, csv or xlsx",
        description="Export the mart views of the published warehouse file (read-only; safe during an ingest).",
    )
    p.add_argument("--format", choices=("parquet", "csv", "xlsx"), required=True)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder or published .duckdb file (default: <data root>/warehouse)",
    )
    p.add_argument("--view", action="append", default=None, help="only this mart view (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse import PUBLISHED_NAME
    from warehouse.export import ExportError, export_mart

    target = args.warehouse or default_warehouse()
    published = target if target.suffix == ".duckdb" else target / PUBLISHED_NAME
    try:
        written = export_mart(published, args.format, args.out, views=args.view)
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
