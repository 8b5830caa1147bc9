"""Read a 部门决算 published as an Excel workbook (.xlsx or legacy .xls) into the same `Report` as a PDF.

python-calamine (Rust, reads both formats) gives each visible sheet's values and merged ranges; each sheet becomes
a grid of text cells (`cellgrid`) read by the PDF parser's own table logic, and every cell keeps its sheet and A1
address. Numbers stored as numbers are read as the sheet shows them (two decimals, or the decimals of the cell's
number format when it stores more: 463.4812 under `0.00` is 463.48); numbers stored as text ("1,234.56") are
read as printed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from juesuan.model import Problem, Region, Report, SourceInfo
from juesuan.parsing.cellgrid import CellSheet, SourceCell, attach_provenance, tables_from_sheets
from juesuan.parsing.tables import norm

#: Header words of columns whose whole numbers are labels (行次, codes), not money.
_INT_HEADER = re.compile(r"行次|栏次|编码|代码|编号|序号|^[类款项]$")
_SEQ_MARKS = {"栏次", "行次", "甲", "乙", "丙", "丁"}


def read_workbook(path: Path) -> tuple[list[CellSheet], list[Problem]]:
    """The visible worksheets of a workbook as grids of text cells (hidden sheets are skipped, with a note)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    wb = CalamineWorkbook.from_path(str(path))
    sheets: list[CellSheet] = []
    problems: list[Problem] = []
    try:
        for meta in wb.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                problems.append(_hidden(meta.name, wb))
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            values = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
            try:
                formats = _display_decimals(path, meta.name, values)
            except Exception as exc:  # the values are still good: keep them as stored, and say so
                formats = {}
                problems.append(
                    Problem(
                        code="number_formats_unread",
                        message=f"number formats of sheet {meta.name!r} not read ({type(exc).__name__}: {exc}); "
                        "numbers stored with more decimals than shown are kept as stored",
                        severity="warning",
                    )
                )
            sheets.append(CellSheet(name=meta.name, cells=_cells(values, merged, formats)))
    finally:
        wb.close()
    return sheets, problems


def _hidden(name: str, wb: object) -> Problem:
    """A hidden sheet is not what readers see, so it is not read; one that holds a public table title says so."""
    from juesuan.parsing.tables import classify_title

    try:
        values = wb.get_sheet_by_name(name).to_python()  # type: ignore[attr-defined]
    except Exception:  # a chart or macro sheet has no cells
        values = []
    titles = [
        norm(v)
        for row in values
        for v in row
        if isinstance(v, str) and classify_title(norm(v)) not in (None, "other")
    ]
    if titles:
        return Problem(
            code="hidden_sheet",
            message=f"hidden sheet {name!r} holds {titles[0]!r} and is not read (readers of the workbook do not see "
            "it); the visible sheets are the report",
            severity="warning",
        )
    return Problem(code="hidden_sheet", message=f"hidden sheet {name!r} not read", severity="info")


def _extra_decimals(v: object) -> bool:
    """A number stored with more than two decimals that are not binary noise (463.4812, not 0.30000000000000004)."""
    if isinstance(v, bool) or not isinstance(v, float):
        return False
    d = Decimal(repr(v))
    return d.as_tuple().exponent < -2 and abs(d - round(d, 2)) >= Decimal("1e-6")


def _display_decimals(path: Path, sheet: str, values: list[list[object]]) -> dict[tuple[int, int], int]:
    """Decimals the sheet shows for numbers stored with more (`0.00` shows 463.4812 as 463.48), by (row, col).

    Only .xlsx formats are read (openpyxl, only when such a number exists); a legacy .xls keeps the stored value.
    """
    wanted = {(r, c) for r, row in enumerate(values) for c, v in enumerate(row) if _extra_decimals(v)}
    if not wanted or not zipfile.is_zipfile(path):
        return {}
    from openpyxl import load_workbook

    out: dict[tuple[int, int], int] = {}
    # a file object: openpyxl refuses a path without an .xlsx name (the raw store keeps files under their hash)
    with open(path, "rb") as fh:
        wb = load_workbook(fh, read_only=True)
        try:
            rows = sorted({r for r, _ in wanted})
            for r, row in enumerate(wb[sheet].iter_rows(min_row=rows[0] + 1, max_row=rows[-1] + 1), rows[0]):
                for c, cell in enumerate(row):
                    if (r, c) in wanted:
                        n = _format_decimals(getattr(cell, "number_format", None) or "General")
                        if n is not None:
                            out[(r, c)] = n
        finally:
            wb.close()
    return out


