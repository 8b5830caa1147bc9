"""Ruled grids: ruling segments → table grids → atomic and merged cells, with the characters placed in them.

A printed 决算 table is a lattice. Its row and column boundaries are the distinct positions of the ruling
lines; a boundary missing between two atomic cells means they are one merged (spanning) cell. Characters are
placed by their centre, once, with a binary search, instead of cropping the page per cell.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter, lt

from juesuan.parsing.pdfgeom import Char, PageGeom

SNAP = 2.0  # positions closer than this are one ruling line
JOIN = 3.0  # collinear segments with gaps smaller than this are one line
COVER = 2.5  # how far a line may stop short of a cell edge and still count as drawn


@dataclass
class Grid:
    """One ruled table region on a page."""

    page: int
    xs: list[float]  # column boundaries, left to right
    ys: list[float]  # row boundaries, top to bottom
    cell_of: list[list[int]]  # atomic (row, col) → merged cell id
    spans: list[tuple[int, int, int, int]]  # merged cell id → (r0, r1, c0, c1) inclusive
    atomic_chars: dict[tuple[int, int], list[Char]] = field(default_factory=dict)
    _texts: dict[int, str] = field(default_factory=dict, repr=False)
    #: the table reader's normalised (cell id, text) of each row, kept once read (`tables._row_texts`)
    row_texts: dict[int, list[tuple[int, str]]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def nrows(self) -> int:
        return len(self.ys) - 1

    @property
    def ncols(self) -> int:
        return len(self.xs) - 1

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def bottom(self) -> float:
        return self.ys[-1]

    def atomic_text(self, r: int, c: int) -> str:
        cid = self.cell_of[r][c]
        r0, r1, c0, c1 = self.spans[cid]
        if r0 == r1 and c0 == c1:  # the atomic cell is a whole cell: its text is kept (`cell_text`)
            return self.cell_text(cid)
        return chars_text(self.atomic_chars.get((r, c), []))

    def atomic_bbox(self, r: int, c: int) -> tuple[float, float, float, float] | None:
        chars = self.atomic_chars.get((r, c))
        if not chars:
            return None
        first = chars[0]
        x0, top, x1, bottom = first.x0, first.top, first.x1, first.bottom
        for ch in chars:  # one pass, not four (every cell of every table)
            if ch.x0 < x0:
                x0 = ch.x0
            if ch.top < top:
                top = ch.top
            if ch.x1 > x1:
                x1 = ch.x1
            if ch.bottom > bottom:
                bottom = ch.bottom
        return round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)

    def cell_chars(self, cid: int) -> list[Char]:
        r0, r1, c0, c1 = self.spans[cid]
        if r0 == r1 and c0 == c1:  # most cells are one atomic cell
            return list(self.atomic_chars.get((r0, c0), ()))
        out: list[Char] = []
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                out.extend(self.atomic_chars.get((r, c), ()))
        return out

    def cell_text(self, cid: int) -> str:
        text = self._texts.get(cid)
        if text is None:
            r0, r1, c0, c1 = self.spans[cid]
            # one atomic cell: its own list, not a copy (`chars_text` only reads it)
            one = r0 == r1 and c0 == c1
            chars = self.atomic_chars.get((r0, c0), []) if one else self.cell_chars(cid)
            text = self._texts[cid] = chars_text(chars)
        return text

    def is_empty(self) -> bool:
        return not self.atomic_chars


def chars_text(chars: list[Char]) -> str:
    """Text of characters in one cell: lines top to bottom, each left to right, joined without spaces."""
    if not chars:
        return ""
    if len(chars) == 1:
        return chars[0].text
    if _one_line_in_order(chars):  # most cells: one amount or one short label
        return "".join(map(_text, chars))
    return "".join([c.text for line in group_lines(chars) for c in line])


def _one_line_in_order(chars: list[Char]) -> bool:
    """Whether `group_lines(chars)` is the one line `[chars]`, in the given order, shown without grouping.

    The left edges rise strictly in the given order, so sorting any arrangement of the characters by left edge
    gives the given order. And every centre lies within 0.5 of the bottom `group_lines` gives the line it opens
    with the topmost centre (the first of equal ones, as its stable sort takes it): that bottom only grows, so
    each character, taken by centre, joins that one line. A NaN fails a comparison and falls to `group_lines`.
    """
    it = iter(chars)
    first = next(it)
    x = first.x0
    lo = hi = (first.top + first.bottom) / 2
    if lo != lo:  # NaN
        return False
    for ch in it:  # one plain loop: this runs for every cell of every table
        x0 = ch.x0
        if not x0 > x:
            return False
        x = x0
        cy = (ch.top + ch.bottom) / 2
        if cy < lo:  # strictly: the first of equal centres stays first
            lo, first = cy, ch
        elif cy > hi:
            hi = cy
        elif cy != cy:  # NaN
            return False
    bottom = first.bottom if not first.bottom - first.top < 3 else lo + 3
    return hi <= bottom + 0.5


def group_lines(chars: list[Char]) -> list[list[Char]]:
    """Visual lines, top to bottom, each sorted left to right.

    A character joins the current line when its centre lies within the line's vertical extent: tight glyph
    boxes of '.', ',' or '一' sit at different heights but their centres stay inside the line.
    """
    # centres computed once, inline (`Char.cy` is a property call): this runs for every cell of every table
    cys = [(ch.top + ch.bottom) / 2 for ch in chars]
    lines: list[list[Char]] = []
    top = bottom = 0.0
    for i in sorted(range(len(chars)), key=cys.__getitem__):  # stable, as sorting the characters by centre
        ch, cy = chars[i], cys[i]
        if lines and cy <= bottom + 0.5:
            lines[-1].append(ch)
            if ch.top < top:
                top = ch.top
            if ch.bottom > bottom:
                bottom = ch.bottom
        else:
            lines.append([ch])
            top, bottom = ch.top, ch.bottom
            if bottom - top < 3:  # a lone dot or dash: give the line a plausible height
                top, bottom = cy - 3, cy + 3
    for line in lines:
        if len(line) > 1:
            line.sort(key=_x0)
    return lines


_x0 = attrgetter("x0")
_text = attrgetter("text")


def _merge_segments(segs: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Snap positions and join collinear overlapping segments: (pos, a, b)."""
    if not segs:
        return []
    segs = sorted(segs)
    # snap positions into clusters
    clusters: list[list[tuple[float, float, float]]] = []
    cluster: list[tuple[float, float, float]] = []  # the last cluster
    last = 0.0  # the position of the segment appended last
    for s in segs:
        if clusters and s[0] - last <= SNAP:
            cluster.append(s)
        else:
            cluster = [s]
            clusters.append(cluster)
        last = s[0]
    out: list[tuple[float, float, float]] = []
    for cl in clusters:
        pos = sum([s[0] for s in cl]) / len(cl)
        spans = sorted([(s[1], s[2]) for s in cl])
        a, b = spans[0]
        for a2, b2 in spans[1:]:
            if a2 <= b + JOIN:
                b = max(b, b2)
            else:
                out.append((pos, a, b))
                a, b = a2, b2
        out.append((pos, a, b))
    return out


