"""`juesuan parse FILE [--format json|csv] [--explain]`: read one report (PDF, .xlsx/.xls workbook, HTML
page) and print its typed tables.

`--explain` prints instead, per page, what the parser recognised and why each table was or was not read.

Exit 0 when the report parsed (per-table problems are part of the output), exit 2 with one specific line on
stderr when the file is not a readable final account (HTML named .pdf, encrypted, scanned, a budget, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "parse",
        help="parse one final-accounts report (PDF, xlsx/xls workbook or HTML page) into typed tables",
        description="Parse one 部门决算 (PDF, workbook or HTML article, told apart by content): csv = one row per "
        "printed numeric cell (plus sheet/table and cell address for workbooks and HTML), json = the whole report.",
    )
    p.add_argument("file", type=Path, help="the report: PDF, .xlsx/.xls workbook or HTML page")
    p.add_argument("--format", choices=("json", "csv"), default="json", help="output format (default json)")
    p.add_argument(
        "--engine",
        choices=("pdfium", "pdfplumber"),
        default=None,
        help="page-geometry reader (default: $JUESUAN_PARSER_ENGINE, else pdfium); same table logic",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="print, per page, what was recognised and why each table was or was not read (instead of the data)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from juesuan.parsing import parse_report, resolve_engine
    from juesuan.parsing.document import NotAFinalAccount

    if not args.file.exists():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    try:
        engine = resolve_engine(args.engine)
    except ValueError as exc:  # an unknown engine named in $JUESUAN_PARSER_ENGINE
        print(f"juesuan parse: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "explain", False):
        from juesuan.parsing.explain import explain

        sys.stdout.write("\n".join(explain(args.file, engine=engine)) + "\n")
        return 0
    try:
        report = parse_report(args.file, engine=engine)
    except NotAFinalAccount as exc:
        print(f"{args.file}: {exc.reason}", file=sys.stderr)
        return 2
    if args.format == "csv":
        sys.stdout.write(report.to_cell_csv())
    else:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 0
