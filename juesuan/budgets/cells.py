"""A 部门预算 published as a workbook or an inline HTML article → a typed `Report` of kind `budget`.

The workbook and HTML readers (`juesuan.parsing.spreadsheet`, `htmlreport`) lay their cells out as virtual pages;
when the text says 预算 (`identify`), the same pages are read with the budget vocabulary and assembled as a PDF
budget is (`juesuan.budgets.parse.assemble_budget`), so a budget is a budget whatever its format. A page about a
budget that holds neither a budget table nor a budget figure (a portal's list of attachment links) is refused.
"""

from __future__ import annotations

from juesuan.budgets import vocabulary as v
from juesuan.budgets.parse import assemble_budget
from juesuan.budgets.tables import BUDGET_VOCABULARY
from juesuan.model import Region, Report, SourceInfo
from juesuan.parsing.cellgrid import CellSheet, attach_provenance, tables_from_sheets
from juesuan.parsing.tables import using_vocabulary


def budget_from_cells(
    sheets: list[CellSheet],
    *,
    page_texts: list[str],
    source: SourceInfo,
    region_hint: Region | None,
    what: str,
    html: bool,
) -> Report | None:
    """The budget in `sheets`, or None when the text does not say 预算 (a final account: the caller reads it)."""
    from juesuan.parsing import PARSER_VERSION, _add_narrative
    from juesuan.parsing.document import NotAFinalAccount, identify
    from juesuan.regions import resolve_region

    identity = identify(page_texts)
    if identity.kind != "budget":
        return None
    with using_vocabulary(BUDGET_VOCABULARY), v.budget_year(identity.year):
        result, placed = tables_from_sheets(sheets)
    report = Report(
        department=identity.department,
        year=identity.year,
        region=resolve_region(identity.department, hint=region_hint),
        kind="budget",
        source=source,
        parser_version=PARSER_VERSION,
    )
    assemble_budget(report, result, page_texts, len(sheets), [])
    _add_narrative(report, page_texts)
    tables_read = any(t.status != "absent" for t in report.tables.values())
    if not tables_read and not any(f.kind == "amount" for f in report.narrative):
        raise NotAFinalAccount(
            "no_tables",
            f"a {what} about a budget (“{identity.cover_title}”) holding neither a budget table nor a budget "
            "figure (a list of links to the documents?)",
        )
    attach_provenance(report, placed, html=html)
    return report


__all__ = ["budget_from_cells"]
