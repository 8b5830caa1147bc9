"""The parser's fast paths against plain reference versions: the table-page hot loops (glyph dedupe, line
grouping, merged-cell detection) and the raw font look into object streams.

They were rewritten for speed (4 buckets looked at instead of 9, centres computed once, rulings looked up by
position, pdfminer skipped when the raw bytes already show every font has a Unicode map); the output must be the
same as the obvious definitions, on seeded random pages with the awkward cases (glyphs exactly one tolerance
apart, on bucket edges, ties in height, rulings stopping short).
"""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from juesuan.parsing.grid import COVER, SNAP, _build_grid, group_lines, joined_grid
from juesuan.parsing.pdfgeom import Char, dedupe_chars


def _dedupe_reference(chars: list[Char], tol: float = 1.5) -> list[Char]:
    kept: list[Char] = []
    for ch in chars:
        if not any(o.text == ch.text and abs(o.x0 - ch.x0) < tol and abs(o.top - ch.top) < tol for o in kept):
            kept.append(ch)
    return kept


def _lines_reference(chars: list[Char]) -> list[list[Char]]:
    lines: list[list[Char]] = []
    top = bottom = 0.0
    for ch in sorted(chars, key=lambda c: c.cy):
        if lines and ch.cy <= bottom + 0.5:
            lines[-1].append(ch)
            top, bottom = min(top, ch.top), max(bottom, ch.bottom)
        else:
            lines.append([ch])
            top, bottom = ch.top, ch.bottom
            if bottom - top < 3:
                top, bottom = ch.cy - 3, ch.cy + 3
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _page(rng: random.Random, n: int) -> list[Char]:
    chars: list[Char] = []
    for _ in range(n):
        if (
            chars and rng.random() < 0.4
        ):  # near an earlier glyph: overprints, one tolerance away, bucket edges
            b = rng.choice(chars)
            step = rng.choice([0, 0.5, 0.75, 1.4999999, 1.5, 1.5000001, 2.25, 3.0, -1.5, rng.uniform(-2, 2)])
            dy = rng.choice([0, step, -step, rng.uniform(-2, 2)])
            chars.append(Char(b.text, b.x0 + step, b.top + dy, b.x1 + step, b.bottom + dy))
        else:
            on_grid = rng.random() < 0.5
            x = rng.randint(-5, 100) * 0.75 if on_grid else rng.uniform(-5, 100)
            y = rng.randint(-5, 100) * 0.75 if on_grid else rng.uniform(-5, 100)
            h = rng.choice([1.0, 6.0, 10.0])
            chars.append(Char(rng.choice("01,."), x, y, x + 5, y + h))
    return chars


@pytest.mark.parametrize("seed", range(4))
def test_dedupe_and_lines_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        chars = _page(rng, rng.randint(1, 120))
        assert [id(c) for c in dedupe_chars(chars)] == [id(c) for c in _dedupe_reference(chars)]
        got, want = group_lines(chars), _lines_reference(chars)
        assert [[id(c) for c in line] for line in got] == [[id(c) for c in line] for line in want]


def test_merged_cells_match_their_reference() -> None:
    """A ruling is looked up by position; the merged cells are those of checking every ruling at every edge."""
    rng = random.Random(7)
    for _ in range(200):
        xs = sorted(rng.sample(range(0, 400, 10), rng.randint(2, 9)))
        ys = sorted(rng.sample(range(0, 300, 10), rng.randint(2, 9)))
        xs, ys = [float(x) for x in xs], [float(y) for y in ys]
        vs, hs = [], []
        for x in xs:  # a column rule, whole, in pieces, nudged off its position or stopping short
            for a, b in pairwise(ys):
                if rng.random() < 0.8:
                    vs.append((x + rng.uniform(-SNAP - 0.5, SNAP + 0.5), a + rng.uniform(-1, COVER + 1), b))
        for y in ys:
            for a, b in pairwise(xs):
                if rng.random() < 0.8:
                    hs.append((y + rng.uniform(-SNAP - 0.5, SNAP + 0.5), a, b - rng.uniform(-1, COVER + 1)))

        def covered(segs, pos, a, b):  # the definition, verbatim
            return any(abs(p - pos) <= SNAP and s0 <= a + COVER and s1 >= b - COVER for p, s0, s1 in segs)

        joins = [
            ((r, c), (r, c + 1))
            for r in range(len(ys) - 1)
            for c in range(len(xs) - 2)
            if not covered(vs, xs[c + 1], ys[r], ys[r + 1])
        ] + [
            ((r, c), (r + 1, c))
            for r in range(len(ys) - 2)
            for c in range(len(xs) - 1)
            if not covered(hs, ys[r + 1], xs[c], xs[c + 1])
        ]
        want = joined_grid(1, xs, ys, joins)
        got = _build_grid(1, xs, ys, hs, vs)
        assert (got.cell_of, got.spans) == (want.cell_of, want.spans)


