"""The `juesuan` command line: one subcommand per step a person runs by hand.

Each subcommand lives in its own module under `juesuan.commands` exposing `register(subparsers)`; this module
only assembles them, so adding a stage means adding one module and one line to COMMAND_MODULES.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from juesuan import __version__

COMMAND_MODULES: list[str] = [
    "juesuan.commands.parse",
    "juesuan.commands.run",
    "juesuan.commands.ingest",
    "juesuan.commands.export",
    "juesuan.commands.sample",
    "juesuan.commands.crawl",
    "juesuan.commands.portal",
    "juesuan.commands.check",
    "juesuan.commands.rebuild",
    "juesuan.commands.dashboard",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="juesuan",
        description="Crawl, parse, verify and publish Chinese department final-accounts reports (部门决算).",
    )
    parser.add_argument("--version", action="version", version=f"juesuan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
