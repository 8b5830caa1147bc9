"""One 部门预算 PDF → a typed `Report` of kind `budget`: the budget tables, the extras, the narrative.

Called by `juesuan.parsing.parse_report` when the cover (or the tables) say 预算; same Report, same
provenance, same problems, so rules, warehouse and CLI treat both families alike. A budget whose tables are
published elsewhere (a narrative-only 预算情况说明) parses as narrative with every table `absent`, and says so.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

from juesuan.budgets.tables import parse_budget_tables
from juesuan.budgets.vocabulary import extra_table_kind, norm
from juesuan.model import Column, Problem, Report, Row, Table
from juesuan.parsing.document import DocumentInfo
from juesuan.parsing.tables import TablesResult
from juesuan.regions import resolve_region


def parse_budget(
    info: DocumentInfo,
    path: Path | str,
    timings: dict[str, float] | None = None,
    *,
    engine: str | None = None,
) -> Report:
    """The typed report of a budget already opened by `open_document(..., accept_budget=True)`."""
    from juesuan.parsing import PARSER_VERSION, _add_narrative

    department, year = _identity_fallback(info)
    region = info.region
    if department != info.department and not (region.province or region.city or region.county):
        region = resolve_region(department)
    report = Report(
        department=department,
        year=year,
        region=region,
        kind="budget",
        source=info.source_info(),
        parser_version=PARSER_VERSION,  # one parser: a budget change bumps juesuan.parsing.PARSER_VERSION
    )
    report.problems.extend(info.problems)
    result = parse_budget_tables(
        path, timings=timings, engine=engine, year=info.year, pages=info.take_geometry()
    )
    scanned = [i + 1 for i, has_text in enumerate(info.text_layer_pages) if not has_text]
    assemble_budget(report, result, info.page_texts, info.page_count, scanned)
    t0 = time.perf_counter()
    _add_narrative(report, info.page_texts)
    if timings is not None:
        timings["narrative"] = timings.get("narrative", 0.0) + time.perf_counter() - t0
    return report


def assemble_budget(
    report: Report, result: TablesResult, page_texts: list[str], page_count: int, scanned: list[int]
) -> None:
    """The budget tables of `result` into `report` as every format shares them: 三公 folded, 绩效 tables as
    extras, unreadable layouts as parse errors, the extras noted, a table-less budget said to be narrative-only."""
    _fold_three_public(result.tables)
    _fold_fund_tree(result.tables)
    _fold_three_public_by_unit(result.tables)
    lines = normed_lines(page_texts)
    _performance_tables_are_extras(result.tables, lines)
    for table in result.tables.values():
        _unreadable_layout(table)
    report.tables = result.tables
    report.problems.extend(result.problems)
    for table in result.tables.values():
        report.problems.extend(table.problems)
    read = {k for k, t in result.tables.items() if t.status != "absent"}
    report.problems.extend(p for p in extras_report(lines) if p.table_kind not in read)
    if all(t.status == "absent" for t in result.tables.values()):
        if scanned:
            report.problems.append(
                Problem(
                    code="no_text_layer",
                    message=f"no budget table found; pages {scanned} are scanned images without a text layer "
                    "(OCR is not supported), the tables may be there",
                    severity="error",
                )
            )
        else:
            report.problems.append(
                Problem(
                    code="narrative_only",
                    message=f"narrative-only budget: no budget table is printed in its {page_count} pages "
                    "(the tables are published elsewhere); every table is absent",
                    severity="info",
                )
            )


_COVER_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?度?\s*(?:部门|单位)?(?:综合)?预算")


def _identity_fallback(info: DocumentInfo) -> tuple[str, int | None]:
    """Department and year when the cover does not follow the 决算 title pattern (北京: the department's name on
    its own line above “2026 部门预算情况的说明”, without 年)."""
    department, year = info.department, info.year
    text = info.page_texts[0] if info.page_texts else ""
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not re.fullmatch(r"[-—–\s\d]+", ln.strip())
    ]
    if year is None:
        m = next((m for ln in lines[:4] if (m := _COVER_YEAR.search(ln))), None)
        year = int(m.group(1)) if m else None
    if not department and lines and not _COVER_YEAR.search(lines[0]) and 2 <= len(lines[0]) <= 40:
        department = re.sub(r"\s+", "", lines[0])
    return department, year


def _fold_three_public(tables: dict[str, Table]) -> None:
    """广州 prints the 三公 items as rows and the fund sources as columns (财政拨款安排的行政经费及“三公”经费预算表):
    fold it into the one-row three_public table, `budget.<item>` from 合计 and `budget.<item>.<fund>` from the fund
    columns, so every printed cell is kept and the 三公 identities apply."""
    funds = tables.pop("three_public_funds", None)
    if funds is None or funds.status == "absent" or tables.get("three_public", Table("")).status != "absent":
        return
    row = Row(label=funds.title, page=funds.rows[0].page if funds.rows else None)
    units: dict[str, Row] = {}  # 深圳 per unit: the department's block first, then a block per unit
    for r in funds.rows:
        if not (r.line_item or "").startswith("three_public."):
            continue
        key = r.line_item.split(".", 1)[1]
        target = row
        if "@unit:" in key:
            key, unit = key.split("@unit:", 1)
            target = units.setdefault(unit, Row(label=unit, line_item=f"unit:{unit}", page=r.page))
        for c in r.cells:
            if key.startswith("side:"):  # 深圳: the row is the year, the column the item × fund
                c.measure = f"{key[5:]}.{c.measure}"
            else:  # 广州: the row is the item, the column the fund (合计: all funds)
                c.measure = f"budget.{key}" if c.measure == "total" else f"budget.{key}.{c.measure}"
            target.cells.append(c)
    folded = Table(
        kind="three_public",
        unit=funds.unit,
        title=funds.title,
        status=funds.status,
        pages=funds.pages,
        rows=([row] if row.cells else []) + [u for u in units.values() if u.cells],
        note=funds.note,
        problems=[replace(p, table_kind="three_public") for p in funds.problems],
    )
    folded.columns = [Column(measure=f"budget.*.{c.measure}", header=c.header) for c in funds.columns]
    tables["three_public"] = folded


def _fold_fund_tree(tables: dict[str, Table]) -> None:
    """江苏 2019 prints the 收入预算总表 as a tree of fund sources (一般公共预算资金 → 公共财政拨款（补助）资金 …) with
    one 金额 column: fold it into the 合计 row of the income table, each printed amount under its fund source's
    measure (the columns of the other regions' 收入总表), so the family's identities read it alike."""
    table = tables.get("income")
    if table is None or not table.rows:
        return
    keyed = [r for r in table.rows if (r.line_item or "").startswith("fund:")]
    if not keyed:
        return
    if len(keyed) < len(table.rows) or any(c.measure != "amount" for r in keyed for c in r.cells):
        for r in keyed:  # not a tree of funds (a coded table with a 收入总计 row): that row is its 合计
            if r.line_item == "fund:total":
                r.line_item = None if len(keyed) > 1 else "total"
        return
    total = next((r for r in keyed if r.line_item == "fund:total"), keyed[0])
    row = Row(label=total.label, line_item="total", page=total.page)
    for r in keyed:
        for c in r.cells:
            c.measure = r.line_item.split(":", 1)[1]
            row.cells.append(c)
    table.rows = [row] if row.cells else []
    table.columns = [Column(measure=r.line_item.split(":", 1)[1], header=r.label) for r in keyed]


def _fold_three_public_by_unit(tables: dict[str, Table]) -> None:
    """西安 prints 三公 with 会议费 and 培训费, a row per budget unit (合计, the department, its units) and the
    上年 / 当年 / 增减 sides as columns: the 合计 row is the department's three_public row, each unit's row is
    kept beside it under its unit line item."""
    by_unit = tables.pop("three_public_meetings", None)
    if (
        by_unit is None
        or by_unit.status == "absent"
        or tables.get("three_public", Table("")).status != "absent"
    ):
        return
    rows = []
    for r in by_unit.rows:
        if r.line_item == "total":
            r = replace(r, line_item=None)
        rows.append(r)
    rows.sort(key=lambda r: r.line_item is not None)  # the department's row first
    tables["three_public"] = replace(
        by_unit,
        kind="three_public",
        rows=rows,
        problems=[replace(p, table_kind="three_public") for p in by_unit.problems],
    )


_PERFORMANCE_HEAD = re.compile(r"项目.*预算.*绩效目标|绩效目标.*预算数")


def normed_lines(page_texts: list[str]) -> list[list[str]]:
    """Each page's text lines, normalised (`norm`): read once for the notes on extras below."""
    return [[norm(ln) for ln in text.splitlines()] for text in page_texts]


def _performance_tables_are_extras(tables: dict[str, Table], page_lines: list[list[str]]) -> None:
    """Untitled 重点项目绩效目标 tables (项目 | 预算数 | 绩效目标, 深圳 and 广州 print them in the prose) list projects
    by name: their amounts are an extra (noted, not read), not cells a public table lost. `page_lines`: each
    page's normalised lines (`normed_lines`)."""
    perf: set[int] = set()
    for number, lines in enumerate(page_lines, start=1):
        if any(_PERFORMANCE_HEAD.search(ln) for ln in lines):
            perf.add(number)
        elif number - 1 in perf and not any(_TITLE_LINE.search(ln) and len(ln) < 40 for ln in lines):
            perf.add(number)  # the table runs over to this page
    for table in tables.values():
        moved = [p for p in table.problems if p.code == "unplaced_cells" and p.page in perf]
        if not moved:
            continue
        for p in moved:
            p.code, p.severity, p.table_kind = "budget_extra_not_read", "info", "performance"
            p.message = (
                p.message.split(" not placed")[0] + " of a 项目绩效目标 table (projects by name); not read"
            )
        if table.status == "parse_error" and not any(p.severity == "error" for p in table.problems):
            table.status = "parsed" if table.rows else "empty"


_UNPLACED = ("unknown_row", "unmapped_cell", "unreadable_cell")


def _unreadable_layout(table: Table) -> None:
    """A table whose rows cannot be keyed one-to-one is a parse error, never a report's arithmetic error.

    Two cells of one row under the same measure (two headers read alike) or one code printed twice with different
    values (a cross-tabulation such as 部门经济分类 × 政府经济分类) cannot be stored or checked faithfully.
    """
    doubled_rows = [r for r in table.rows if len({c.measure for c in r.cells}) < len(r.cells)]
    if table.status != "parsed":
        if doubled_rows:
            table.rows = []  # unreadable already, and two cells under one measure cannot be stored
        return
    reasons = []
    for row in table.rows:
        measures = [c.measure for c in row.cells]
        doubled = sorted({m for m in measures if measures.count(m) > 1})
        if doubled:
            reasons.append(
                f"row {row.subject_code or row.line_item or row.label!r} on page {row.page} has two cells "
                f"under {', '.join(doubled)} (column headers read alike)"
            )
            break
    conflicts = [p for p in table.problems if p.code == "conflicting_rows"]
    if conflicts:
        reasons.append(
            f"{len(conflicts)} code(s) printed more than once with different values (first: {conflicts[0].message})"
        )
    unplaced = [p for p in table.problems if p.severity == "error" and p.code in _UNPLACED]
    if unplaced:
        # an identity over a table missing some of its printed cells would blame the report for the parser
        reasons.append(f"{len(unplaced)} printed cell(s) or row(s) not placed (first: {unplaced[0].message})")
    if reasons:
        table.status = "parse_error"
        table.rows = []  # as every unreadable table: no cell of it is published or checked
        table.problems.append(
            Problem(
                code="budget_layout_unread",
                message=f"{table.title or table.kind}: rows cannot be keyed one to one: "
                + "; ".join(reasons),
                table_kind=table.kind,
                page=table.pages[0] if table.pages else None,
                severity="error",
            )
        )


#: Why an extra is not read (the 项目支出 table by economic code is: `project_economic`).
_EXTRA_REASONS = {
    "project_expenditure": "it lists projects by name (with fund sources or descriptions), not amounts by subject code",
    "procurement": "it lists purchases by item or category, not amounts by subject code",
    "performance": "it lists performance targets (indicators and values), not amounts by subject code",
    "basic_total": "a per-unit or by-function breakdown of the 基本支出 the family's 一般公共预算基本支出表 already holds",
}

_TITLE_LINE = re.compile(r"表(?:[（(][^）)]{1,20}[）)])?$")


def extras_report(page_lines: list[list[str]]) -> list[Problem]:
    """One info note per budget extra printed (项目支出表, 政府采购预算表, 绩效目标表 …): recognised, not read.

    They list projects, purchases or performance targets by name rather than amounts by subject code, so
    there is no cell of the star to put them in; the note says which and where, so nothing is silently dropped.
    """
    seen: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for number, lines in enumerate(page_lines, start=1):
        for t in lines:
            if not _TITLE_LINE.search(t) or len(t) > 60:
                continue
            kind = extra_table_kind(t)
            if kind is None:
                continue
            pages = seen.setdefault(kind, [])
            titles.setdefault(kind, t)
            if number not in pages:
                pages.append(number)
    out = []
    for kind, pages in seen.items():
        shown = ", ".join(str(p) for p in pages[:8]) + (" …" if len(pages) > 8 else "")
        out.append(
            Problem(
                code="budget_extra_not_read",
                message=f"{titles[kind]} ({kind}) recognised on page(s) {shown}: {_EXTRA_REASONS[kind]}; "
                "not read into cells",
                table_kind=kind,
                page=pages[0],
                severity="info",
            )
        )
    return out
