"""What one generated report prints: the values as printed, per table, plus everything around the tables.

The renderer draws exactly the cells a `ReportSpec` holds and the truth CSV lists exactly those cells (minus rows
repeated by a defect), so ground truth and PDF cannot drift apart.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from juesuan.model import GOLD_CSV_HEADER

CENT = Decimal("0.01")
WAN = Decimal(10000)

NARRATIVE_CSV_HEADER = (
    "section",
    "label",
    "kind",
    "value",
    "text",
    "table_kind",
    "subject_code",
    "line_item",
    "measure",
    "change",
    "prior",
    "correct",
)
TEMPLATES: tuple[str, ...] = ("hunan2020", "shanghai2024", "central2024", "qinghai2016")
#: Templates made on request (generate_corpus(templates=...)), not in the default rotation: a 2018 Guangdong
#: report (8 tables, 公共财政拨款 wording, 附表N numbering, 事业单位经营收入, 用事业基金弥补收支差额).
MORE_TEMPLATES: tuple[str, ...] = ("guangdong2018",)
#: The 2016–2019 generation: 8 tables (no 国有资本经营预算 table), older class names, 用事业基金弥补收支差额.
OLD_TEMPLATES: tuple[str, ...] = ("qinghai2016", "guangdong2018")

#: What a table that breaks across pages prints at the top of each continuation page. "template" is the
#: template's own habit (hunan2020 repeats nothing, the others the header); the rest are seen on real portals:
#: the title block (title, 单位 line) repeated as is, with （续）, or under a 续表 mark, the bare continuation
#: (neither title nor header), and the 合计 row repeated under the header (Excel's "rows to repeat at top").
CONTINUATIONS: tuple[str, ...] = (
    "template",
    "header",
    "bare",
    "title",
    "title_cont",
    "xubiao",
    "total",
    "title_total",
    "bare_total",
)


def round_unit(amount_yuan: Decimal, unit: str) -> Decimal:
    """The printed value of an exact yuan amount in `unit`, rounded half-up to 0.01 (as reports round)."""
    if unit == "元":
        return amount_yuan.quantize(CENT, rounding=ROUND_HALF_UP)
    return (amount_yuan / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_of(printed: Decimal, unit: str) -> Decimal:
    """Printed value in `unit` → yuan, exact to the cent."""
    return (printed * (WAN if unit == "万元" else 1)).quantize(CENT)


def format_amount(value: Decimal, *, thousands: bool, zero_text: str = "0.00") -> str:
    """The text a report prints for `value` (2 decimals; `zero_text` for an exact zero, e.g. `0` or `0.00`)."""
    if value == 0:
        return zero_text
    return f"{value:,.2f}" if thousands else f"{value:.2f}"


def format_narrative(value: Decimal) -> str:
    """Narrative amounts drop trailing zeros and separators (338.10 → 338.1, 6.00 → 6), as the reports write."""
    q = value.quantize(CENT)
    s = f"{q:.2f}".rstrip("0").rstrip(".")
    return s or "0"


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """Share in percent to 0.01, half-up; 0 when the whole is 0."""
    if whole == 0:
        return Decimal("0.00")
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class SpecRow:
    """One printed row. `values` maps measure → printed value in the table unit; a missing measure is blank."""

    label: str
    subject_code: str = ""
    line_item: str = ""
    values: dict[str, Decimal] = field(default_factory=dict)
    side: str = ""  # "income" / "expenditure" for two-sided tables (summary, appropriation_summary)
    indent: int = 0


@dataclass
class SpecTable:
    kind: str
    unit: str
    rows: list[SpecRow] = field(default_factory=list)
    note: str | None = None  # e.g. …故本表无数据
    repeat_rows: list[int] = field(
        default_factory=list
    )  # indices of rows printed twice (defect), not in truth
    repeat_at_break: bool = True  # repeat them at the first page break if the table breaks, else at its end


#: Layout options a report can carry on top of its template (generate_corpus(options=...), '+' joins several):
#: extra_tables   Sichuan-style 13+ table sets: 项目支出决算表 among the public tables, 政府采购 and 国有资产占用
#:                tables after them (not public tables: skipped with a note, not in the truth);
#: annex_tables   the 绩效自评 annex prints its own scored tables;
#: meetings       Shaanxi-style 三公 table with 会议费 and 培训费 columns (in the truth; 合计 stays the 三公 sum);
#: summary_report a department's 汇总 report covering its units (cover, title and 部门 line say 汇总);
#: rotated        landscape tables stored as portrait pages turned by /Rotate 90 (as scanners and some exports do);
#: serif          a Song (SimSun-like) serif font instead of the sans-serif one;
#: column_split   the income and expenditure tables printed by columns: 合计 and two measures, then the other
#:                measures on the next page(s) under their own header, the code and name columns repeated;
#: column_split_bare  the same without repeating the code and name columns (rows match by position);
#: no_tounicode   the amounts drawn in a font whose ToUnicode map is removed (no encoding, no glyph names):
#:                nothing but a guess decodes them, so the parser must refuse those tables, naming the font;
#: detached_figures  the 情况说明 figures drawn after the words of their page: the text layer holds the
#:                sentences without their numbers, then the numbers (the page looks the same).
OPTIONS: tuple[str, ...] = (
    "extra_tables",
    "annex_tables",
    "meetings",
    "summary_report",
    "rotated",
    "serif",
    "column_split",
    "column_split_bare",
    "no_tounicode",
    "detached_figures",
)


@dataclass
class ExtraTable:
    """A printed table that is not one of the public 决算 tables (not in the truth): title, header, body."""

    title: str
    header: list[str]
    rows: list[list[str]]
    after: str = ""  # the public table kind it follows ("" = after all of them)


@dataclass
class Defect:
    kind: str  # one of generate.DEFECT_KINDS or generate.PROSE_DEFECT_KINDS
    table_kind: str
    subject_code: str = ""
    line_item: str = ""
    measure: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "table_kind": self.table_kind,
            "subject_code": self.subject_code,
            "line_item": self.line_item,
            "measure": self.measure,
            "description": self.description,
        }


@dataclass
class ReportSpec:
    doc_id: str
    department: str
    year: int
    template: str
    province: str = ""
    city: str = ""
    county: str = ""
    tables: dict[str, SpecTable] = field(default_factory=dict)  # in printed order
    headcount_authorized: int | None = None
    headcount_actual: int | None = None
    duties: list[str] = field(default_factory=list)
    structure: str = ""
    narrative: list[tuple[str, list[str]]] = field(default_factory=list)  # (section heading, paragraphs)
    annex: list[tuple[str, list[str]]] = field(default_factory=list)  # 绩效自评 annex after 名词解释
    glossary: list[str] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    code_style: str = (
        "full"  # shanghai: "full" parent parts repeated, or "own" children print only their part
    )
    empty_spill_after: str | None = None  # table kind followed by an empty bordered page
    levels_in_total_row: bool = False  # shanghai: 类 | 款 | 项 printed in the 合计 row (putuo 2024)
    clip_labels: bool = False  # hunan: long basic-expenditure labels cut at the cell edge instead of wrapped
    blank_row_after_break: bool = False  # an empty bordered row opens continued pages (ONLYOFFICE)
    titles: dict[str, str] = field(default_factory=dict)  # title variants per table kind
    continuation: str = "template"  # one of CONTINUATIONS: what continuation pages repeat
    options: tuple[str, ...] = ()  # OPTIONS this report carries
    extra_tables: list[ExtraTable] = field(default_factory=list)
    annex_tables: list[ExtraTable] = field(default_factory=list)
    narrative_facts: list[Any] = field(default_factory=list)  # document.Fact: figures the 情况说明 states
    #: 政府采购 货物 / 工程 / 服务 (万元) and the total the prose states (None: their sum); a list_sum_mismatch
    #: defect prints a part that does not add up
    procurement: tuple[Any, Any, Any] | None = None
    procurement_total: Any = None
    #: the year printed in the 第三部分 heading when it is not the report's (a wrong_year_heading defect)
    explanation_year: int | None = None
    #: the year printed on the cover when it is not the report's (a cover_wrong_year defect)
    cover_year: int | None = None
    #: how the 政府采购 paragraph is printed: "" (complete: 货物/工程/服务 and the 中小企业 amounts), "partial" (only
    #: 货物 and 服务 listed, as reports do when 工程 is 0), or a prose defect's variant ("sme_exceeds",
    #: "sme_parts_off", "parts_exceed")
    procurement_style: str = ""
    item_budgets: dict[str, Decimal] = field(default_factory=dict)  # 项 → 年初预算 (万元), narrated in 五(三)
    seed: int = 0

    def units(self) -> dict[str, str]:
        return {k: t.unit for k, t in self.tables.items()}

    def truth_rows(self) -> list[dict[str, Any]]:
        """One record per printed numeric cell, in print order; repeated (defect) rows excluded."""
        out = []
        for kind, table in self.tables.items():
            for row in table.rows:
                for measure, value in row.values.items():
                    out.append(
                        {
                            "table_kind": kind,
                            "subject_code": row.subject_code,
                            "line_item": row.line_item,
                            "row_label": row.label,
                            "measure": measure,
                            "amount_yuan": f"{yuan_of(value, table.unit):.2f}",
                        }
                    )
        return out

    def narrative_csv(self) -> str:
        """The figures the 情况说明 and the 绩效自评 annex state, with the table cell each restates (blank for
        budgets and shares). A year-over-year change (增加 X 万元 / 增长 Y%) names the cell it is the change of, with
        `change` (increase/decrease) and `prior` (上年数, 万元); `correct` is the right figure where a defect prints
        another (a growth rate on the wrong base)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(NARRATIVE_CSV_HEADER)
        for f in self.narrative_facts:
            code = f.key if f.key.isdigit() else ""
            line = "" if code or not f.table_kind else f.key
            prior, correct = getattr(f, "prior", None), getattr(f, "correct", None)
            w.writerow(
                [
                    f.section,
                    f.label,
                    f.kind,
                    f"{f.value:.2f}",
                    f.text,
                    f.table_kind,
                    code,
                    line,
                    f.measure,
                    getattr(f, "change", ""),
                    "" if prior is None else f"{prior:.2f}",
                    "" if correct is None else f"{correct:.2f}",
                ]
            )
        return buf.getvalue()

    def truth_csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=GOLD_CSV_HEADER, lineterminator="\n")
        w.writeheader()
        for rec in self.truth_rows():
            w.writerow(rec)
        return buf.getvalue()


@dataclass
class ManifestEntry:
    doc_id: str
    file: str
    truth_file: str
    narrative_file: str
    department: str
    province: str
    city: str
    county: str
    year: int
    template: str
    units: dict[str, str]
    defects: list[dict[str, str]]
    pages: int = 0
    cells: int = 0
    table_pages: dict[str, list[int]] = field(default_factory=dict)  # 1-based PDF pages of each table
    continuation: str = "template"  # what the continuation pages of its tables repeat (CONTINUATIONS)
    options: list[str] = field(default_factory=list)  # OPTIONS the report carries

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "file": self.file,
            "truth_file": self.truth_file,
            "narrative_file": self.narrative_file,
            "department": self.department,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "year": self.year,
            "template": self.template,
            "units": self.units,
            "defects": self.defects,
            "pages": self.pages,
            "cells": self.cells,
            "table_pages": self.table_pages,
            "continuation": self.continuation,
            "options": self.options,
        }