def test_dedupe_fast_path_is_taken_only_when_nothing_is_near() -> None:
    """The numpy check says "nothing to drop" on a plain table row and defers to the exact loop otherwise."""
    from juesuan.parsing.pdfgeom import _none_near

    row = [Char(t, 10 + 5 * i, 100, 14 + 5 * i, 109) for i, t in enumerate("1,234.00 1,234.00")]
    assert _none_near(row, 1.5)
    assert not _none_near([*row, Char("3", row[3].x0 + 1.4, 100.5, 0, 0)], 1.5)  # an overprint
    assert not _none_near(
        [*row, Char("3", row[3].x0 + 1.7, 100, 0, 0)], 1.5
    )  # adjacent cell: the loop decides
    assert _none_near([*row, Char("5", row[3].x0 + 1.0, 100, 0, 0)], 1.5)  # another text may sit close
    assert dedupe_chars(row) == row
    nan = Char("9", float("nan"), 100, 0, 0)
    assert not _none_near([*row, nan], 1.5)  # a glyph without a position: the exact loop decides


def _objstm_file(*objects: bytes, compress=None) -> bytes:
    """A file's bytes holding one object stream with `objects` (object numbers 10, 11, ...)."""
    import zlib

    offsets, body = [], b""
    for obj in objects:
        offsets.append(len(body))
        body += obj + b"\n"
    header = b" ".join(b"%d %d" % (10 + i, o) for i, o in enumerate(offsets)) + b"\n"
    data = (compress or zlib.compress)(header + body)
    head = b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>" % (
        len(objects),
        len(header),
        len(data),
    )
    return b"%PDF-1.5\n5 0 obj\n" + head + b"stream\r\n" + data + b"\r\nendstream\nendobj\n%%EOF\n"


def test_fonts_inside_object_streams_get_the_raw_look() -> None:
    """A file with object streams skips pdfminer only when every font dictionary inside them has a Unicode
    map (or is a standard font); a font without one, or a stream it cannot inflate, still gets the full look."""
    from juesuan.parsing.fonts import _object_stream_fonts_safe

    mapped = b"<</Type/Font/Subtype/Type0/BaseFont/ABCDEF+SimSun/Encoding/Identity-H/ToUnicode 20 0 R>>"
    bare = b"<</Type/Font/Subtype/Type0/BaseFont/ABCDEF+SimSun/Encoding/Identity-H/DescendantFonts[21 0 R]>>"
    other = b"<</Type/Page/Parent 3 0 R>>"
    assert _object_stream_fonts_safe(_objstm_file(other, mapped))
    assert not _object_stream_fonts_safe(_objstm_file(other, bare, mapped))
    assert not _object_stream_fonts_safe(_objstm_file(mapped, compress=lambda b: b"not zlib" + b))
    assert not _object_stream_fonts_safe(_objstm_file(mapped).replace(b"%%EOF", b"/Encrypt 9 0 R %%EOF"))


