"""Page geometry straight from PDFium: characters with boxes and axis-aligned ruling segments.

Why PDFium and not pdfminer (pdfplumber): the text layer and the ruling lines are all the table parser needs,
and PDFium hands them over in C at a small fraction of pdfminer's cost (pdfminer's page parsing dominates
pdfplumber's `extract_tables`). Coordinates are converted to pdfplumber's convention: origin top-left, y down.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

#: Segments shorter than this (points) are glyph debris or tick marks, not ruling lines.
MIN_SEGMENT = 2.0
#: A path drawn this thin (points) in one direction is a line, whatever its construction.
THIN = 2.5
#: A colour channel at least this bright (of 255) on every channel is the paper's white.
WHITE = 250


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class PageGeom:
    """One page: its 1-based number, size, characters (whitespace dropped) and ruling segments."""

    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    hsegs: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    vsegs: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom)
    text: str = ""
    unreadable_chars: int = 0  # glyphs without a usable Unicode mapping (cid:/private use)
    #: The triage verdict: ruled, or an unruled table layout; only such pages get their characters boxed.
    table_like: bool = False
    #: id(char) → the undecodable font it is drawn in (fonts.mark_undecodable), for the few PDFs that have one
    bad_fonts: dict[int, str] = field(default_factory=dict)


#: FPDFText_GetUnicode and FPDFText_GetCharBox with plain pointer arguments: called with integer addresses they
#: skip the typed bindings' per-call argument checks, which cost as much as the calls themselves. Made with
#: PYFUNCTYPE (same C calling convention), which keeps the GIL over the call: releasing and taking it back cost
#: about a tenth of each of these microsecond calls, made for every glyph of a table page; PDFium is not
#: thread-safe anyway, and it sets no Python error for the check after the call to find.
_VOID = ctypes.c_void_p
_GET_UNICODE = ctypes.PYFUNCTYPE(ctypes.c_uint, _VOID, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetUnicode, _VOID).value
)
_GET_CHAR_BOX = ctypes.PYFUNCTYPE(ctypes.c_int, _VOID, ctypes.c_int, _VOID, _VOID, _VOID, _VOID)(
    ctypes.cast(pdfium_c.FPDFText_GetCharBox, _VOID).value
)

#: Characters that are not glyphs on the page: spaces, line ends, BOM, and PDFium's generated STX.
_BLANK_CODES = frozenset((0x20, 0x0D, 0x0A, 0x09, 0xA0, 0x3000, 0xFEFF, 0x02))


def char_codes(textpage: pdfium.PdfTextPage, n: int) -> list[int]:
    """The Unicode code of each of the `n` characters of `textpage`, as `FPDFText_GetUnicode` gives them, read in
    one `FPDFText_GetText` call instead of one call per character.

    GetText writes one UTF-16 unit per character index, except that it writes U+FFFE where GetUnicode gives a
    generated character (STX, say) and a surrogate pair where GetUnicode gives a code above U+FFFF: the
    former is asked of GetUnicode for that index alone, the latter (which would shift every later index) for
    the whole page.
    """
    raw_tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    buf = ctypes.create_string_buffer(2 * (n + 1))
    written = pdfium_c.FPDFText_GetText(textpage.raw, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    units = np.frombuffer(buf, np.uint16, n)
    if written != n + 1 or ((units >= 0xD800) & (units <= 0xDFFF)).any():
        return [_GET_UNICODE(raw_tp, i) for i in range(n)]
    codes = units.tolist()
    if 0xFFFE in codes:
        codes = [_GET_UNICODE(raw_tp, i) if code == 0xFFFE else code for i, code in enumerate(codes)]
    return codes


def load_page(pdf: pdfium.PdfDocument, index: int, chars: bool = True) -> PageGeom:
    """Ruling segments, text and (on ruled pages only) character boxes of page `index` (0-based).

    A page without ruling lines cannot hold a ruled table, so its characters are not boxed one by one: the
    per-character loop is the largest cost of reading a page, and most pages of a report are prose.
    `chars=False` is the triage alone (segments, text, `table_like`): the pdfplumber engine reads the
    characters of the table-like pages itself.
    """
    page = pdf[index]
    try:
        return page_geom(page, index, chars)
    finally:
        page.close()


def page_geom(page: pdfium.PdfPage, index: int, chars: bool = True) -> PageGeom:
    """As `load_page`, of a page the caller loaded (and closes): the document pass reads its page texts here,
    so each page is loaded once for both passes."""
    width, height = page.get_size()
    geom = PageGeom(number=index + 1, width=width, height=height)
    _load_segments(page, geom)
    ruled = len(geom.hsegs) >= 2 and len(geom.vsegs) >= 2
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        geom.text = textpage.get_text_range() if n else ""
        geom.table_like = ruled or _maybe_unruled_table(geom.text)
        if not (geom.table_like and chars):
            n = 0
        if n:
            geom.chars, geom.unreadable_chars = _box_chars(textpage, char_codes(textpage, n), height)
    finally:
        textpage.close()
    rotation = page.get_rotation()
    if rotation in (90, 180, 270):
        _rotate(geom, rotation)
    return geom


#: `_BLANK_CODES` as an array, for the vectorised filter of `_box_chars`
_BLANK_ARRAY = np.array(sorted(_BLANK_CODES), np.int64)


def _box_chars(textpage: pdfium.PdfTextPage, codes: list[int], height: float) -> tuple[list[Char], int]:
    """The glyphs of a table page with their boxes (blanks dropped, overprints deduplicated) and how many have no
    usable Unicode mapping.

    The filters and the coordinate flips run in numpy, and `FPDFText_GetCharBox` is mapped straight over the
    indices with each box written into one array (no Python loop body, no `.value` reads per glyph): this runs
    for every glyph of every table page. The overprint check reads the same arrays (`_none_near_arrays`).
    """
    arr = np.array(codes, np.int64)
    index = np.flatnonzero(~np.isin(arr, _BLANK_ARRAY))
    kept = arr[index]
    kept[kept >= 0x110000] = 0xFFFD
    # replacement, private use, control: counted whether or not PDFium has a box for the glyph
    unreadable = int(np.count_nonzero((kept == 0xFFFD) | ((kept >= 0xE000) & (kept <= 0xF8FF)) | (kept < 32)))
    m = len(index)
    if not m:
        return [], unreadable
    boxes = np.zeros((m, 4), np.float64)  # left, right, bottom, top: FPDFText_GetCharBox's order
    at = boxes.ctypes.data + 32 * np.arange(m, dtype=np.int64)
    raw_tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    ok = np.fromiter(
        map(
            _GET_CHAR_BOX,
            repeat(raw_tp, m),
            index.tolist(),
            at.tolist(),
            (at + 8).tolist(),
            (at + 16).tolist(),
            (at + 24).tolist(),
        ),
        np.int64,
        m,
    ).astype(bool)
    if not ok.all():
        boxes, kept = boxes[ok], kept[ok]
    x0, x1 = boxes[:, 0], boxes[:, 1]
    top, bottom = height - boxes[:, 3], height - boxes[:, 2]
    chars = list(map(Char, map(chr, kept.tolist()), x0.tolist(), top.tolist(), x1.tolist(), bottom.tolist()))
    if len(chars) > 1 and not _none_near_arrays(kept, x0, top, 1.5):
        chars = _dedupe_exact(chars, 1.5)
    return chars, unreadable


def dedupe_chars(chars: list[Char], tol: float = 1.5) -> list[Char]:
    """Drop glyphs drawn twice at (almost) the same place: producers fake bold by overprinting, which would
    read 收收入入决决算算表表 and 11,,223344.."""
    if _none_near(chars, tol):  # nearly every page: nothing overprinted, nothing to drop
        return list(chars)
    return _dedupe_exact(chars, tol)


def _dedupe_exact(chars: list[Char], tol: float) -> list[Char]:
    """`dedupe_chars` glyph by glyph (when `_none_near` cannot show that nothing is overprinted)."""
    # Buckets twice the tolerance wide: a glyph within `tol` of (x, y) lies in the bucket of (x, y) or in the one
    # on the side (x, y) is nearer to, so 4 buckets are looked at instead of 9 (a margin keeps float rounding at
    # a bucket's middle safe: both sides are looked at there). Same glyphs kept, in the same order.
    size, near, far = 2 * tol, tol - 1e-6, tol + 1e-6
    kept: dict[tuple[str, int, int], list[Char]] = {}
    get = kept.get
    out: list[Char] = []
    for ch in chars:  # plain loops: this runs for every glyph of every page (a generator cost 35% more)
        x, y, text = ch.x0, ch.top, ch.text
        bx, by = int(x // size), int(y // size)
        fx, fy = x - bx * size, y - by * size
        xs = (bx - 1, bx, bx + 1) if near < fx < far else (bx - 1, bx) if fx < tol else (bx, bx + 1)
        ys = (by - 1, by, by + 1) if near < fy < far else (by - 1, by) if fy < tol else (by, by + 1)
        dup = False
        for kx in xs:
            for ky in ys:
                for o in get((text, kx, ky), ()):
                    if abs(o.x0 - x) < tol and abs(o.top - y) < tol:
                        dup = True
                        break
                if dup:
                    break
            if dup:
                break
        if not dup:
            key = (text, bx, by)
            bucket = get(key)
            if bucket is None:
                kept[key] = [ch]
            else:
                bucket.append(ch)
            out.append(ch)
    return out


def _none_near(chars: list[Char], tol: float) -> bool:
    """True when no two glyphs of the same text lie within `tol` of each other in both directions (so
    `dedupe_chars` drops nothing), decided in numpy: two such glyphs fall in the same or in adjacent cells of a
    `tol` grid, so it is enough that no cell holds two glyphs of one text and no adjacent cell one of the same
    text. False whenever that cannot be shown (then the exact loop decides)."""
    n = len(chars)
    if n < 2:
        return True
    try:
        codes = np.fromiter(map(ord, map(_TEXT, chars)), np.int64, n)
    except TypeError:  # a glyph of more than one character (ligature): the exact loop
        return False
    x0 = np.fromiter(map(_X0, chars), np.float64, n)
    top = np.fromiter(map(_TOP, chars), np.float64, n)
    return _none_near_arrays(codes, x0, top, tol)


_TEXT, _X0, _TOP = attrgetter("text"), attrgetter("x0"), attrgetter("top")


def _none_near_arrays(codes: np.ndarray, x0: np.ndarray, top: np.ndarray, tol: float) -> bool:
    """`_none_near` of glyphs given as arrays: their codes (int64), left edges and tops."""
    n = len(codes)
    if n < 2:
        return True
    bx = np.floor(x0 / tol)
    by = np.floor(top / tol)
    lo, hi = np.minimum(bx.min(), by.min()), np.maximum(bx.max(), by.max())  # NaN stays NaN
    if not (lo > -(1 << 13) and hi < 1 << 13):  # far off the page (or NaN)
        return False
    keys = np.sort(
        (codes << 32) | ((bx.astype(np.int64) + (1 << 14)) << 16) | (by.astype(np.int64) + (1 << 14))
    )
    if (keys[1:] == keys[:-1]).any():
        return False
    # the neighbour cells (x, y+1), (x+1, y-1), (x+1, y), (x+1, y+1): the other four give the same pairs
    shifted = (keys[None, :] + np.array([[1], [(1 << 16) - 1], [1 << 16], [(1 << 16) + 1]])).ravel()
    at = np.searchsorted(keys, shifted)
    at[at == n] = 0
    return not (keys[at] == shifted).any()


_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(?:万元|元)")
_AMOUNT = re.compile(r"\d\.\d\d(?!\d)")


def _maybe_unruled_table(text: str) -> bool:
    """Worth boxing the characters of an unruled page: a 单位 line, or many amounts and little prose."""
    return bool(_UNIT_LINE.search(text)) or (len(_AMOUNT.findall(text)) >= 10 and text.count("。") <= 2)


def _rotate(geom: PageGeom, rotation: int) -> None:
    """Turn the unrotated frame into what the reader sees for a page with /Rotate (clockwise) 90, 180 or 270.

    Producers draw landscape tables sideways on a portrait page and set /Rotate so they display upright; read
    in the unrotated frame such text would run down the page.
    """
    w, h = geom.width, geom.height
    if rotation == 90:

        def m(x: float, t: float) -> tuple[float, float]:
            return h - t, x

        geom.width, geom.height = h, w
    elif rotation == 270:

        def m(x: float, t: float) -> tuple[float, float]:
            return t, w - x

        geom.width, geom.height = h, w
    else:

        def m(x: float, t: float) -> tuple[float, float]:
            return w - x, h - t

    chars = []
    for ch in geom.chars:
        (ax, at), (bx, bt) = m(ch.x0, ch.top), m(ch.x1, ch.bottom)
        chars.append(Char(ch.text, min(ax, bx), min(at, bt), max(ax, bx), max(at, bt)))
    geom.chars = chars
    hsegs: list[tuple[float, float, float]] = []
    vsegs: list[tuple[float, float, float]] = []
    for t, x0, x1 in geom.hsegs:
        _add_segment(m(x0, t), m(x1, t), hsegs, vsegs)
    for x, t0, t1 in geom.vsegs:
        _add_segment(m(x, t0), m(x, t1), hsegs, vsegs)
    geom.hsegs, geom.vsegs = hsegs, vsegs


def _untyped(func, restype, *argtypes):  # type: ignore[no-untyped-def]
    """`func` through a prototype of plain integers and addresses: the typed bindings' per-call argument checks
    cost as much as the calls themselves, and the path loop makes a dozen calls per path. PYFUNCTYPE, as for
    `_GET_CHAR_BOX`: the GIL kept over these short calls (segments 0.49 → 0.43 ms a budget page)."""
    return ctypes.PYFUNCTYPE(restype, *argtypes)(ctypes.cast(func, _VOID).value)


_INT = ctypes.c_int
_OBJ_TYPE = _untyped(pdfium_c.FPDFPageObj_GetType, _INT, _VOID)
_PAGE_COUNT = _untyped(pdfium_c.FPDFPage_CountObjects, _INT, _VOID)
_PAGE_OBJECT = _untyped(pdfium_c.FPDFPage_GetObject, _VOID, _VOID, _INT)
_FORM_COUNT = _untyped(pdfium_c.FPDFFormObj_CountObjects, _INT, _VOID)
_FORM_OBJECT = _untyped(pdfium_c.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_GET_BOUNDS = _untyped(pdfium_c.FPDFPageObj_GetBounds, _INT, _VOID, _VOID, _VOID, _VOID, _VOID)
_GET_MATRIX = _untyped(pdfium_c.FPDFPageObj_GetMatrix, _INT, _VOID, _VOID)
_DRAW_MODE = _untyped(pdfium_c.FPDFPath_GetDrawMode, _INT, _VOID, _VOID, _VOID)
_FILL_COLOR = _untyped(pdfium_c.FPDFPageObj_GetFillColor, _INT, _VOID, _VOID, _VOID, _VOID, _VOID)
_STROKE_COLOR = _untyped(pdfium_c.FPDFPageObj_GetStrokeColor, _INT, _VOID, _VOID, _VOID, _VOID, _VOID)
_COUNT_SEGMENTS = _untyped(pdfium_c.FPDFPath_CountSegments, _INT, _VOID)
_GET_SEGMENT = _untyped(pdfium_c.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_SEGMENT_POINT = _untyped(pdfium_c.FPDFPathSegment_GetPoint, _INT, _VOID, _VOID, _VOID)
_SEGMENT_TYPE = _untyped(pdfium_c.FPDFPathSegment_GetType, _INT, _VOID)
_SEGMENT_CLOSE = _untyped(pdfium_c.FPDFPathSegment_GetClose, _INT, _VOID)
_MOVETO = pdfium_c.FPDF_SEGMENT_MOVETO
_FILLMODE_NONE = pdfium_c.FPDF_FILLMODE_NONE


def _load_segments(page: pdfium.PdfPage, geom: PageGeom) -> None:
    height = geom.height
    hsegs, vsegs = geom.hsegs, geom.vsegs
    # out-parameters with their addresses taken once a page (the loop runs for every path of the page)
    x, y = ctypes.c_float(), ctypes.c_float()
    px_addr, py_addr = ctypes.addressof(x), ctypes.addressof(y)
    left_, bottom_, right_, top_ = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    bounds_addrs = tuple(ctypes.addressof(v) for v in (left_, bottom_, right_, top_))
    matrix = pdfium_c.FS_MATRIX()
    matrix_addr = ctypes.addressof(matrix)
    get_bounds, get_segment, segment_point = _GET_BOUNDS, _GET_SEGMENT, _SEGMENT_POINT
    segment_type, segment_close = _SEGMENT_TYPE, _SEGMENT_CLOSE
    shaded: list[tuple[float, float, float, float]] = []  # areas filled in a colour so far (page space)
    raw_page = ctypes.cast(page.raw, _VOID).value
    for raw, outer in _path_objects(raw_page):
        if not get_bounds(raw, *bounds_addrs):
            continue
        left, bottom, right, top = left_.value, bottom_.value, right_.value, top_.value
        w, h = right - left, top - bottom
        paint = _paint(raw) if w > THIN and h > THIN else DRAWN  # a line is drawn to be seen
        if paint == WHITE_ONLY and not on_shade(shaded, left, bottom, right, top):
            continue  # white on the white paper: invisible, no ruling (but white lines on a shade are drawn)
        if paint == SHADE and w > THIN and h > THIN and not outer:
            shaded.append((left, bottom, right, top))
        if w < MIN_SEGMENT and h < MIN_SEGMENT:
            continue
        if outer:  # inside a form XObject: bounds are in the form's space; walk the segments instead
            pass
        elif h <= THIN and w >= MIN_SEGMENT:
            hsegs.append((height - (top + bottom) / 2, left, right))
            continue
        elif w <= THIN and h >= MIN_SEGMENT:
            vsegs.append(((left + right) / 2, height - top, height - bottom))
            continue
        # A larger path: walk its segments (rectangles, polylines, a whole grid in one path).
        if not _GET_MATRIX(raw, matrix_addr):
            continue
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        for om in outer:  # enclosing form XObjects
            a, b, c, d, e, f = (
                a * om.a + b * om.c,
                a * om.b + b * om.d,
                c * om.a + d * om.c,
                c * om.b + d * om.d,
                e * om.a + f * om.c + om.e,
                e * om.b + f * om.d + om.f,
            )
        nseg = _COUNT_SEGMENTS(raw)
        start = prev = None
        for k in range(nseg):
            seg = get_segment(raw, k)
            if not segment_point(seg, px_addr, py_addr):
                continue
            sx, sy = x.value, y.value
            pt = (a * sx + c * sy + e, height - (b * sx + d * sy + f))
            if prev is None or segment_type(seg) == _MOVETO:
                start = prev = pt
            else:
                _add_segment(prev, pt, hsegs, vsegs)
                prev = pt
            if segment_close(seg) and start is not None:
                _add_segment(prev, start, hsegs, vsegs)
                prev = start


_fill_mode, _stroke = ctypes.c_int(), ctypes.c_int()
_rgba = tuple(ctypes.c_uint() for _ in range(4))
#: addresses taken once: `_paint` runs for every path object of every page
_MODE_ADDRS = (ctypes.addressof(_fill_mode), ctypes.addressof(_stroke))
_RGBA_ADDRS = tuple(ctypes.addressof(v) for v in _rgba)


#: What `_paint` says of a path: drawn in some colour, painted only in white (or transparent), filled in a colour.
DRAWN, WHITE_ONLY, SHADE = 0, 1, 2


def _paint(raw) -> int:  # type: ignore[no-untyped-def]
    """How a path is painted. One painted only in the paper's white (or transparent) is invisible on the white
    page: 江苏's Excel export draws each cell's white background as a rect inset from the black rules, whose edges
    are no column or row boundary (they cut '160.00' into '1', '6', '0', '.00'). Over a coloured area drawn before
    it, though, white is visible (white gaps between dark cells can be a table's only rules): see `on_shade`.

    `raw` is the path object's address (an int) or its typed pointer."""
    if not isinstance(raw, int):
        raw = ctypes.cast(raw, _VOID).value
    if not _DRAW_MODE(raw, *_MODE_ADDRS):
        return DRAWN
    r, g, b, a = _rgba
    out = WHITE_ONLY
    if _fill_mode.value != _FILLMODE_NONE:
        if not _FILL_COLOR(raw, *_RGBA_ADDRS):
            return DRAWN
        if a.value > 0 and (r.value < WHITE or g.value < WHITE or b.value < WHITE):
            return SHADE
    if _stroke.value:
        if not _STROKE_COLOR(raw, *_RGBA_ADDRS):
            return DRAWN
        if a.value > 0 and (r.value < WHITE or g.value < WHITE or b.value < WHITE):
            out = DRAWN
    return out


def on_shade(
    shaded: list[tuple[float, float, float, float]], x0: float, y0: float, x1: float, y1: float
) -> bool:
    """Does the box lie on an area filled in a colour (x0 ≤ x1, y0 ≤ y1 in either axis convention)?"""
    tol = 1.0
    for a0, b0, a1, b1 in shaded:
        if x0 >= a0 - tol and x1 <= a1 + tol and y0 >= b0 - tol and y1 <= b1 + tol:
            return True
    return False


def _path_objects(raw_page: int, depth: int = 0, outer: tuple = ()):  # type: ignore[no-untyped-def]
    """Path objects of a page (and of its form XObjects) by address, without wrapping every text object in
    Python. `raw_page` is the page's (or at depth > 0 the form object's) address."""
    count = _PAGE_COUNT(raw_page) if depth == 0 else _FORM_COUNT(raw_page)
    get_object = _PAGE_OBJECT if depth == 0 else _FORM_OBJECT
    obj_type = _OBJ_TYPE
    path, form = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    for i in range(count):
        obj = get_object(raw_page, i)
        if not obj:
            continue
        kind = obj_type(obj)
        if kind == path:
            yield obj, outer
        elif kind == form and depth < 4:
            m = pdfium_c.FS_MATRIX()
            _GET_MATRIX(obj, ctypes.addressof(m))
            yield from _path_objects(obj, depth + 1, (m, *outer))


def _add_segment(p: tuple[float, float], q: tuple[float, float], hsegs: list, vsegs: list) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= 0.5 and abs(x1 - x0) >= MIN_SEGMENT:
        hsegs.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) >= MIN_SEGMENT:
        vsegs.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
