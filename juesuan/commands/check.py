"""`juesuan check FILE.pdf`: parse one report and print what the rule catalogue finds in it."""

from __future__ import annotations

import argparse
import csv
import sys
from decimal import Decimal
from pathlib import Path

from juesuan.model import RuleResult
from juesuan.paths import data_root

_COLUMNS = (
    "rule_id",
    "severity",
    "outcome",
    "table",
    "code_or_line",
    "measure",
    "expected",
    "actual",
    "difference",
    "message",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check",
        help="parse one report and check its arithmetic identities (exit 1 when an error rule fails)",
        description="Parse one final-accounts PDF, run the rule catalogue through great-expectations and print "
        "failures, rounding notes and other non-pass outcomes. Exit 0: publishable; 1: an error-severity rule "
        "failed (or a required table could not be parsed); 2: the file could not be parsed at all; 3: a rule "
        "could not run (execution_error): the report is not vouched for.",
    )
    p.add_argument("file", type=Path, help="a final-accounts PDF")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument(
        "--all",
        action="store_true",
        help="also print passes and not-applicable rules (default: only findings)",
    )
    p.add_argument("--no-docs", action="store_true", help="skip the GX Data Docs HTML")
    p.set_defaults(func=run)


def _shown(r: RuleResult, show_all: bool) -> bool:
    if show_all:
        return True
    return r.outcome not in ("pass", "not_applicable") or r.within_rounding


def _yuan(v: Decimal | None, unit_is_percent: bool) -> str:
    if v is None:
        return ""
    if unit_is_percent:
        return f"{v:.2f}%"
    return f"{v / 10000:,.2f}万"


def _record(r: RuleResult) -> dict[str, str]:
    pct = r.table_kind == "narrative"
    return {
        "rule_id": r.rule_id,
        "severity": r.severity,
        "outcome": r.outcome + (" (rounding)" if r.within_rounding else ""),
        "table": r.table_kind or "",
        "code_or_line": r.subject_code or r.line_item or "",
        "measure": r.measure or "",
        "expected": _yuan(r.expected, pct),
        "actual": _yuan(r.actual, pct),
        "difference": _yuan(r.difference, pct),
        "message": r.message,
    }


def _order(r: RuleResult) -> tuple:
    rank = {"parse_error": 0, "fail": 1, "execution_error": 2, "insufficient_data": 3, "pass": 4}
    return (r.severity != "error", rank.get(r.outcome, 5), r.rule_id)


def run(args: argparse.Namespace) -> int:
    from expectations import blocking, run_checks, write_results_csv
    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount

    try:
        report = parse_report(args.file)
    except NotAFinalAccount as exc:
        print(f"{args.file}: not checked: {exc.reason}", file=sys.stderr)
        return 2
    except Exception as exc:  # any parser failure on this file: exit 2 with the reason, not a traceback
        print(f"{args.file}: could not be parsed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    sha = report.source.sha256 if report.source else "unknown"
    out_dir = data_root() / "checks" / sha[:16]
    docs_dir = None if args.no_docs else out_dir / "data_docs"
    run_ = run_checks(report, runner="gx", data_docs_dir=docs_dir)
    results_csv = write_results_csv(run_.results, out_dir / "rule_results.csv")
    shown = sorted((r for r in run_.results if _shown(r, args.all)), key=_order)
    records = [_record(r) for r in shown]
    if args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(records)
    else:
        _print_table(records)
    n_fail = sum(r.outcome == "fail" for r in run_.results)
    errors = sum(r.outcome in ("fail", "parse_error") and r.severity == "error" for r in run_.results)
    notes = sum(r.within_rounding for r in run_.results)
    print(
        f"{args.file.name}: {len(run_.results)} results, {n_fail} failures ({errors} blocking), "
        f"{notes} rounding notes; checked in {run_.timings.get('total', 0):.2f}s",
        file=sys.stderr,
    )
    print(f"rule results: {results_csv}", file=sys.stderr)
    if run_.data_docs_index is not None:
        print(f"GX Data Docs: {run_.data_docs_index}", file=sys.stderr)
    if blocking(run_.results):
        return 1
    unresolved = sorted({r.rule_id for r in run_.results if r.outcome == "execution_error"})
    if unresolved:
        print(f"rules that could not run: {', '.join(unresolved)}", file=sys.stderr)
        return 3
    return 0


def _print_table(records: list[dict[str, str]]) -> None:
    if not records:
        print("no findings")
        return
    widths = {c: max(len(c), *(_width(rec[c]) for rec in records)) for c in _COLUMNS if c != "message"}
    header = "  ".join(c.ljust(widths[c]) for c in _COLUMNS if c != "message") + "  message"
    print(header)
    for rec in records:
        cells = [rec[c] + " " * (widths[c] - _width(rec[c])) for c in _COLUMNS if c != "message"]
        print("  ".join(cells) + "  " + rec["message"])


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