def _joined_reference(nr: int, nc: int, joins: list) -> tuple[list, list]:
    """Merged cells numbered in reading order of their first atomic cell, each with its row and column span."""
    group = {(r, c): {(r, c)} for r in range(nr) for c in range(nc)}
    for a, b in joins:
        if group[a] is not group[b]:
            merged = group[a] | group[b]
            for cell in merged:
                group[cell] = merged
    order: list[frozenset] = []
    for r in range(nr):
        for c in range(nc):
            if frozenset(group[(r, c)]) not in order:
                order.append(frozenset(group[(r, c)]))
    cell_of = [[order.index(frozenset(group[(r, c)])) for c in range(nc)] for r in range(nr)]
    spans = [
        (min(r for r, _ in g), max(r for r, _ in g), min(c for _, c in g), max(c for _, c in g))
        for g in order
    ]
    return cell_of, spans


def test_joined_cells_match_their_reference() -> None:
    rng = random.Random(11)
    for _ in range(300):
        nr, nc = rng.randint(1, 7), rng.randint(1, 7)
        pairs = [((r, c), (r, c + 1)) for r in range(nr) for c in range(nc - 1)]
        pairs += [((r, c), (r + 1, c)) for r in range(nr - 1) for c in range(nc)]
        joins = rng.sample(pairs, rng.randint(0, len(pairs)))
        g = joined_grid(1, [float(x) for x in range(nc + 1)], [float(y) for y in range(nr + 1)], joins)
        assert (g.cell_of, g.spans) == _joined_reference(nr, nc, joins)


def _readable_reference(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 1.0
    ranges = (
        (0x21, 0x7E),
        (0x4E00, 0x9FFF),
        (0x3000, 0x303F),
        (0xFF00, 0xFFEF),
        (0x2000, 0x206F),
        (0x3400, 0x4DBF),
        (0x2460, 0x24FF),
        (0xA0, 0x2FF),
        (0x2100, 0x22FF),
        (0x2500, 0x25FF),
    )
    good = sum(1 for ch in visible if any(lo <= ord(ch) <= hi for lo, hi in ranges))
    return good / len(visible)


def test_readable_fraction_matches_its_reference() -> None:
    """The text-layer check counts in two regex passes: every code point is classed as the per-character loop
    classes it (whitespace inside the readable ranges, such as U+3000 and U+00A0, counts for neither)."""
    from juesuan.parsing.document import _readable_fraction

    for cp in range(0x30000):
        ch = chr(cp)
        assert _readable_fraction(ch + "a") == _readable_reference(ch + "a"), hex(cp)
    rng = random.Random(12)
    pool = [
        chr(c) for c in (0x20, 0x3000, 0xA0, 0x0A, 0xE000, 0xF8FF, 0x01, 0x4E2D, 0x41, 0x2028, 0x24FF, 0x2FF)
    ]
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))
        assert _readable_fraction(text) == _readable_reference(text), repr(text)


def test_char_codes_in_one_call_match_getunicode_per_char() -> None:
    """`char_codes` reads a page's codes in one FPDFText_GetText call; they must be FPDFText_GetUnicode's, char by
    char, on seeded random pages of the real budgets and final accounts, and on the pages where PDFium generates
    characters (GetText writes U+FFFE where GetUnicode gives STX)."""
    import ctypes

    import pypdfium2 as pdfium

    from juesuan.parsing.pdfgeom import _GET_UNICODE, char_codes
    from juesuan.paths import shared_dir

    corpus = shared_dir() / "corpus"
    files = sorted((corpus / "real-budgets").glob("*.pdf")) + sorted((corpus / "real").glob("*.pdf"))
    if not files:
        pytest.skip("no real corpus")
    rng = random.Random(12)
    pages = [(f, None) for f in rng.sample(files, min(6, len(files)))]
    pages += [(corpus / "real-budgets" / "guangzhou-health-2026-budget.pdf", 80)]
    pages += [(corpus / "real-budgets" / "shenzhen-hrss-2026-budget.pdf", 39)]
    generated = 0
    for path, index in pages:
        if not path.exists():
            continue
        pdf = pdfium.PdfDocument(path)
        try:
            indices = [index] if index is not None else rng.sample(range(len(pdf)), min(8, len(pdf)))
            for i in indices:
                page = pdf[i]
                textpage = page.get_textpage()
                n = textpage.count_chars()
                raw = ctypes.cast(textpage.raw, ctypes.c_void_p).value
                reference = [_GET_UNICODE(raw, k) for k in range(n)]
                assert char_codes(textpage, n) == reference, (path.name, i)
                generated += reference.count(0x02)
                textpage.close()
                page.close()
        finally:
            pdf.close()
    assert generated  # the U+FFFE case was exercised


