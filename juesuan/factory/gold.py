"""Render a gold CSV (e.g. the text-only seed) as a PDF in a template's layout, so parsers can be scored on it.

Rows keep the gold's labels and order; values are printed from amount_yuan in 万元 (or 元 per `units`). Rows
that a report printed twice (the seed's table 05 tail) can be re-created from its findings file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from juesuan.factory.document import GLOSSARY, narrative, render_document
from juesuan.factory.spec import WAN, ReportSpec, SpecRow, SpecTable
from juesuan.factory.tables import TABLE_ORDER
from juesuan.model import read_gold_csv


def seed_repeats_from_findings(findings_md: Path) -> dict[str, list[str]]:
    """Table kind → subject codes printed twice, read from a findings file's "Duplicated tail rows" item."""
    text = Path(findings_md).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    m = re.search(r"Duplicated tail rows in table \d+ \((\w+)\)(.*?)(?:\n\d+\. |\Z)", text, re.S)
    if m:
        out[m.group(1)] = re.findall(r"`(\d{3,7})\s", m.group(2))
    return out


def render_from_gold(
    gold_csv: Path,
    out_pdf: Path,
    *,
    template: str = "hunan2020",
    department: str = "株洲市荷塘区产业服务中心",
    year: int = 2020,
    units: dict[str, str] | None = None,
    repeated: dict[str, list[str]] | None = None,
    headcount: tuple[int, int] | None = (8, 24),
) -> ReportSpec:
    """Draw the gold cells as a report PDF; returns the spec (its truth_csv() equals the gold, values as printed).

    `repeated` maps a table kind to subject codes whose rows are printed again after the table's last row
    (not part of the truth), as the seed's table 05 does.
    """
    spec = spec_from_gold(
        gold_csv,
        template=template,
        department=department,
        year=year,
        units=units,
        repeated=repeated,
        headcount=headcount,
    )
    render_document(spec, Path(out_pdf))
    return spec


def spec_from_gold(
    gold_csv: Path,
    *,
    template: str = "hunan2020",
    department: str = "株洲市荷塘区产业服务中心",
    year: int = 2020,
    units: dict[str, str] | None = None,
    repeated: dict[str, list[str]] | None = None,
    headcount: tuple[int, int] | None = (8, 24),
) -> ReportSpec:
    """The report spec whose printed cells are the gold's (as `render_from_gold` draws it, in any format)."""
    units = units or {}
    cells = read_gold_csv(Path(gold_csv))
    tables: dict[str, SpecTable] = {}
    index: dict[tuple[str, str, str], SpecRow] = {}
    for gc in cells:
        unit = units.get(gc.table_kind, "万元")
        table = tables.setdefault(gc.table_kind, SpecTable(kind=gc.table_kind, unit=unit))
        key = (gc.table_kind, gc.subject_code, gc.line_item)
        row = index.get(key)
        if row is None:
            side = ""
            if gc.table_kind in ("summary", "appropriation_summary"):
                side = "income" if gc.line_item.startswith("income.") else "expenditure"
            row = SpecRow(label=gc.row_label, subject_code=gc.subject_code, line_item=gc.line_item, side=side)
            index[key] = row
            table.rows.append(row)
        value = gc.amount_yuan / WAN if unit == "万元" else gc.amount_yuan
        row.values[gc.measure] = value.quantize(Decimal("0.01"))
    order = [k for k in TABLE_ORDER.get(template, ()) if k in tables] + [
        k for k in tables if k not in TABLE_ORDER.get(template, ())
    ]
    spec = ReportSpec(
        doc_id=Path(gold_csv).name.removesuffix(".gold.csv"),
        department=department,
        year=year,
        template=template,
        tables={k: tables[k] for k in order},
    )
    for kind in ("gov_fund", "state_capital"):
        t = spec.tables.get(kind)
        if t and all(v == 0 for r in t.rows for v in r.values.values()):
            what = (
                "政府性基金收入，也没有使用政府性基金安排的支出"
                if kind == "gov_fund"
                else "国有资本经营预算财政拨款支出"
            )
            t.note = f"{department}没有{what}，故本表无数据。"
    for kind, codes in (repeated or {}).items():
        t = spec.tables.get(kind)
        if t is None:
            continue
        t.repeat_rows = [i for code in codes for i, r in enumerate(t.rows) if r.subject_code == code][
            : len(codes)
        ]
        t.repeat_at_break = False
    if headcount:
        spec.headcount_authorized, spec.headcount_actual = headcount
    spec.structure = f"{department}内设机构设置见部门职责。"
    spec.glossary = GLOSSARY
    spec.narrative = narrative(spec, None)
    return spec
