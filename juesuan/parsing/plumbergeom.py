"""Page geometry from pdfplumber (pdfminer): the same `PageGeom` that `pdfgeom` builds from PDFium.

The two engines are two independent readings of a page's text layer and drawing: pdfminer interprets the
content stream in Python, PDFium in C. The table logic (`grid`, `stream`, `tables`) is one code path over
`PageGeom`; only where the characters and ruling lines come from differs.

pdfminer is slow, so it only reads the pages worth reading: every page is first triaged with PDFium
(`pdfgeom.load_page(chars=False)`: ruling segments and plain text, the table-like verdict), and pdfplumber
opens only the table-like pages (`pdfplumber.open(path, pages=[...])`). Prose pages keep the triage's
geometry, which has no characters and so cannot hold a table. The page's plain text (used to find titles of
tables printed without any ruling) is the triage's on every page.

Coordinates: pdfplumber already uses top-left origin with y down and applies /Rotate (pdfminer turns the page
as displayed), so no rotation is needed here.
"""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from juesuan.parsing.pdfgeom import (
    MIN_SEGMENT,
    THIN,
    WHITE,
    Char,
    PageGeom,
    _add_segment,
    dedupe_chars,
    load_page,
    on_shade,
)

#: Characters the PDFium reader drops as whitespace; dropped here too so both engines see the same glyphs.
_BLANKS = frozenset(" \r\n\t\xa0\u3000\ufeff\x02")


def load_pages(path: Path | str, pdf: pdfium.PdfDocument | None = None) -> list[PageGeom]:
    """Every page of the PDF at `path`: PDFium triage, pdfplumber geometry on the table-like pages."""
    import pdfplumber

    own = pdf is None
    doc = pdfium.PdfDocument(str(path)) if pdf is None else pdf
    try:
        pages = [load_page(doc, i, chars=False) for i in range(len(doc))]
    finally:
        if own:
            doc.close()
    wanted = [g.number for g in pages if g.table_like]
    if not wanted:
        return pages
    with pdfplumber.open(path, pages=wanted) as plumb:
        for ppage in plumb.pages:
            triaged = pages[ppage.page_number - 1]
            geom = page_geom(ppage)
            geom.text = triaged.text
            geom.table_like = True
            pages[ppage.page_number - 1] = geom
            ppage.close()
    return pages


def page_geom(ppage: Any) -> PageGeom:
    """Characters (whitespace dropped, overprints removed) and ruling segments of one pdfplumber page.

    Reads pdfplumber's `page.layout` (the pdfminer objects) with pdfplumber's own coordinate conversion
    (`top = height - y1 + mediabox top`, path points through `page.point2coord`) instead of `page.objects`:
    turning every object into a dict of all its attributes costs a third of the page's time and the table
    parser needs five numbers per object.
    """
    from pdfminer.layout import LTChar, LTContainer, LTCurve, LTRect

    geom = PageGeom(number=ppage.page_number, width=float(ppage.width), height=float(ppage.height))
    height = float(ppage.height)
    mb_top = float(ppage.mediabox[1])
    chars = geom.chars
    norm = ppage.pdf.unicode_norm
    stack = [iter(ppage.layout._objs)]
    shaded: list[tuple[float, float, float, float]] = []  # (x0, top, x1, bottom) of areas filled in a colour
    while stack:
        obj = next(stack[-1], None)
        if obj is None:
            stack.pop()
            continue
        if isinstance(obj, LTChar):
            text = obj.get_text()
            if norm is not None:
                text = unicodedata.normalize(norm, text)
            if not text or text in _BLANKS:
                continue
            if text.startswith("(cid:") or _unreadable(text):
                geom.unreadable_chars += 1
                text = "\ufffd"
            chars.append(
                Char(text, float(obj.x0), height - obj.y1 + mb_top, float(obj.x1), height - obj.y0 + mb_top)
            )
        elif isinstance(obj, LTCurve):  # LTLine and LTRect are curves too
            box = (float(obj.x0), float(obj.x1), height - obj.y1 + mb_top, height - obj.y0 + mb_top)
            area = (box[0], box[2], box[1], box[3])  # x0, top, x1, bottom
            thick = (
                box[1] - box[0] > THIN and box[3] - box[2] > THIN
            )  # a line is drawn to be seen (as pdfgeom)
            if thick and _white_only(obj) and not on_shade(shaded, *area):
                continue  # as pdfgeom: white on the white paper is no ruling line
            if (
                obj.fill
                and not _white(obj.non_stroking_color)
                and box[1] - box[0] > THIN
                and box[3] - box[2] > THIN
            ):
                shaded.append(area)
            _add_object(box, isinstance(obj, LTRect), obj, ppage, geom)
        elif isinstance(obj, LTContainer):  # a form XObject (LTFigure): its objects are in page space already
            stack.append(iter(obj._objs))
    if chars:
        geom.chars = dedupe_chars(chars)
    return geom


def _white(color: Any) -> bool:
    """pdfminer's colour (gray, RGB or CMYK tuple, or a bare number) is the paper's white."""
    c = color if isinstance(color, (tuple, list)) else (color,)
    if not c or not all(isinstance(v, (int, float)) for v in c):
        return False  # a pattern or an unknown space: count it as visible
    if len(c) == 4:  # CMYK: white is no ink at all
        return max(c) <= 1 - WHITE / 255
    return min(c) >= WHITE / 255


def _white_only(obj: Any) -> bool:
    """As `pdfgeom._paint`: a path painted only in the paper's white (no ruling line unless on a shade)."""
    painted = [
        col for on, col in ((obj.stroke, obj.stroking_color), (obj.fill, obj.non_stroking_color)) if on
    ]
    return all(_white(col) for col in painted)


def _unreadable(text: str) -> bool:
    o = ord(text[0])
    return o == 0xFFFD or 0xE000 <= o <= 0xF8FF or (o < 32 and text not in "\r\n\t")


def _add_object(
    box: tuple[float, float, float, float], rect: bool, obj: Any, ppage: Any, geom: PageGeom
) -> None:
    """One drawn path as ruling segments, by the rule the PDFium reader applies to a path object: a thin
    one is a single line along its middle; a larger one contributes its axis-aligned edges."""
    x0, x1, top, bottom = box
    w, h = x1 - x0, bottom - top
    if w < MIN_SEGMENT and h < MIN_SEGMENT:
        return
    if h <= THIN and w >= MIN_SEGMENT:
        geom.hsegs.append(((top + bottom) / 2, x0, x1))
        return
    if w <= THIN and h >= MIN_SEGMENT:
        geom.vsegs.append(((x0 + x1) / 2, top, bottom))
        return
    if rect:
        for a, b in (((x0, top), (x1, top)), ((x1, top), (x1, bottom)), ((x1, bottom), (x0, bottom))):
            _add_segment(a, b, geom.hsegs, geom.vsegs)
        _add_segment((x0, bottom), (x0, top), geom.hsegs, geom.vsegs)
        return
    pts = [ppage.point2coord(pt) for pt in obj.pts or ()]
    for a, b in itertools.pairwise(pts):
        _add_segment(a, b, geom.hsegs, geom.vsegs)
    path = obj.original_path or ()
    if pts and path and path[-1][0] == "h" and pts[0] != pts[-1]:
        _add_segment(pts[-1], pts[0], geom.hsegs, geom.vsegs)


__all__ = ["load_pages", "page_geom"]