def _cell(rng: random.Random, n: int) -> list[Char]:
    """Glyphs of one cell: mostly one line left to right (the fast path), sometimes wrapped, out of order,
    tied on a left edge, a lone dot or dash, or a glyph without a position."""
    x, y = rng.uniform(0, 50), rng.uniform(0, 50)
    h = rng.choice([1.0, 2.9, 3.0, 9.0])
    awkward = rng.random() < 0.5
    chars = []
    for _ in range(n):
        dy = rng.choice([0.0, 0.0, rng.uniform(-1, 1), rng.uniform(-4, 4)])
        if awkward and rng.random() < 0.3:
            dy = rng.choice([3.5, 3.5000001, 4.0, 12.0, -3.5])
        gh = rng.choice([h, h, 1.0])
        chars.append(Char(rng.choice("0123,.一"), x, y + dy, x + 4, y + dy + gh))
        x += rng.choice([5.0, 0.0, -3.0]) if awkward and rng.random() < 0.3 else 5.0
    if rng.random() < 0.1:
        chars.insert(rng.randrange(n), Char("9", float("nan"), y, x, y + h))
    if rng.random() < 0.1:
        rng.shuffle(chars)
    return chars


def test_cell_text_fast_path_matches_line_grouping() -> None:
    """`chars_text` skips `group_lines` for a cell that is one line in page order; the text must be the one of
    grouping the lines, on seeded random cells, and the fast path must be both taken and refused among them."""
    from juesuan.parsing.grid import _one_line_in_order, chars_text

    rng = random.Random(13)
    taken = refused = 0
    for _ in range(5000):
        chars = _cell(rng, rng.randint(2, 9))
        want = "".join(c.text for line in _lines_reference(chars) for c in line)
        if _one_line_in_order(chars):
            taken += 1
            assert [[id(c) for c in line] for line in _lines_reference(chars)] == [[id(c) for c in chars]]
        else:
            refused += 1
        assert chars_text(chars) == want
    assert taken > 1000 and refused > 1000


def test_single_grid_placement_matches_the_general_loop() -> None:
    """`place_chars` has a loop for a page with one grid; it must place every glyph as the loop over several
    grids does (same cells, same order, same free glyphs), edges and NaN included."""
    from juesuan.parsing.grid import joined_grid, place_chars
    from juesuan.parsing.pdfgeom import PageGeom

    rng = random.Random(14)
    for _ in range(200):
        xs = sorted({float(rng.randrange(0, 300, 10)) for _ in range(rng.randint(2, 8))} | {0.0, 300.0})
        ys = sorted({float(rng.randrange(0, 200, 10)) for _ in range(rng.randint(2, 8))} | {0.0, 200.0})
        if rng.random() < 0.1:  # a boundary drawn twice: not strictly rising
            xs.insert(1, xs[1])
        chars = []
        for _ in range(rng.randint(0, 30)):
            x = rng.choice([rng.uniform(-20, 320), rng.choice(xs)])
            y = rng.choice([rng.uniform(-20, 220), rng.choice(ys)])
            for _ in range(rng.randint(1, 6)):  # a word: glyphs one after another, maybe over an edge
                chars.append(Char("1", x - 2, y - 3, x + 2, y + 3))
                x += rng.choice([1.0, 4.0, 5.0])
        if rng.random() < 0.2:
            chars.append(Char("1", float("nan"), 10, 12, 16))
        one = joined_grid(1, xs, ys, [])
        geom = PageGeom(number=1, width=300, height=200, chars=chars)
        place_chars(geom, [one])
        # the general loop, with a second grid no glyph can fall in
        other = joined_grid(1, xs, ys, [])
        far = joined_grid(1, [1000.0, 1100.0], [1000.0, 1100.0], [])
        ref = PageGeom(number=1, width=300, height=200, chars=chars)
        place_chars(ref, [other, far])
        assert far.atomic_chars == {}
        got = [(k, [id(c) for c in v]) for k, v in one.atomic_chars.items()]
        assert got == [(k, [id(c) for c in v]) for k, v in other.atomic_chars.items()]
        assert [id(c) for c in geom.free_chars] == [id(c) for c in ref.free_chars]


