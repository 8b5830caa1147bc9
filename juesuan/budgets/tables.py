"""The 部门预算 table family of one PDF → typed `Table`s, read by the final-account grid machinery.

Page geometry, ruled and unruled grids, header roles, panels and code composition are
`juesuan.parsing.tables`'; only the vocabulary differs (`juesuan.budgets.vocabulary`): which titles are budget
tables, which header is which measure, which label is which line item.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from juesuan.budgets import vocabulary as v
from juesuan.parsing.tables import TablesResult, TableVocabulary, parse_tables, using_vocabulary

BUDGET_VOCABULARY = TableVocabulary(
    classify_title=v.classify_title,
    measure=v.measure,
    line_item=v.line_item,
    kinds=v.PARSED_KINDS,
    single_classification=True,
)


def parse_budget_tables(
    source: Path | str | pdfium.PdfDocument,
    timings: dict[str, float] | None = None,
    engine: str | None = None,
    year: int | None = None,
) -> TablesResult:
    """Every budget table of a 部门预算 PDF, keyed by budget table kind (absent ones with status `absent`).

    `year` is the budget's year: a column headed with an earlier year (2025年预算数) is the prior-year measure.
    """
    with using_vocabulary(BUDGET_VOCABULARY), v.budget_year(year):
        return parse_tables(source, timings=timings, engine=engine)
