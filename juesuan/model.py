"""The typed report: what a parser produces and every later stage consumes.

Plain dataclasses with no framework imports, so the parser, the rules, the warehouse loader and the Dagster
assets all share one vocabulary. Amounts are `Decimal` end to end: they are money.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from juesuan.amounts import parse_amount, to_yuan

TableStatus = Literal["parsed", "empty", "absent", "parse_error"]
ReportKind = Literal["final_account", "budget", "unknown"]

#: Header of the long cell CSV (`juesuan parse --format csv`): the gold files' columns plus value, unit, page.
CELL_CSV_HEADER = (
    "table_kind",
    "subject_code",
    "line_item",
    "row_label",
    "measure",
    "amount_yuan",
    "published_value",
    "unit",
    "page",
)
#: Extra columns of the cell CSV for reports read from a workbook or an HTML page (where a cell is there).
CELL_SOURCE_COLUMNS = ("sheet", "table_index", "address")
#: Header of the gold / ground-truth CSVs.
GOLD_CSV_HEADER = CELL_CSV_HEADER[:6]


@dataclass
class Cell:
    """One printed numeric cell: the text as printed, its Decimal value in the table's unit, and where it was."""

    measure: str
    text: str
    value: Decimal
    amount_yuan: Decimal
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    # spreadsheets and HTML reports have no page boxes: the worksheet name / the <table>'s 1-based position in
    # the page, and the cell address (A1 in a sheet, R<row>C<col> in an HTML table, merged ranges by their
    # top-left cell)
    sheet: str | None = None
    table_index: int | None = None
    address: str | None = None


@dataclass
class Row:
    """A table row keyed by `subject_code` (function/economic code) or `line_item` (uncoded line key)."""

    label: str
    cells: list[Cell] = field(default_factory=list)
    subject_code: str | None = None
    line_item: str | None = None
    page: int | None = None

    def cell(self, measure: str) -> Cell | None:
        for c in self.cells:
            if c.measure == measure:
                return c
        return None

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.subject_code, self.line_item)


@dataclass
class Column:
    measure: str
    header: str


@dataclass
class Problem:
    """Something wrong found while reading a document, recorded against it rather than raised."""

    code: str  # machine key, e.g. "repeated_rows", "unknown_header", "no_text_layer"
    message: str  # one line a person can act on
    table_kind: str | None = None
    page: int | None = None
    severity: Literal["error", "warning", "info"] = "warning"


@dataclass
class Table:
    kind: str
    unit: str = "万元"  # 万元 or 元, as printed above the table
    title: str = ""
    status: TableStatus = "parsed"
    pages: list[int] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    note: str | None = None  # e.g. 本单位无政府性基金预算财政拨款收入…故本表无数据
    repeated_rows: list[Row] = field(default_factory=list)  # dropped duplicates (never summed)
    problems: list[Problem] = field(default_factory=list)

    def find(self, subject_code: str | None = None, line_item: str | None = None) -> Row | None:
        for r in self.rows:
            if subject_code is not None and r.subject_code == subject_code:
                return r
            if line_item is not None and r.line_item == line_item:
                return r
        return None


@dataclass
class NarrativeFact:
    """An amount, percentage or count restated in the prose (情况说明, self-assessment), with its sentence."""

    kind: Literal["amount", "percent", "count"]
    value: Decimal
    text: str  # the number as printed, e.g. "626.55" or "73.97%"
    sentence: str
    page: int | None = None
    unit: str | None = None  # 万元 / 元 / 人 / %
    label: str | None = None  # the words the number is attached to, e.g. 本年收入合计
    section: str | None = None  # overview / explanation (情况说明) / performance (绩效) / annex / other
    heading: str | None = None  # the 一、… heading it falls under, e.g. 二、收入决算情况说明
    base_label: str | None = None  # a share's base (占本年支出合计的76.27%); a change's comparison (上年)
    change: Literal["increase", "decrease"] | None = None  # 增加/增长 or 减少/下降; value stays unsigned
    subject: str | None = None  # 类|款|项 names when the prose is about one classified item


@dataclass
class ProseParagraph:
    """One paragraph of the report's prose as printed (headings included): what the wording rules read."""

    text: str
    page: int | None = None
    section: str | None = None  # as NarrativeFact.section
    heading: str | None = None  # the 一、… heading it falls under (None for the heading itself)
    is_heading: bool = False