def _components(
    hs: list[tuple[float, float, float]], vs: list[tuple[float, float, float]]
) -> list[tuple[list, list]]:
    """Group segments that touch into separate tables (union-find over h/v crossings)."""
    n = len(hs) + len(vs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = COVER
    for i, (y, x0, x1) in enumerate(hs):
        for j, (x, y0, y1) in enumerate(vs):
            if x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol:
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return list(groups.values())


def _positions(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def find_grids(geom: PageGeom) -> list[Grid]:
    """Every ruled grid on the page (top to bottom), with characters placed in atomic cells."""
    hs = _merge_segments(geom.hsegs)
    vs = _merge_segments(geom.vsegs)
    grids: list[Grid] = []
    for ghs, gvs in _components(hs, vs):
        if len(ghs) < 2 or len(gvs) < 2:
            continue
        xs = _positions([v[0] for v in gvs])
        ys = _positions([h[0] for h in ghs])
        if len(xs) < 2 or len(ys) < 2 or xs[-1] - xs[0] < 50:
            continue
        grids.append(_build_grid(geom.number, xs, ys, ghs, gvs))
    grids.sort(key=lambda g: g.top)
    place_chars(geom, grids)
    return grids


def _covered(segs: list[tuple[float, float, float]], pos: float, a: float, b: float) -> bool:
    """Is there a segment at `pos` covering the interval [a, b] (allowing a little slack at both ends)?"""
    return any(abs(p - pos) <= SNAP and s0 <= a + COVER and s1 >= b - COVER for p, s0, s1 in segs)


def _near(segs: list[tuple[float, float, float]], keys: list[float], pos: float) -> list[tuple[float, float]]:
    """The extents (a, b) of the segments of `segs` (sorted, `keys` their positions) within SNAP of `pos`: the
    only ones `_covered` could accept there, found once per boundary instead of every segment of the table
    being tried at every cell edge (rows × columns × segments on a long table)."""
    near = segs[bisect_left(keys, pos - SNAP - 0.01) : bisect_right(keys, pos + SNAP + 0.01)]
    return [(s0, s1) for p, s0, s1 in near if abs(p - pos) <= SNAP]


def _build_grid(page: int, xs: list[float], ys: list[float], hs: list, vs: list) -> Grid:
    """Atomic cells with no ruling drawn between them are one merged cell.

    The boundary between two cells is drawn when `_covered` says so of the segments at its position; the
    segments are looked up once per boundary (`_near`) and the slack added to the cell's edges once per row
    or column, the same sums `_covered` makes.
    """
    nr, nc = len(ys) - 1, len(xs) - 1
    joins: list[tuple[tuple[int, int], tuple[int, int]]] = []
    vs, hs = sorted(vs), sorted(hs)
    vkeys, hkeys = [s[0] for s in vs], [s[0] for s in hs]
    near_x = [_near(vs, vkeys, xs[c + 1]) for c in range(nc - 1)]
    for r in range(nr):
        a, b = ys[r] + COVER, ys[r + 1] - COVER
        for c, spans in enumerate(near_x):  # boundary between (r, c) and (r, c + 1) is xs[c + 1]
            for s0, s1 in spans:
                if s0 <= a and s1 >= b:
                    break
            else:
                joins.append(((r, c), (r, c + 1)))
    for r in range(nr - 1):
        spans = _near(hs, hkeys, ys[r + 1])
        for c in range(nc):
            a, b = xs[c] + COVER, xs[c + 1] - COVER
            for s0, s1 in spans:
                if s0 <= a and s1 >= b:
                    break
            else:
                joins.append(((r, c), (r + 1, c)))
    return joined_grid(page, xs, ys, joins)


def joined_grid(
    page: int,
    xs: list[float],
    ys: list[float],
    joins: Iterable[tuple[tuple[int, int], tuple[int, int]]],
) -> Grid:
    """The grid on `xs` × `ys` whose merged cells are the atomic (row, col) cells connected by `joins`.

    Shared by ruled grids (no ruling between two cells) and unruled ones (a word spanning columns), so
    both number their merged cells the same way: in reading order of their first atomic cell.
    """
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (r0, c0), (r1, c1) in joins:
        a, b = find(r0 * nc + c0), find(r1 * nc + c1)
        if a != b:
            parent[max(a, b)] = min(a, b)
    ids: dict[int, int] = {}
    cell_of = [[0] * nc for _ in range(nr)]
    spans: list[list[int]] = []
    for r in range(nr):  # row by row: a span's first row is where it was met first, its last row is r
        row = cell_of[r]
        for c in range(nc):
            i = r * nc + c
            root = i if parent[i] == i else find(i)  # most cells are joined to none
            cid = ids.get(root)
            if cid is None:
                ids[root] = cid = len(spans)
                spans.append([r, r, c, c])
            else:
                s = spans[cid]
                s[1] = r
                if c < s[2]:
                    s[2] = c
                elif c > s[3]:
                    s[3] = c
            row[c] = cid
    return Grid(page=page, xs=xs, ys=ys, cell_of=cell_of, spans=[tuple(s) for s in spans])


def place_chars(geom: PageGeom, grids: list[Grid]) -> None:
    """Put each character into the atomic cell containing its centre; the rest stay free text."""
    free: list[Char] = []
    # each grid's bounds and last row/column looked up once, not per character (every glyph of a table page)
    frames = [
        (g.xs[0], g.xs[-1], g.ys[0], g.ys[-1], g.xs, g.ys, g.ncols, g.nrows, g.atomic_chars) for g in grids
    ]
    if len(frames) == 1:  # most table pages hold one grid: the same placement without the loop over grids
        x0, x1, y0, y1, xs, ys, nc, nr, cells = frames[0]
        get, keep_free = cells.get, free.append
        # The glyphs of a cell mostly come one after another: a glyph whose centre lies in the last atomic cell
        # [xs[c], xs[c + 1]) × [ys[r], ys[r + 1]) is the one bisect would give it (boundaries strictly rising).
        rising = all(map(lt, xs, xs[1:])) and all(map(lt, ys, ys[1:]))
        top = bottom = left = right = 0.0  # the last cell's bounds (none yet)
        cell: list[Char] = []
        for ch in geom.chars:
            cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
            if top <= cy < bottom and left <= cx < right:
                cell.append(ch)
            elif x0 <= cx <= x1 and y0 <= cy <= y1:
                r = bisect_right(ys, cy) - 1
                c = bisect_right(xs, cx) - 1
                key = (r if r < nr else nr - 1, c if c < nc else nc - 1)
                if (found := get(key)) is None:
                    cells[key] = cell = [ch]
                else:
                    cell = found
                    cell.append(ch)
                if rising and r < nr and c < nc:
                    top, bottom, left, right = ys[r], ys[r + 1], xs[c], xs[c + 1]
                else:
                    top = bottom = 0.0
            else:
                keep_free(ch)
        geom.free_chars = free  # type: ignore[attr-defined]
        return
    for ch in geom.chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        for x0, x1, y0, y1, xs, ys, nc, nr, cells in frames:
            if x0 <= cx <= x1 and y0 <= cy <= y1:
                r = bisect_right(ys, cy) - 1
                c = bisect_right(xs, cx) - 1
                key = (r if r < nr else nr - 1, c if c < nc else nc - 1)
                if (cell := cells.get(key)) is None:
                    cells[key] = [ch]
                else:
                    cell.append(ch)
                break
        else:
            free.append(ch)
    geom.free_chars = free  # type: ignore[attr-defined]


@dataclass
class TextLine:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float


def text_lines(chars: list[Char]) -> list[TextLine]:
    """Group free characters into visual lines, top to bottom (text without spaces)."""
    if not chars:
        return []
    groups = group_lines(chars)
    out = []
    for g in groups:
        out.append(
            TextLine(
                text="".join(c.text for c in g),
                top=min(c.top for c in g),
                bottom=max(c.bottom for c in g),
                x0=g[0].x0,
                x1=max(c.x1 for c in g),
            )
        )
    return out
