"""Reports that are not PDFs: dispatch by content (never by file name) and the steps every format shares.

`parse_other(path, data, kind)` reads workbooks (`spreadsheet.py`) and HTML articles (`htmlreport.py`);
`finish_report` gives them the PDF path's identity (department, year, 决算/预算, region), refusals and narrative.
"""

from __future__ import annotations

from pathlib import Path

from juesuan.model import Problem, Region, Report, SourceInfo
from juesuan.parsing.tables import TablesResult

#: Sniffed kinds (juesuan.sniff) read by a parser other than the PDF one.
CELL_FORMATS = frozenset({"xlsx", "xls", "html"})


def parse_other(path: Path, data: bytes, kind: str, region_hint: Region | None = None) -> Report:
    """The report in a workbook or an HTML article (`kind` from `sniff_bytes`)."""
    if kind in ("xlsx", "xls"):
        from juesuan.parsing.spreadsheet import parse_workbook

        return parse_workbook(path, data, kind, region_hint)
    if kind == "html":
        from juesuan.parsing.htmlreport import parse_html_report

        return parse_html_report(path, data, region_hint)
    raise ValueError(f"no parser for {kind}")


def finish_report(
    result: TablesResult,
    *,
    page_texts: list[str],
    source: SourceInfo,
    region_hint: Region | None,
    what: str,
) -> Report:
    """Identity, refusals and narrative around the tables read from cells, as `parse_report` does for PDFs."""
    from juesuan.parsing import PARSER_VERSION, _add_narrative
    from juesuan.parsing.document import NotAFinalAccount, identify
    from juesuan.regions import resolve_region

    identity = identify(page_texts)
    if identity.kind == "budget":
        raise NotAFinalAccount(
            "budget_report",
            f"budget report (部门预算), not a final account: the {what} reads “{identity.cover_title}”",
        )
    if all(t.status == "absent" for t in result.tables.values()):
        raise NotAFinalAccount("no_tables", f"not a final-accounts report: no 决算 table found in the {what}")
    report = Report(
        department=identity.department,
        year=identity.year,
        region=resolve_region(identity.department, hint=region_hint),
        kind=identity.kind,
        source=source,
        parser_version=PARSER_VERSION,
    )
    report.tables = result.tables
    report.problems.extend(result.problems)
    for table in result.tables.values():
        report.problems.extend(table.problems)
    if not any(t.status in ("parsed", "empty") for t in result.tables.values()):
        report.problems.append(
            Problem(
                code="no_tables", message="none of the public 决算 tables could be read", severity="error"
            )
        )
    _add_narrative(report, page_texts)
    return report


__all__ = ["CELL_FORMATS", "finish_report", "parse_other"]