def _box_reference(textpage, height: float) -> tuple[list[Char], int]:  # type: ignore[no-untyped-def]
    """The glyph loop as first written: one GetUnicode and one GetCharBox call per character."""
    import ctypes

    from juesuan.parsing.pdfgeom import _BLANK_CODES, _GET_CHAR_BOX, _GET_UNICODE

    raw = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    box = [ctypes.c_double() for _ in range(4)]
    chars, unreadable = [], 0
    for i in range(textpage.count_chars()):
        code = _GET_UNICODE(raw, i)
        if code in _BLANK_CODES:
            continue
        if code >= 0x110000:
            code = 0xFFFD
        if code == 0xFFFD or 0xE000 <= code <= 0xF8FF or code < 32:
            unreadable += 1
        if not _GET_CHAR_BOX(raw, i, *(ctypes.addressof(v) for v in box)):
            continue
        left, right, bottom, top = (v.value for v in box)
        chars.append(Char(chr(code), left, height - top, right, height - bottom))
    return _dedupe_reference(chars), unreadable


def textpage_count(page) -> int:  # type: ignore[no-untyped-def]
    textpage = page.get_textpage()
    try:
        return textpage.count_chars()
    finally:
        textpage.close()


def _overprinted_pdf(path) -> None:  # type: ignore[no-untyped-def]
    """A ruled page whose title and amounts are drawn twice, a little apart: fake bold."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for k, dx in enumerate((0, 0.5)):  # a size 0.1 larger: PDFium's text page keeps both copies
        c.setFont("wqy", 16 + 0.1 * k)
        c.drawString(200 + dx, 780, "收入决算表")
        c.setFont("wqy", 9 + 0.1 * k)
        c.drawString(340 + dx, 735, "1,234.56")
    c.drawString(60, 735, "合计")
    for y in (750, 730):
        c.line(50, y, 480, y)
    for x in (50, 330, 480):
        c.line(x, 750, x, 730)
    c.save()


def test_glyph_boxes_in_one_pass_match_the_per_glyph_loop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`page_geom` boxes a table page's glyphs by mapping GetCharBox over them into one array; the glyphs (text,
    exact coordinates, order, overprints dropped) and the unreadable count must be those of the per-glyph loop,
    on seeded random pages of the real budgets and final accounts, and on a page of overprinted fake bold."""
    import pypdfium2 as pdfium

    from juesuan.parsing.pdfgeom import page_geom
    from juesuan.paths import shared_dir

    corpus = shared_dir() / "corpus"
    files = sorted((corpus / "real-budgets").glob("*.pdf")) + sorted((corpus / "real").glob("*.pdf"))
    if not files:
        pytest.skip("no real corpus")
    rng = random.Random(15)
    _overprinted_pdf(tmp_path / "bold.pdf")
    compared = 0
    for path in [tmp_path / "bold.pdf", *rng.sample(files, min(8, len(files)))]:
        pdf = pdfium.PdfDocument(path)
        try:
            for i in [0] if path.parent == tmp_path else rng.sample(range(len(pdf)), min(6, len(pdf))):
                page = pdf[i]
                geom = page_geom(page, i)
                if geom.table_like and page.get_rotation() == 0:
                    textpage = page.get_textpage()
                    want, unreadable = _box_reference(textpage, page.get_size()[1])
                    textpage.close()
                    got = [(c.text, c.x0, c.top, c.x1, c.bottom) for c in geom.chars]
                    assert got == [(c.text, c.x0, c.top, c.x1, c.bottom) for c in want], (path.name, i)
                    assert geom.unreadable_chars == unreadable
                    compared += len(want)
                    if path.parent == tmp_path:  # the overprints were there, and dropped
                        assert "".join(c.text for c in geom.chars).count("收") == 1
                        assert textpage_count(page) > len(geom.chars) + 10
                page.close()
        finally:
            pdf.close()
    assert compared > 1000
