"""`juesuan dashboard`: the published warehouse in a browser (read-only), on http://127.0.0.1:PORT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from juesuan.commands.ingest import default_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "dashboard",
        help="browse the published warehouse: compare, profile, drill down, data quality, source pages",
        description="Start the dashboard (server-rendered web pages) on the published warehouse file, read-only. "
        "It binds 127.0.0.1 unless --address says otherwise and needs no internet access.",
    )
    p.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder or published .duckdb file (default: <data root>/warehouse)",
    )
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from juesuan.dashboard.web import main as web_main
    from warehouse import PUBLISHED_NAME

    target = args.warehouse or default_warehouse()
    published = target if target.suffix == ".duckdb" else target / PUBLISHED_NAME
    if not published.exists():
        print(
            f"no published warehouse at {published}: run `juesuan run` or `juesuan ingest` first",
            file=sys.stderr,
        )
        return 2
    print(
        f"dashboard on http://{args.address}:{args.port} (warehouse {published}, read-only); Ctrl-C stops it"
    )
    # in this process (no child left behind when the command is stopped)
    return web_main(["--warehouse", str(published), "--port", str(args.port), "--address", args.address])
