"""The 部门预算 table family of one PDF → typed `Table`s, read by the final-account grid machinery.

Page geometry, ruled and unruled grids, header roles, panels and code composition are
`juesuan.parsing.tables`'; only the vocabulary differs (`juesuan.budgets.vocabulary`): which titles are budget
tables, which header is which measure, which label is which line item.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from juesuan.budgets import vocabulary as v
from juesuan.budgets.extras import coded_extras_only
from juesuan.model import Row
from juesuan.parsing.grid import Grid
from juesuan.parsing.pdfgeom import PageGeom
from juesuan.parsing.tables import (
    Found,
    TablesResult,
    TableVocabulary,
    _row_texts,
    parse_tables,
    using_vocabulary,
)


def _title_only(g: Grid) -> bool:
    """A frame around the title alone (深圳 draws the 三公 title in a one-cell box above the table)."""
    texts = [t for r in range(g.nrows) for _, t in _row_texts(g, r) if t]
    return g.nrows == 1 and len(texts) == 1 and v.classify_title(texts[0]) is not None


def _by_fund_source(g: Grid) -> bool:
    """A 三公 header row naming the fund sources (一般公共预算 / 政府性基金预算 / 国有资本经营预算) under each item."""
    for r in range(min(4, g.nrows)):
        texts = [t for _, t in _row_texts(g, r) if t]
        if sum(t.startswith(("一般公共预算", "政府性基金", "国有资本")) for t in texts) >= 3:
            return True
    return False


def merge_repeated_titles(found: list[Found]) -> list[Found]:
    """One table whose title is printed again atop each page (烟台, 深圳 print 收入总体情况表 on both pages of it):
    a located table with the same kind and title on the page after the previous one continues it."""
    out: list[Found] = []
    for f in found:
        f.grids = [g for g in f.grids if not _title_only(g)]
        if f.kind == "three_public" and f.grids and _by_fund_source(f.grids[0]):
            f.kind = "three_public_funds"  # 深圳: a column per item × fund source, a row per year
        prev = out[-1] if out else None
        if (
            prev is not None
            and f.grids
            and prev.grids
            and f.kind == prev.kind
            and f.title == prev.title
            and f.grids[0].page - prev.last_page == 1
        ):
            prev.grids.extend(f.grids)
            prev.note_lines.extend(f.note_lines)
            prev.last_page = f.last_page
            prev.unreadable += f.unreadable
            prev.chars += f.chars
            continue
        out.append(f)
    return out


_YEAR_LABEL = re.compile(r"(?:(?:19|20)\d{2}\s*年度?|增减.*)$")


def unit_blocks(kind: str, rows: list[Row]) -> None:
    """Key the rows of per-unit blocks by their unit (深圳 prints 支出总表 and 一般公共预算支出表 as a block per
    budget unit: the unit's row, then its codes, the same codes again in the next unit's block).

    Likewise a second classification keys the rows (`gov_economic:<code>`) only where the first codes repeat.

    Only where blocks repeat codes: a coded row under a unit's row gets that unit's line item (`unit:<name>`),
    so each block keeps its own rows. A table with one block (the department alone) keeps its codes unqualified,
    so it lines up with the department's final account by code. The 三公 table printed per unit and year (a row
    per year, the unit named on its first) gets `@unit:<name>` on every row's side key after the first unit.
    """
    crossed = [r for r in rows if r.subject_code and (r.line_item or "").startswith(f"{v.CROSS_KEY}:")]
    if crossed and len({r.subject_code for r in crossed}) == len(crossed):
        # each 部门经济分类 code printed once (西安 prints the 政府经济分类 款 beside each 款 as an annotation):
        # the first code alone keys the rows, as in a table without the second classification
        for r in crossed:
            r.line_item = None
    coded_units = {
        r.line_item: m.group(1)
        for r in rows
        if (m := re.match(r"unit:(\d{3,})", r.line_item or "")) and not r.subject_code
    }
    for r in rows:
        code = coded_units.get(r.line_item)
        if code and any(c != code and c.startswith(code) for c in coded_units.values()):
            # 西安: 119 西安市统计局 above 119001 / 119002 …: the group of the units whose codes it begins
            r.line_item = f"unit_group:{r.line_item[5:]}"
    if kind == "three_public_funds":
        unit, first = None, None
        for row in rows:
            li = row.line_item or ""
            if not li.startswith("three_public.side:"):
                continue
            name = _YEAR_LABEL.sub("", row.label).strip()
            if name:
                unit = name
                first = first or name
            if unit and unit != first:
                row.line_item = f"{li}@unit:{unit}"
        return
    unit: str | None = None
    owner: dict[str, set[str]] = {}
    blocks: list[tuple[Row, str]] = []
    for row in rows:
        if (row.line_item or "").startswith("unit:") and not row.subject_code:
            unit = row.line_item
        elif row.line_item == "total":
            unit = None
        elif row.subject_code and unit and not row.line_item:
            owner.setdefault(row.subject_code, set()).add(unit)
            blocks.append((row, unit))
    if any(len(units) > 1 for units in owner.values()):
        for row, unit in blocks:
            row.line_item = unit


BUDGET_VOCABULARY = TableVocabulary(
    classify_title=v.classify_title,
    measure=v.measure,
    line_item=v.line_item,
    kinds=v.PARSED_KINDS + v.FOLDED_KINDS,
    single_classification=True,
    cross_key=v.CROSS_KEY,
    label_column=v.label_column,
    post_locate=lambda found: coded_extras_only(merge_repeated_titles(found)),
    post_rows=unit_blocks,
    panel_side=v.panel_side,
    family="预算",
)


def parse_budget_tables(
    source: Path | str | pdfium.PdfDocument,
    timings: dict[str, float] | None = None,
    engine: str | None = None,
    year: int | None = None,
    pages: list[PageGeom] | None = None,
) -> TablesResult:
    """Every budget table of a 部门预算 PDF, keyed by budget table kind (absent ones with status `absent`).

    `year` is the budget's year: a column headed with an earlier year (2025年预算数) is the prior-year measure.
    `pages` is the geometry the document pass already read, if it did.
    """
    with using_vocabulary(BUDGET_VOCABULARY), v.budget_year(year):
        return parse_tables(source, timings=timings, engine=engine, pages=pages)
