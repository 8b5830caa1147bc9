"""Paths painted in the paper's white are no ruling lines, unless they are drawn on a shade.

江苏 2019's Excel export draws a white background rectangle inset in every cell; their edges split cells and
numbers when read as ruling. White gaps between dark cells, though, can be a table's only rules. Both page
readers (PDFium and pdfplumber) must agree on both drawings.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen import canvas

from juesuan.parsing.grid import find_grids
from juesuan.parsing.pdfgeom import load_page
from juesuan.parsing.plumbergeom import load_pages

XS = [100.0, 200.0, 300.0]  # two columns
YS = [700.0, 680.0, 660.0]  # two rows (PDF space, y up)


def _white(c: canvas.Canvas, x: float, y: float, w: float, h: float) -> None:
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)


def _padded(path: Path) -> None:
    """Black hairline rules; each cell's white background inset 5 pt from its side rules, drawn in three strips."""
    c = canvas.Canvas(str(path))
    for x in XS:
        c.rect(x - 0.25, YS[-1], 0.5, YS[0] - YS[-1], stroke=0, fill=1)
    for y in YS:
        c.rect(XS[0], y - 0.25, XS[-1] - XS[0], 0.5, stroke=0, fill=1)
    for x0, x1 in itertools.pairwise(XS):
        for y1, y0 in itertools.pairwise(YS):
            for a, b in ((x0 + 0.3, x0 + 5), (x0 + 5, x1 - 5), (x1 - 5, x1 - 0.3)):
                _white(c, a, y0 + 0.3, b - a, y1 - y0 - 0.6)
    c.drawString(XS[1] + 2, YS[1] + 5, "160.00")  # straddles the inset edge at XS[1] + 5
    c.save()


def _white_gaps(path: Path) -> None:
    """A dark table whose cells are white rectangles with gaps between them: the gaps are the rules."""
    c = canvas.Canvas(str(path))
    c.rect(XS[0], YS[-1], XS[-1] - XS[0], YS[0] - YS[-1], stroke=0, fill=1)
    for x0, x1 in itertools.pairwise(XS):
        for y1, y0 in itertools.pairwise(YS):
            _white(c, x0 + 0.5, y0 + 0.5, x1 - x0 - 1, y1 - y0 - 1)
    c.drawString(XS[1] + 20, YS[1] + 5, "160.00")
    c.save()


def _grids(path: Path, engine: str):  # type: ignore[no-untyped-def]
    if engine == "pdfium":
        pdf = pdfium.PdfDocument(str(path))
        try:
            geom = load_page(pdf, 0)
        finally:
            pdf.close()
    else:
        geom = load_pages(path)[0]
        geom.table_like = True
    return find_grids(geom)


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_white_cell_backgrounds_are_no_rules(tmp_path: Path, engine: str) -> None:
    pdf = tmp_path / "padded.pdf"
    _padded(pdf)
    (g,) = _grids(pdf, engine)
    assert [round(x) for x in g.xs] == [100, 200, 300] and g.nrows == 2
    assert "160.00" in [g.atomic_text(r, c) for r in range(g.nrows) for c in range(g.ncols)]


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_white_gaps_on_a_shade_are_rules(tmp_path: Path, engine: str) -> None:
    pdf = tmp_path / "gaps.pdf"
    _white_gaps(pdf)
    (g,) = _grids(pdf, engine)
    assert g.ncols >= 2 and g.nrows >= 2, (g.xs, g.ys)
    assert any(abs(x - 200) < 1.5 for x in g.xs)
