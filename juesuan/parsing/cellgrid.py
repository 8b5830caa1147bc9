"""Tables that arrive as cells (spreadsheets, HTML `<table>`s) → the same table logic the PDF parser uses.

A worksheet or an HTML table is already a grid of text cells with merged ranges. Instead of a second copy of the
title / unit / header-role / row-key logic, each sheet is laid out as a virtual page (`PageGeom`): every cell's
text becomes characters inside its cell box, the table rows get ruling lines around each (merged) cell, and the
title, 单位 and note rows above and below stay free text, as on a printed page. `tables.tables_from_pages` then
reads it exactly as it reads a ruled PDF page. The virtual geometry never leaves this module: afterwards each
cell's box is mapped back to where it came from (sheet and cell address, or HTML table and row/column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from juesuan.model import Report
from juesuan.parsing.pdfgeom import Char, PageGeom
from juesuan.parsing.tables import TablesResult, classify_title, norm, tables_from_pages

ROW_H = 16.0  # virtual row height (points)
COL_W = 96.0  # virtual column width
LEFT, TOP = 20.0, 20.0
CHAR_W = 8.0  # widest virtual glyph; narrower when a text must fit its cell

_META = re.compile(r"单位[:：]|^部门[:：]|^编制单位|^(?:公开)?\d+表$|^公开\d+表|^表\d+$|^\d{4}年度?$")
_NOTE = re.compile(r"^(?:注|说明|备注)\s*[:：0-9]")


@dataclass
class SourceCell:
    """One non-empty cell (or the anchor of a merged range) as the source shows it."""

    row: int  # 0-based, in the source's own coordinates
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class CellSheet:
    """One worksheet, or one HTML `<table>` with the text printed before/after it."""

    name: str  # sheet name, or "table N"
    cells: list[SourceCell]
    lines_before: list[str] = field(default_factory=list)
    lines_after: list[str] = field(default_factory=list)
    table_index: int | None = None  # HTML: 1-based position of the <table> in the page


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def address(row: int, col: int) -> str:
    """Spreadsheet A1 address of a 0-based (row, col)."""
    return f"{column_letter(col)}{row + 1}"


@dataclass
class _Placed:
    """Where a sheet's rows and columns went on its virtual page."""

    sheet: CellSheet
    row0: int
    col0: int
    top: float  # y of row0


def _is_free(texts: list[str], before_table: bool) -> bool:
    """Rows that are printed text around a table rather than table rows: titles, 单位/部门 lines, notes."""
    if not texts:
        return False
    normed = [norm(t) for t in texts]
    if all(_META.search(t) for t in normed):
        return True
    if len(normed) > 1:
        return False
    t = normed[0]
    if before_table:
        return True  # a single text above the header: title, subtitle, department line
    return bool(classify_title(t) is not None and t.endswith("表")) or bool(_NOTE.match(t))


def layout(sheets: list[CellSheet]) -> tuple[list[PageGeom], dict[int, _Placed]]:
    """One virtual page per sheet: free text lines, and ruled grids for the table rows."""
    pages: list[PageGeom] = []
    placed: dict[int, _Placed] = {}
    for number, sheet in enumerate(sheets, 1):
        geom, where = _page(number, sheet)
        pages.append(geom)
        placed[number] = where
    return pages, placed