@dataclass
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None  # 6-digit administrative code of the most specific level known

    @property
    def is_central(self) -> bool:
        return self.province == "中央"


@dataclass
class SourceInfo:
    sha256: str
    path: str | None = None
    url: str | None = None
    page_count: int = 0
    producer: str | None = None
    creator: str | None = None
    text_layer_pages: list[bool] = field(default_factory=list)
    format: str = "pdf"  # what the file is (juesuan.sniff): pdf, xlsx, xls or html


@dataclass
class Report:
    department: str
    year: int | None
    region: Region = field(default_factory=Region)
    kind: ReportKind = "final_account"
    source: SourceInfo | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    narrative: list[NarrativeFact] = field(default_factory=list)
    paragraphs: list[ProseParagraph] = field(default_factory=list)  # the prose as printed (wording rules)
    headcount_authorized: int | None = None  # 编制人数
    headcount_actual: int | None = None  # 实有人数
    problems: list[Problem] = field(default_factory=list)
    parser_version: str | None = None

    def table(self, kind: str) -> Table | None:
        return self.tables.get(kind)

    def iter_cells(self) -> Iterator[tuple[Table, Row, Cell]]:
        for t in self.tables.values():
            for r in t.rows:
                for c in r.cells:
                    yield t, r, c

    # ---- serialisation -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        tables = {}
        for kind, t in data.get("tables", {}).items():
            tables[kind] = Table(
                kind=t["kind"],
                unit=t.get("unit", "万元"),
                title=t.get("title", ""),
                status=t.get("status", "parsed"),
                pages=list(t.get("pages", [])),
                columns=[Column(**c) for c in t.get("columns", [])],
                rows=[_row_from_dict(r) for r in t.get("rows", [])],
                note=t.get("note"),
                repeated_rows=[_row_from_dict(r) for r in t.get("repeated_rows", [])],
                problems=[Problem(**p) for p in t.get("problems", [])],
            )
        src = data.get("source")
        return cls(
            department=data["department"],
            year=data.get("year"),
            region=Region(**data.get("region", {})),
            kind=data.get("kind", "final_account"),
            source=SourceInfo(**src) if src else None,
            tables=tables,
            narrative=[
                NarrativeFact(**{**n, "value": Decimal(n["value"])}) for n in data.get("narrative", [])
            ],
            paragraphs=[ProseParagraph(**p) for p in data.get("paragraphs", [])],
            headcount_authorized=data.get("headcount_authorized"),
            headcount_actual=data.get("headcount_actual"),
            problems=[Problem(**p) for p in data.get("problems", [])],
            parser_version=data.get("parser_version"),
        )

    def cell_records(self) -> list[dict[str, Any]]:
        """One record per printed numeric cell, in the long shape of the gold files (plus value, unit, page)."""
        out = []
        for t, r, c in self.iter_cells():
            out.append(
                {
                    "table_kind": t.kind,
                    "subject_code": r.subject_code or "",
                    "line_item": r.line_item or "",
                    "row_label": r.label,
                    "measure": c.measure,
                    "amount_yuan": c.amount_yuan,
                    "published_value": c.value,
                    "unit": t.unit,
                    "page": c.page if c.page is not None else "",
                }
            )
        return out

    def to_cell_csv(self) -> str:
        """The long cell CSV; for a workbook or HTML report, each cell's sheet / table and address follow."""
        buf = io.StringIO()
        cells = [c for _, _, c in self.iter_cells()]
        located = any(c.address for c in cells)
        header = CELL_CSV_HEADER + (CELL_SOURCE_COLUMNS if located else ())
        w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for rec, c in zip(self.cell_records(), cells, strict=True):
            if located:
                rec |= {"sheet": c.sheet, "table_index": c.table_index, "address": c.address}
            w.writerow({k: _fmt(v) for k, v in rec.items()})
        return buf.getvalue()


@dataclass
class RuleResult:
    """The outcome of one rule at one location of one report."""

    rule_id: str
    severity: Literal["error", "warning"]
    outcome: Literal["pass", "fail", "not_applicable", "insufficient_data", "parse_error", "execution_error"]
    table_kind: str | None = None
    subject_code: str | None = None
    line_item: str | None = None
    measure: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    message: str = ""
    document_sha256: str | None = None
    within_rounding: bool = False  # passed only thanks to the rounding envelope (a rounding note)


