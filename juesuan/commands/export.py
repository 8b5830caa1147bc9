"""`juesuan export` writes the mart views of the published warehouse; `juesuan query` runs one SQL query on it.

Both open the published file read-only, so they run safely while an ingest publishes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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

    q = subparsers.add_parser(
        "query",
        help="run a SQL query (text or .sql file) on the published warehouse, read-only",
        description="Run one query against the published file, e.g. juesuan query docs/queries/01_*.sql",
    )
    q.add_argument("sql", help="SQL text, or the path of a .sql file")
    q.add_argument("--warehouse", type=Path, default=None, help="warehouse folder or published .duckdb file")
    q.add_argument("--format", choices=("table", "csv"), default="table")
    q.set_defaults(func=run_query)


def _published(target: Path | None, command: str = "query") -> Path:
    from juesuan.commands.warehouse_arg import announce, resolve

    _, published = resolve(target)
    announce(command, published, "reading (read-only)")
    return published


def run_query(args: argparse.Namespace) -> int:
    import csv

    import duckdb

    from warehouse import connect_published

    text = args.sql
    if text.endswith(".sql") and Path(text).exists():
        text = Path(text).read_text(encoding="utf-8")
    published = _published(args.warehouse)
    if not published.exists():
        print(f"{published} does not exist: run `juesuan ingest` first", file=sys.stderr)
        return 2
    con = connect_published(published)
    try:
        if args.format == "csv":
            cur = con.execute(text)
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow([d[0] for d in cur.description])
            while batch := cur.fetchmany(5000):
                w.writerows(batch)
        else:
            rel = con.sql(text)
            if rel is not None:  # None for a statement without a result
                rel.show(max_rows=200, max_width=10_000)
    except duckdb.Error as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def run(args: argparse.Namespace) -> int:
    from warehouse.export import ExportError, export_mart

    published = _published(args.warehouse, "export")
    try:
        written = export_mart(published, args.format, args.out, views=args.view)
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