def _page(number: int, sheet: CellSheet) -> tuple[PageGeom, _Placed]:
    cells = [c for c in sheet.cells if norm(c.text)]
    covered: dict[tuple[int, int], SourceCell] = {}
    for c in sheet.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                covered[(r, k)] = c
    row0 = min((c.row for c in sheet.cells), default=0)
    col0 = min((c.col for c in sheet.cells), default=0)
    row1 = max((c.row + c.rowspan - 1 for c in sheet.cells), default=-1)
    # rows under the first row of a vertically merged cell with text (a 项目 header spanning two rows)
    continued = {r for c in cells if c.rowspan > 1 for r in range(c.row + 1, c.row + c.rowspan)}
    by_row: dict[int, list[SourceCell]] = {}
    for c in sorted(cells, key=lambda c: (c.row, c.col)):
        by_row.setdefault(c.row, []).append(c)

    geom = PageGeom(number=number, width=0.0, height=0.0, table_like=True)
    text_lines: list[str] = []
    y = TOP
    for line in sheet.lines_before:
        _put_free(geom, [(0, line)], y, None)
        text_lines.append(line)
        y += ROW_H
    top = y
    # which rows are table rows: runs of rows between the free text above and below
    kinds: dict[int, str] = {}
    in_table = False
    for r in range(row0, row1 + 1):
        row_cells = by_row.get(r, [])
        spanned = r in continued
        if not row_cells and not spanned:
            kinds[r], in_table = "blank", False
            continue
        free = not spanned and _is_free([c.text for c in row_cells], before_table=not in_table)
        if free:
            kinds[r], in_table = "free", False
        else:
            kinds[r], in_table = "table", True
    for r in range(row0, row1 + 1):
        ry = top + (r - row0) * ROW_H
        row_cells = by_row.get(r, [])
        if kinds[r] == "free":
            _put_free(geom, [(c.col - col0, c.text) for c in row_cells], ry, None)
            text_lines.append("  ".join(c.text for c in row_cells))
        elif kinds[r] == "table":
            text_lines.append("  ".join(c.text for c in row_cells))
    # table regions: consecutive table rows; ruling around every cell of the region's columns
    regions: list[tuple[int, int]] = []
    start = None
    for r in range(row0, row1 + 2):
        if kinds.get(r) == "table":
            start = r if start is None else start
        elif start is not None:
            regions.append((start, r - 1))
            start = None
    for a, b in regions:
        cols = [
            k for (r, k), c in covered.items() if a <= r <= b and (norm(c.text) or (c.row, c.col) == (r, k))
        ]
        ca, cb = min(cols), max(cols)
        drawn: set[tuple[int, int]] = set()
        for r in range(a, b + 1):
            for k in range(ca, cb + 1):
                anchor = covered.get((r, k))
                if anchor is not None:
                    key = (anchor.row, anchor.col)
                    if key in drawn:
                        continue
                    drawn.add(key)
                    r_lo, r_hi = max(anchor.row, a), min(anchor.row + anchor.rowspan - 1, b)
                    k_lo, k_hi = max(anchor.col, ca), min(anchor.col + anchor.colspan - 1, cb)
                    text = anchor.text if a <= anchor.row <= b else ""
                else:
                    r_lo = r_hi = r
                    k_lo = k_hi = k
                    text = ""
                x0 = LEFT + (k_lo - col0) * COL_W
                x1 = LEFT + (k_hi - col0 + 1) * COL_W
                y0 = top + (r_lo - row0) * ROW_H
                y1 = top + (r_hi - row0 + 1) * ROW_H
                geom.hsegs += [(y0, x0, x1), (y1, x0, x1)]
                geom.vsegs += [(x0, y0, y1), (x1, y0, y1)]
                if text and anchor is not None and anchor.row >= a:
                    # the text sits in the range's top-left atomic cell: that is where its address is
                    _put_chars(geom, text, x0 + 2, y0 + (ROW_H - 8) / 2, COL_W - 4)
    y = top + (row1 - row0 + 1) * ROW_H + ROW_H
    for line in sheet.lines_after:
        _put_free(geom, [(0, line)], y, None)
        text_lines.append(line)
        y += ROW_H
    geom.text = "\n".join(text_lines)
    geom.width = LEFT * 2 + COL_W * (max((c.col + c.colspan for c in sheet.cells), default=1) - col0)
    geom.height = y + TOP
    return geom, _Placed(sheet, row0, col0, top)


def _put_free(geom: PageGeom, texts: list[tuple[int, str]], y: float, _: object) -> None:
    """Free text of one row: each text from its column, squeezed so it never runs into the next text."""
    texts = sorted((c, t) for c, t in texts if norm(t))
    for i, (c, t) in enumerate(texts):
        room = (texts[i + 1][0] - c) * COL_W - 4 if i + 1 < len(texts) else 4000.0
        _put_chars(geom, t, LEFT + c * COL_W + 2, y + (ROW_H - 8) / 2, room)


def _put_chars(geom: PageGeom, text: str, x: float, top: float, room: float) -> None:
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return
    w = min(CHAR_W, room / len(chars))
    for ch in chars:
        geom.chars.append(Char(ch, x, top, x + w, top + 8))
        x += w


def tables_from_sheets(sheets: list[CellSheet]) -> tuple[TablesResult, dict[int, _Placed]]:
    """The public tables of sheets laid out as pages, read by the PDF table logic."""
    pages, placed = layout(sheets)
    return tables_from_pages(pages), placed


def attach_provenance(report: Report, placed: dict[int, _Placed], *, html: bool) -> None:
    """Replace each cell's virtual page box by where it is in the source: sheet + A1, or table + row/col."""
    for _, _, cell in report.iter_cells():
        where = placed.get(cell.page or 0)
        if where is None or cell.bbox is None:
            continue
        cx = (cell.bbox[0] + cell.bbox[2]) / 2
        cy = (cell.bbox[1] + cell.bbox[3]) / 2
        r = where.row0 + int((cy - where.top) // ROW_H)
        c = where.col0 + int((cx - LEFT) // COL_W)
        if html:
            cell.table_index = where.sheet.table_index
            cell.address = f"R{r + 1}C{c + 1}"
        else:
            cell.sheet = where.sheet.name
            cell.address = address(r, c)
        cell.bbox = None


__all__ = [
    "CellSheet",
    "SourceCell",
    "address",
    "attach_provenance",
    "column_letter",
    "layout",
    "tables_from_sheets",
]