# ---- gold / truth CSV ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldCell:
    table_kind: str
    subject_code: str
    line_item: str
    row_label: str
    measure: str
    amount_yuan: Decimal

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.table_kind, self.subject_code, self.line_item, self.measure)


def read_gold_csv(source: Path | str | Iterable[str]) -> list[GoldCell]:
    """Read a gold/truth CSV (`table_kind,subject_code,line_item,row_label,measure,amount_yuan`)."""
    if isinstance(source, (str, Path)):
        lines: Iterable[str] = Path(source).read_text(encoding="utf-8").splitlines()
    else:
        lines = source
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ())[:6] != GOLD_CSV_HEADER:
        raise ValueError(f"not a gold CSV: header {reader.fieldnames}")
    return [
        GoldCell(
            table_kind=r["table_kind"],
            subject_code=r["subject_code"] or "",
            line_item=r["line_item"] or "",
            row_label=r["row_label"] or "",
            measure=r["measure"],
            amount_yuan=Decimal(r["amount_yuan"]),
        )
        for r in reader
    ]


def report_from_gold(
    cells: Iterable[GoldCell],
    department: str = "",
    year: int | None = None,
    units: dict[str, str] | None = None,
) -> Report:
    """Build a Report from gold/truth cells, so rules and the warehouse can run on ground truth.

    `units` gives the printed unit per table kind (default 万元); values are re-derived from amount_yuan.
    """
    units = units or {}
    report = Report(department=department, year=year)
    for gc in cells:
        unit = units.get(gc.table_kind, "万元")
        table = report.tables.setdefault(gc.table_kind, Table(kind=gc.table_kind, unit=unit))
        row = None
        for r in table.rows:
            if r.subject_code == (gc.subject_code or None) and r.line_item == (gc.line_item or None):
                row = r
                break
        if row is None:
            row = Row(
                label=gc.row_label, subject_code=gc.subject_code or None, line_item=gc.line_item or None
            )
            table.rows.append(row)
        value = from_yuan(gc.amount_yuan, unit)
        row.cells.append(Cell(measure=gc.measure, text=str(value), value=value, amount_yuan=gc.amount_yuan))
    return report


def from_yuan(amount_yuan: Decimal, unit: str) -> Decimal:
    if unit == "元":
        return amount_yuan.quantize(Decimal("0.01"))
    return (amount_yuan / Decimal(10000)).quantize(Decimal("0.01"))


def _row_from_dict(r: dict[str, Any]) -> Row:
    return Row(
        label=r["label"],
        subject_code=r.get("subject_code"),
        line_item=r.get("line_item"),
        page=r.get("page"),
        cells=[
            Cell(
                measure=c["measure"],
                text=c["text"],
                value=Decimal(c["value"]),
                amount_yuan=Decimal(c["amount_yuan"]),
                page=c.get("page"),
                bbox=tuple(c["bbox"]) if c.get("bbox") else None,
                sheet=c.get("sheet"),
                table_index=c.get("table_index"),
                address=c.get("address"),
            )
            for c in r.get("cells", [])
        ],
    )


def _fmt(v: Any) -> str:
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    return "" if v is None else str(v)


_SCALARS = (str, int, float, bool, type(None))


def _plain(obj: Any) -> Any:
    """A dataclass tree as JSON-ready values (Decimals as text), in one pass: `dataclasses.asdict` deep-copies
    every leaf first, five times slower."""
    if isinstance(obj, _SCALARS):
        return obj
    if isinstance(obj, Decimal):
        return str(obj)
    fields = getattr(type(obj), "__dataclass_fields__", None)
    if fields is not None:
        return {name: _plain(getattr(obj, name)) for name in fields}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


__all__ = [
    "CELL_CSV_HEADER",
    "CELL_SOURCE_COLUMNS",
    "GOLD_CSV_HEADER",
    "Cell",
    "Column",
    "GoldCell",
    "NarrativeFact",
    "Problem",
    "Region",
    "Report",
    "Row",
    "RuleResult",
    "SourceInfo",
    "Table",
    "from_yuan",
    "parse_amount",
    "read_gold_csv",
    "report_from_gold",
    "to_yuan",
]