def _format_decimals(fmt: str) -> int | None:
    """Decimals of a number format's first section (`#,##0.00` → 2, `0` → 0); None for General, %, dates, text."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt.split(";")[0])
    if fmt == "General" or "%" in section or re.search(r"[yMdhms@]", section, re.I) or "0" not in section:
        return None
    m = re.search(r"\.(0+)", section)
    return len(m.group(1)) if m else 0


def _cells(
    values: list[list[object]],
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    decimals: dict[tuple[int, int], int] | None = None,
) -> list[SourceCell]:
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for (r0, c0), (r1, c1) in merged}
    hidden = {
        (r, c)
        for (r0, c0), (r1, c1) in merged
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
        if (r, c) != (r0, c0)
    }
    int_cols = _integer_columns(values)
    out: list[SourceCell] = []
    for r, row in enumerate(values):
        seq = _sequence_row(row)
        for c, v in enumerate(row):
            if (r, c) in hidden:
                continue
            text = _text(v, whole_as_int=seq or c in int_cols, decimals=(decimals or {}).get((r, c)))
            rs, cs = spans.get((r, c), (1, 1))
            if text or (rs, cs) != (1, 1):
                out.append(SourceCell(r, c, text, rs, cs))
    return out


def _integer_columns(values: list[list[object]]) -> set[int]:
    """Columns headed 行次 / 编码 / 类 款 项: their whole numbers are row numbers and codes, never amounts."""
    cols: set[int] = set()
    for row in values:
        for c, v in enumerate(row):
            if isinstance(v, str) and _INT_HEADER.search(norm(v)) and len(norm(v)) <= 12:
                cols.add(c)
    return cols


def _sequence_row(row: list[object]) -> bool:
    """A 栏次 row: column numbers 1, 2, 3 … (with 栏次 / 甲 乙 marks), stored as numbers."""
    nums = [v for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)]
    texts = [norm(v) for v in row if isinstance(v, str) and norm(v)]
    if len(nums) < 2 or any(t not in _SEQ_MARKS and not t.isdigit() for t in texts):
        return False
    if not all(float(n).is_integer() for n in nums):
        return False
    ints = [int(n) for n in nums]
    return all(b == a + 1 for a, b in itertools.pairwise(ints))


def _text(v: object, *, whole_as_int: bool, decimals: int | None = None) -> str:
    """A cell as the sheet shows it: text as stored; money with two decimals (or its format's decimals when it is
    stored with more); row numbers and codes as integers."""
    if v is None or isinstance(v, str):
        return (v or "").strip()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and v.is_integer() and whole_as_int:
            return str(int(v))
        if isinstance(v, int):
            return str(v) if whole_as_int else f"{v}.00"
        d = Decimal(repr(v))
        if decimals is not None:  # shown rounded by its number format, half away from zero as Excel does
            return f"{d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
        if d.as_tuple().exponent < -2 and abs(d - round(d, 2)) < Decimal("1e-6"):
            d = round(d, 2)  # binary noise of a formula result (0.1 + 0.2): the sheet shows 0.30
        if d.as_tuple().exponent >= -2:
            return f"{d:.2f}"
        return format(d, "f")
    if isinstance(v, (dt.date, dt.time, dt.datetime, dt.timedelta)):
        return str(v)
    return str(v)


def parse_workbook(path: Path, data: bytes, kind: str, region_hint: Region | None = None) -> Report:
    """The typed report of a workbook; `NotAFinalAccount` when it holds no public 决算 table (or is a 预算)."""
    from juesuan.parsing.document import NotAFinalAccount
    from juesuan.parsing.formats import finish_report

    try:
        sheets, problems = read_workbook(path)
    except Exception as exc:  # calamine's errors: password, broken zip/OLE, bad XML
        name = type(exc).__name__
        if name == "PasswordError":
            raise NotAFinalAccount("encrypted", "encrypted workbook: it needs a password to open") from exc
        raise NotAFinalAccount("unreadable", f"unreadable workbook: {name}: {exc}".splitlines()[0]) from exc
    if not any(norm(c.text) for s in sheets for c in s.cells):
        raise NotAFinalAccount(
            "empty", f"empty workbook: none of its {len(sheets)} visible sheets has a value"
        )
    source = SourceInfo(
        sha256=hashlib.sha256(data).hexdigest(), path=str(path), page_count=len(sheets), format=kind
    )
    what = f"workbook ({len(sheets)} sheets: {', '.join(s.name for s in sheets[:12])})"
    page_texts = [_sheet_text(s) for s in sheets]
    from juesuan.budgets.cells import budget_from_cells  # a 部门预算 workbook: the budget family's reader

    budget = budget_from_cells(
        sheets, page_texts=page_texts, source=source, region_hint=region_hint, what=what, html=False
    )
    if budget is not None:
        budget.problems[:0] = problems
        return budget
    result, placed = tables_from_sheets(sheets)
    report = finish_report(result, page_texts=page_texts, source=source, region_hint=region_hint, what=what)
    report.problems[:0] = problems
    attach_provenance(report, placed, html=False)
    return report


def _sheet_text(sheet: CellSheet) -> str:
    rows: dict[int, list[SourceCell]] = {}
    for c in sheet.cells:
        rows.setdefault(c.row, []).append(c)
    return "\n".join(
        "  ".join(c.text for c in sorted(cs, key=lambda c: c.col)) for _, cs in sorted(rows.items())
    )


__all__ = ["parse_workbook", "read_workbook"]
