"""Support for the parser tests (no tests here): cell scoring against gold/truth, and synthetic ruled pages."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from juesuan.model import GoldCell, Report
from juesuan.parsing.pdfgeom import Char, PageGeom

Key = tuple[str, str, str, str, Decimal]


def gold_keys(cells: list[GoldCell]) -> Counter[Key]:
    return Counter(
        (c.table_kind, c.subject_code, c.line_item, c.measure, c.amount_yuan)
        for c in cells
        if c.amount_yuan != 0
    )


def report_keys(report_tables: dict) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for kind, t in report_tables.items():
        for r in t.rows:
            for c in r.cells:
                if c.amount_yuan != 0:
                    out[(kind, r.subject_code or "", r.line_item or "", c.measure, c.amount_yuan)] += 1
    return out


def score(expected: Counter[Key], got: Counter[Key]) -> tuple[float, float, list[Key], list[Key]]:
    """(recall, precision, missing, extra) over nonzero cells with the same keys and amount."""
    tp = sum((expected & got).values())
    recall = tp / sum(expected.values()) if expected else 1.0
    precision = tp / sum(got.values()) if got else 1.0
    return recall, precision, sorted(expected - got), sorted(got - expected)


def score_report(report: Report, cells: list[GoldCell]) -> tuple[float, float, list[Key], list[Key]]:
    return score(gold_keys(cells), report_keys(report.tables))


def ruled_page(
    number: int,
    blocks: list[tuple[list[str], list[list[str | None]]]],
    width: float = 800.0,
    col_width: float = 90.0,
) -> PageGeom:
    """A synthetic page: each block is (free text lines above, grid rows of cell texts), ruled; a cell text
    of None merges that cell with its left neighbour.

    Characters are 6 pt wide and 8 pt high, laid out like a real producer would; good enough to exercise the
    grid and table logic without a PDF.
    """
    geom = PageGeom(number=number, width=width, height=1200.0)
    y = 20.0
    for lines, rows in blocks:
        for line in lines:
            _text(geom, line, 40.0, y)
            y += 14
        ncols = max(len(r) for r in rows) if rows else 0
        for row in rows:
            for c, text in enumerate(row):
                if text:
                    _text(geom, text, 40.0 + c * col_width + 3, y + 3)
            geom.hsegs.append((y, 40.0, 40.0 + ncols * col_width))
            for c in range(ncols + 1):  # None = merged with the cell on its left: no ruling between them
                if c in (0, ncols) or row[c] is not None:
                    geom.vsegs.append((40.0 + c * col_width, y, y + 14))
            y += 14
        geom.hsegs.append((y, 40.0, 40.0 + ncols * col_width))
        y += 20
    return geom


def _text(geom: PageGeom, text: str, x: float, y: float) -> None:
    for ch in text:
        if ch != " ":
            geom.chars.append(Char(ch, x, y, x + 6, y + 8))
        x += 6


def strip_rulings(src: Path, out: Path, keep_horizontal: bool = False) -> None:
    """Copy a PDF without its ruling lines (all, or only the vertical ones): an unruled table layout."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(str(src))
    for i in range(len(pdf)):
        page = pdf[i]
        for obj in list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=1)):
            left, bottom, right, top = obj.get_bounds()
            if not keep_horizontal or right - left < top - bottom:
                page.remove_obj(obj)
        page.gen_content()
    pdf.save(str(out))
