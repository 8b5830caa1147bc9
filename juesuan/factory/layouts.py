"""Printed tables → drawable grids, per template: header cells and spans, code columns, panels, 行次/栏次.

Templates differ the way the real reports do: the seed's 2020 Hunan layout (行次/栏次, codes as one string, 0.00
printed), the 2024 Shanghai layout (codes split 类|款|项, blank zeros, thousands separators, two-panel basic table,
three-public budget/actual interleaved), the 2024 central layout (公开NN表 labels, 科目代码, three-panel basic table,
three_public last) and the 2016 Qinghai layout (8 tables, older line items and class names).
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape

from juesuan.factory.render import BCell, Grid, HCell, text_width
from juesuan.factory.spec import OLD_TEMPLATES, ReportSpec, SpecRow, SpecTable, format_amount
from juesuan.factory.tables import (
    EXPENDITURE_MEASURES,
    FUND_MEASURES,
    GB_MEASURES,
    INCOME_MEASURES,
    THREE_PUBLIC_ITEMS,
)
from juesuan.vocabulary import TABLE_KINDS

TITLES = {
    "summary": "收入支出决算总表",
    "income": "收入决算表",
    "expenditure": "支出决算表",
    "appropriation_summary": "财政拨款收入支出决算总表",
    "general_budget": "一般公共预算财政拨款支出决算表",
    "basic_expenditure": "一般公共预算财政拨款基本支出决算表",
    "three_public": "一般公共预算财政拨款“三公”经费支出决算表",
    "gov_fund": "政府性基金预算财政拨款收入支出决算表",
    "state_capital": "国有资本经营预算财政拨款支出决算表",
}
MEASURE_HEADERS = {
    "income": dict(TABLE_KINDS["income"].measures),
    "expenditure": dict(TABLE_KINDS["expenditure"].measures),
}


def clip(text: str, width: float, size: float) -> str:
    """The longest prefix of `text` that fits `width` points."""
    out = ""
    for ch in text:
        if text_width(out + ch, size) > width:
            break
        out += ch
    return out


class Formatter:
    def __init__(self, template: str) -> None:
        self.thousands = template in ("shanghai2024", "central2024", "guangdong2018")
        self.template = template

    def __call__(self, value: Decimal | None, *, kind: str = "") -> str:
        if value is None:
            return ""
        zero = "0" if (self.template == "hunan2020" and kind == "summary") else "0.00"
        return format_amount(value, thousands=self.thousands, zero_text=zero)


def format_for(template: str):  # type: ignore[no-untyped-def]
    """The printed text of a value in a table of this template (what the truth test looks for)."""
    return Formatter(template)


def grid_for(spec: ReportSpec, table: SpecTable, index: int) -> Grid:
    t = spec.template
    builder = {
        "summary": _summary,
        "appropriation_summary": _appropriation,
        "basic_expenditure": _basic,
        "three_public": _three_public,
    }.get(table.kind, _coded)
    grid: Grid = builder(spec, table)
    grid.kind = table.kind
    grid.title = spec.titles.get(table.kind, grid.title)
    grid.unit_line = ("金额单位：" if t == "central2024" else "单位：") + table.unit
    if t in ("hunan2020", "central2024"):
        grid.table_no = f"公开{index:02d}表" if t == "central2024" else f"公开 {index:02d} 表"
        grid.department_line = f"部门：{spec.department}"
    elif t == "qinghai2016":
        grid.table_no = f"表{index}"
        grid.department_line = f"编制单位：{spec.department}"
    elif t == "guangdong2018":
        grid.table_no = f"附表{index}"
        grid.department_line = f"编制单位：{spec.department}"
    grid.header_layout = "central" if t in ("central2024", "guangdong2018") else "stacked"
    grid.repeat_header = t != "hunan2020"
    mode = spec.continuation.removesuffix("_total")
    if mode in ("template", "total"):
        mode = "header" if grid.repeat_header else "bare"
    grid.continuation = mode
    grid.repeat_total = spec.continuation.endswith("total") and _starts_with_total(table)
    split = {"column_split": True, "column_split_bare": False}
    for option, keep in split.items():
        if option in spec.options and table.kind in ("income", "expenditure"):
            grid.label_cols = len(grid.col_widths) - len(_measures_of(table))
            grid.column_split = grid.label_cols + 3  # 合计 and two measures, then the rest
            grid.split_repeats_labels = keep
            grid.landscape = False
    grid.repeat_rows = list(table.repeat_rows)
    grid.repeat_at_break = table.repeat_at_break
    grid.empty_spill = spec.empty_spill_after == table.kind
    grid.blank_row_after_break = spec.blank_row_after_break
    grid.border_style = {
        "shanghai2024": "lines",
        "central2024": "lines",
        "qinghai2016": "bars",
        "guangdong2018": "lines",
    }.get(t, "rect")
    if t in ("shanghai2024", "central2024"):
        grid.number_font = "Helvetica"
    if t == "central2024" and table.kind != "basic_expenditure":
        grid.font_size, grid.row_min_height = 7.5, 13.0  # the central reports' dense one-page tables
    if table.note:
        grid.notes = table.note.split("\n")
    if index == 1 and t == "shanghai2024":
        grid.section_title = f"第二部分  {spec.department}{spec.year}年度部门决算表"
    return grid


def _starts_with_total(table: SpecTable) -> bool:
    """Coded tables print their 合计 row first: that row is what a continuation may repeat."""
    return table.kind not in (
        "summary",
        "appropriation_summary",
        "basic_expenditure",
        "three_public",
    ) and bool(table.rows and table.rows[0].line_item == "total")


# ---- coded tables (income, expenditure, general_budget, gov_fund, state_capital) ----------------------


def _measures_of(table: SpecTable) -> tuple[str, ...]:
    if table.kind == "income":
        return INCOME_MEASURES
    if table.kind == "expenditure":
        return EXPENDITURE_MEASURES
    if table.kind == "general_budget":
        return GB_MEASURES
    seen = {m for r in table.rows for m in r.values}
    if table.kind == "state_capital" and seen and seen <= set(GB_MEASURES) and "income" not in seen:
        return GB_MEASURES
    if table.kind == "state_capital" and not seen and len(table.rows) == 1:
        return FUND_MEASURES
    return FUND_MEASURES


def _code_cells(spec: ReportSpec, row: SpecRow) -> list[BCell]:
    """Code column(s): one string, or split 类|款|项 (parents repeated, or children printing only their part)."""
    code = row.subject_code
    if spec.template != "shanghai2024":
        return [BCell(code, align="l")]
    parts = [code[:3], code[3:5], code[5:7]]
    if spec.code_style == "own" and len(code) > 3:
        parts = ["", code[3:5], ""] if len(code) == 5 else ["", "", code[5:7]]
    return [BCell(p, align="c") for p in parts]


def _coded(spec: ReportSpec, table: SpecTable) -> Grid:
    t = spec.template
    fmt = Formatter(t)
    measures = _measures_of(table)
    split_codes = t == "shanghai2024"
    ncode = 3 if split_codes else 1
    name_w = 3.0 if t != "hunan2020" or table.kind != "expenditure" else 2.4
    widths = [0.5] * 3 if split_codes else [1.25]
    widths += [name_w] + [1.05] * len(measures)
    # measure header groups: a single label spans all code-header rows; a group has sub-labels below it
    groups: list[tuple[str, list[str]]] = []
    if table.kind in ("gov_fund", "state_capital") and measures == FUND_MEASURES:
        groups = [("年初结转和结余", []), ("本年收入", []), ("本年支出", ["小计", "基本支出", "项目支出"]), ("年末结转和结余", [])]  # fmt: skip
    elif table.kind in ("general_budget", "state_capital"):
        first = "小计" if table.kind == "general_budget" else "合计"
        groups = [("本年支出", [first, "基本支出", "项目支出"])]
    else:
        groups = [(MEASURE_HEADERS[table.kind][m], []) for m in measures]
        if t == "guangdong2018":
            groups = [("事业单位经营收入" if g == "经营收入" else g, subs) for g, subs in groups]
    code_head = {
        "hunan2020": "功能分类科目编码",
        "central2024": "科目代码",
        "qinghai2016": "科目编码",
        "guangdong2018": "科目编码",
    }.get(t, "")
    # putuo 2024 prints 类 | 款 | 项 in the 合计 row itself rather than in a header row of their own
    levels_in_total = split_codes and spec.levels_in_total_row
    rows = 3 if split_codes and not levels_in_total else 2
    header: list[HCell] = [HCell(0, 0, "项目", colspan=ncode + 1)]
    if levels_in_total:
        header += [HCell(1, 0, "支出功能分类科目编码", colspan=3), HCell(1, 3, "科目名称")]
    elif split_codes:
        header += [HCell(1, 0, "支出功能分类科目编码", colspan=3), HCell(1, 3, "科目名称", rowspan=2)]
        header += [HCell(2, 0, "类"), HCell(2, 1, "款"), HCell(2, 2, "项")]
    else:
        header += [HCell(1, 0, code_head), HCell(1, 1, "科目名称")]
    col = ncode + 1
    for label, subs in groups:
        if not subs:
            header.append(HCell(0, col, label, rowspan=rows))
            col += 1
            continue
        header.append(HCell(0, col, label, colspan=len(subs)))
        for j, sub in enumerate(subs):
            header.append(HCell(1, col + j, sub, rowspan=rows - 1))
        col += len(subs)
    if t in ("hunan2020", "central2024"):
        header.append(HCell(rows, 0, "栏次", colspan=ncode + 1))
        for j in range(len(measures)):
            header.append(HCell(rows, ncode + 1 + j, str(j + 1)))
        rows += 1
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [BCell(fmt(row.values.get(m)), align="r") for m in measures]
        if row.line_item == "total":
            if levels_in_total:
                lead = [BCell(x, align="c") for x in ("类", "款", "项", "合计")]
            elif split_codes:
                lead = [BCell("", align="c")] * 3 + [BCell("合计", align="c")]
            else:
                lead = [BCell("合计", colspan=2, align="c")]
            body.append(lead + vals)
        else:
            # qinghai indents 款/项 names under their 类, as its Excel export does
            indent = 6.0 * (len(row.subject_code) - 3) / 2 if t == "qinghai2016" else 0.0
            body.append([*_code_cells(spec, row), BCell(row.label, indent=indent), *vals])
    land = len(measures) > 3 and not (t == "hunan2020" and table.kind == "expenditure")
    return Grid(
        kind=table.kind,
        title=TITLES[table.kind],
        col_widths=widths,
        header=header,
        header_rows=rows,
        body=body,
        landscape=land,
    )


# ---- two-sided tables ---------------------------------------------------------------------------------

_SUMMARY_FOOT = (
    ("income.total", "expenditure.total"),
    ("income.use_non_fiscal_balance", "expenditure.balance_distribution"),
    ("income.use_business_fund", "expenditure.balance_distribution"),
    ("income.opening_balance", "expenditure.closing_balance"),
    ("income.grand_total", "expenditure.grand_total"),
)


def _pair(table: SpecTable, foot: tuple[tuple[str, str], ...]):  # type: ignore[no-untyped-def]
    foot_keys = {k for pair in foot for k in pair if k}
    left = [r for r in table.rows if r.side == "income" and r.line_item not in foot_keys]
    right = [r for r in table.rows if r.side == "expenditure" and r.line_item not in foot_keys]
    by_key = {r.line_item: r for r in table.rows if r.line_item in foot_keys}
    n = max(len(left), len(right))
    main = [(left[i] if i < len(left) else None, right[i] if i < len(right) else None) for i in range(n)]
    tail: list[tuple[SpecRow | None, SpecRow | None]] = []
    used: set[str] = set()
    for lk, rk in foot:
        a, b = by_key.get(lk), (by_key.get(rk) if rk else None)
        if a is None and (b is None or rk in used):
            continue
        if rk in used:
            b = None
        used.update(k for k in (lk, rk) if k)
        tail.append((a, b))
    return main, tail


def _summary(spec: ReportSpec, table: SpecTable) -> Grid:
    t = spec.template
    fmt = Formatter(t)
    hang = t in ("hunan2020", "central2024")
    main, tail = _pair(table, _SUMMARY_FOOT)
    blank_rows = 1 if t == "hunan2020" else 0
    amount_head = "金额" if t == "central2024" else "决算数"
    if hang:
        widths = [3.3, 0.6, 1.3, 3.3, 0.6, 1.3]
        header = [HCell(0, 0, "收入", colspan=3), HCell(0, 3, "支出", colspan=3)]
        header += [
            HCell(1, i, txt)
            for i, txt in enumerate(["项目", "行次", amount_head, "项目", "行次", amount_head])
        ]
        header += [HCell(2, i, txt) for i, txt in enumerate(["栏次", "", "1", "栏次", "", "2"])]
        hrows = 3
    else:
        widths = [3.4, 1.3, 3.4, 1.3]
        header = [HCell(0, 0, "收入", colspan=2), HCell(0, 2, "支出", colspan=2)]
        header += [HCell(1, i, txt) for i, txt in enumerate(["项目", amount_head, "项目", amount_head])]
        hrows = 2
    lines = main + [(None, None)] * blank_rows + tail
    n_left = len(lines)
    body = []
    for i, (a, b) in enumerate(lines):
        cells: list[BCell] = []
        for side, r in ((0, a), (1, b)):
            label = r.label if r else ""
            align = "c" if r and r.line_item in {k for p in _SUMMARY_FOOT for k in p} else "l"
            cells.append(BCell(label, align=align))
            if hang:
                cells.append(BCell(str(i + 1 + side * n_left), align="c"))
            cells.append(BCell(fmt(r.values.get("amount") if r else None, kind="summary"), align="r"))
        body.append(cells)
    return Grid(
        kind="summary",
        title=TITLES["summary"],
        col_widths=widths,
        header=header,
        header_rows=hrows,
        body=body,
    )


_APPROP_FOOT = (
    ("income.total", "expenditure.total"),
    ("income.opening_balance", "expenditure.closing_balance"),
    ("income.opening_balance.general_budget", ""),
    ("income.opening_balance.gov_fund", ""),
    ("income.opening_balance.state_capital", ""),
    ("income.grand_total", "expenditure.grand_total"),
)


def _appropriation(spec: ReportSpec, table: SpecTable) -> Grid:
    t = spec.template
    fmt = Formatter(t)
    hang = t in ("hunan2020", "central2024")
    funds = [
        f
        for f in ("general_budget", "gov_fund", "state_capital")
        if any(f in r.values or r.line_item == f"income.{f}" for r in table.rows)
    ]
    if t in OLD_TEMPLATES:
        funds = ["general_budget", "gov_fund"]
    cols = ["total", *funds]
    heads = {"total": "合计", "general_budget": "一般公共预算财政拨款", "gov_fund": "政府性基金预算财政拨款", "state_capital": "国有资本经营预算财政拨款"}  # fmt: skip
    if t == "guangdong2018":
        heads = {"total": "合计", "general_budget": "公共财政拨款", "gov_fund": "政府性基金预算拨款"}
    main, tail = _pair(table, _APPROP_FOOT)
    amount_head = "金额" if t in ("hunan2020", "central2024") else "决算数"
    left_cols = ["项目", "行次", amount_head] if hang else ["项目", amount_head]
    right_cols = (["项目", "行次"] if hang else ["项目"]) + [heads[c] for c in cols]
    widths = (
        ([2.9, 0.55, 1.2] if hang else [2.9, 1.2]) + ([2.9, 0.55] if hang else [2.9]) + [1.25] * len(cols)
    )
    nl = len(left_cols)
    header = [HCell(0, 0, "收入", colspan=nl), HCell(0, nl, "支出", colspan=len(right_cols))]
    header += [HCell(1, i, txt) for i, txt in enumerate(left_cols + right_cols)]
    hrows = 2
    if hang:
        lan = ["栏次", "", "1", "栏次", ""] + [str(i + 2) for i in range(len(cols))]
        header += [HCell(2, i, txt) for i, txt in enumerate(lan)]
        hrows = 3
    lines = main + ([(None, None)] if t == "hunan2020" else []) + tail
    n = len(lines)
    body = []
    for i, (a, b) in enumerate(lines):
        cells = [BCell(a.label if a else "", align="l")]
        if hang:
            cells.append(BCell(str(i + 1), align="c"))
        cells.append(BCell(fmt(a.values.get("amount") if a else None), align="r"))
        cells.append(BCell(b.label if b else "", align="l"))
        if hang:
            cells.append(BCell(str(i + 1 + n), align="c"))
        cells += [BCell(fmt(b.values.get(c) if b else None), align="r") for c in cols]
        body.append(cells)
    return Grid(kind="appropriation_summary", title=TITLES["appropriation_summary"], col_widths=widths, header=header, header_rows=hrows, body=body, landscape=True)  # fmt: skip


# ---- basic expenditure (panels) -----------------------------------------------------------------------


def _basic(spec: ReportSpec, table: SpecTable) -> Grid:
    t = spec.template
    fmt = Formatter(t)
    rows = {r.subject_code or r.line_item: r for r in table.rows}
    coded = [r for r in table.rows if r.subject_code]
    personnel = [r for r in coded if r.subject_code[:3] in ("301", "303")]
    public = [r for r in coded if r.subject_code[:3] not in ("301", "303")]
    if t == "shanghai2024":
        panels = [personnel, public]
    else:
        p302 = [r for r in public if r.subject_code.startswith("302")]
        rest = [r for r in public if not r.subject_code.startswith("302")]
        panels = [personnel, p302, rest]
    split = t == "shanghai2024"
    per = 4 if split else 3
    widths = ([0.5, 0.5, 1.4, 1.1] if split else [1.0, 1.7 if spec.clip_labels else 2.6, 1.15]) * len(panels)
    if spec.clip_labels and not split:
        # Excel-style: a label wider than its cell is cut, not wrapped (the seed prints 公务用车运行维). The truth
        # keeps the label as printed, so the row label is cut here, before the truth is written.
        usable = landscape(A4)[0] - 84
        name_pt = widths[1] * usable / sum(widths) - 6
        for r in coded:
            r.label = clip(r.label, name_pt, 7.5)
    header: list[HCell] = []
    hrows = 1
    if split:
        for p in range(len(panels)):
            c0 = p * per
            header += [HCell(0, c0, "经济分类科目编码", colspan=2), HCell(0, c0 + 2, "科目名称", rowspan=2), HCell(0, c0 + 3, "决算数", rowspan=2)]  # fmt: skip
            header += [HCell(1, c0, "类"), HCell(1, c0 + 1, "款")]
        hrows = 2
    elif t == "central2024":
        header += [HCell(0, 0, "人员经费", colspan=3), HCell(0, 3, "公用经费", colspan=6)]
        for p in range(3):
            header += [
                HCell(1, p * 3, "科目代码"),
                HCell(1, p * 3 + 1, "科目名称"),
                HCell(1, p * 3 + 2, "决算数"),
            ]
        hrows = 2
    else:
        for p in range(len(panels)):
            header += [
                HCell(0, p * 3, "经济分类科目编码"),
                HCell(0, p * 3 + 1, "科目名称"),
                HCell(0, p * 3 + 2, "决算数"),
            ]
    n = max(len(p) for p in panels)
    body = []
    for i in range(n):
        cells: list[BCell] = []
        for panel in panels:
            r = panel[i] if i < len(panel) else None
            if r is None:
                cells += [BCell("")] * per
                continue
            if split:
                code = r.subject_code
                cells += [BCell(code[:3], align="c"), BCell(code[3:], align="c")]
            else:
                cells.append(BCell(r.subject_code))
            cells += [
                BCell(r.label, align="d" if split else "l"),
                BCell(fmt(r.values.get("amount")), align="r"),
            ]
        body.append(cells)
    pt, pu = rows.get("personnel_total"), rows.get("public_total")
    pv = fmt(pt.values.get("amount")) if pt else ""
    uv = fmt(pu.values.get("amount")) if pu else ""
    if split:
        foot = [BCell("人员经费合计", colspan=3, align="c"), BCell(pv, align="r"), BCell("公用经费合计", colspan=3, align="c"), BCell(uv, align="r")]  # fmt: skip
    elif t == "central2024":
        foot = [BCell("人员经费合计", colspan=2, align="c"), BCell(pv, align="r"), BCell("公用经费合计", colspan=5, align="c"), BCell(uv, align="r")]  # fmt: skip
    else:
        foot = [BCell(""), BCell("人员经费合计", align="c"), BCell(pv, align="r"), BCell(""), BCell("公用经费合计", colspan=4, align="c"), BCell(uv, align="r")]  # fmt: skip
    body.append(foot)
    return Grid(kind="basic_expenditure", title=TITLES["basic_expenditure"], col_widths=widths, header=header, header_rows=hrows, body=body, landscape=not split, font_size=7.5, row_min_height=14)  # fmt: skip


# ---- three public -------------------------------------------------------------------------------------


def _three_public(spec: ReportSpec, table: SpecTable) -> Grid:
    t = spec.template
    fmt = Formatter(t)
    vals = table.rows[0].values if table.rows else {}
    meetings = "meetings" in spec.options
    order = three_public_order(t, meetings=meetings)
    if meetings:
        # Shaanxi: 会议费 and 培训费 printed beside the 三公 items, per side (合计 is the 三公 sum)
        header = []
        for s, side in enumerate(("预算数", "决算数")):
            c0 = s * 8
            header += [HCell(0, c0, side, colspan=8), HCell(1, c0, "三公经费合计", rowspan=2), HCell(1, c0 + 1, "因公出国（境）费", rowspan=2), HCell(1, c0 + 2, "公务用车购置及运行费", colspan=3), HCell(1, c0 + 5, "公务接待费", rowspan=2), HCell(1, c0 + 6, "会议费", rowspan=2), HCell(1, c0 + 7, "培训费", rowspan=2)]  # fmt: skip
            header += [HCell(2, c0 + 2, "小计"), HCell(2, c0 + 3, "购置费"), HCell(2, c0 + 4, "运行费")]
        body = [[BCell(fmt(vals.get(m)), align="r") for m in order]]
        title = "一般公共预算财政拨款“三公”经费及会议费、培训费支出决算表"
        return Grid(kind="three_public", title=title, col_widths=[1.0] * 16, header=header, header_rows=3, body=body, landscape=True, font_size=7.0, header_font_size=7.5)  # fmt: skip
    if t == "shanghai2024":
        header = [HCell(0, 0, "财政拨款“三公”经费", colspan=12)]
        header += [HCell(1, 0, "合计", colspan=2, rowspan=2), HCell(1, 2, "因公出国（境）费", colspan=2, rowspan=2), HCell(1, 4, "公务用车购置及运行费", colspan=6), HCell(1, 10, "公务接待费", colspan=2, rowspan=2)]  # fmt: skip
        header += [HCell(2, 4, "合计", colspan=2), HCell(2, 6, "公务用车购置费", colspan=2), HCell(2, 8, "公务用车运行费", colspan=2)]  # fmt: skip
        header += [HCell(3, i, "预算数" if i % 2 == 0 else "决算数") for i in range(12)]
        hrows = 4
        title = "财政拨款“三公”经费支出决算表"
    else:
        header = []
        for s, side in enumerate(("预算数", "决算数")):
            c0 = s * 6
            header += [HCell(0, c0, side, colspan=6), HCell(1, c0, "合计", rowspan=2), HCell(1, c0 + 1, "因公出国（境）费", rowspan=2), HCell(1, c0 + 2, "公务用车购置及运行费", colspan=3), HCell(1, c0 + 5, "公务接待费", rowspan=2)]  # fmt: skip
            header += [
                HCell(2, c0 + 2, "小计"),
                HCell(2, c0 + 3, "公务用车购置费"),
                HCell(2, c0 + 4, "公务用车运行费"),
            ]
        hrows = 3
        if t in ("hunan2020", "central2024"):
            header += [HCell(3, i, str(i + 1)) for i in range(12)]
            hrows = 4
        title = TITLES["three_public"]
    body = [[BCell(fmt(vals.get(m)), align="r") for m in order]]
    return Grid(kind="three_public", title=title, col_widths=[1.0] * 12, header=header, header_rows=hrows, body=body, landscape=True)  # fmt: skip


def three_public_order(template: str, *, meetings: bool = False) -> list[str]:
    """Column order of the printed 三公 table: Shanghai pairs 预算数/决算数 per item, the others print two panels
    (with 会议费 and 培训费 after the 三公 items in the Shaanxi layout)."""
    if meetings:
        items = (*THREE_PUBLIC_ITEMS, "meeting", "training")
        return [f"{side}.{item}" for side in ("budget", "actual") for item in items]
    if template == "shanghai2024":
        return [f"{side}.{item}" for item in THREE_PUBLIC_ITEMS for side in ("budget", "actual")]
    return [f"{side}.{item}" for side in ("budget", "actual") for item in THREE_PUBLIC_ITEMS]
