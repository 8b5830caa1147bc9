"""Unruled tables: a virtual grid from the text layout, so the ruled-table logic can read them too.

Some producers export tables without vertical borders (only row rules) or without any ruling at all. Columns
are then where the data lines have words: the union of the word extents of every line that carries an amount or
a code, split at the gaps. Rows are the row rules when there are any, else the text lines (a line without an
amount, a code or an ordinal continues the label of the row above it). Header words wider than one column
become merged cells, as in a ruled header. Layouts this cannot express (values vertically centred on a line of
their own) come out as rows without a key and are reported by the table logic, not guessed.
"""

from __future__ import annotations

import itertools
import re
from statistics import median

from juesuan.parsing.grid import Grid, group_lines, joined_grid
from juesuan.parsing.pdfgeom import Char

_DECIMAL = re.compile(r"^[-−－]?[\d,]*\d\.\d+$")
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_STARTS_ROW = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{3}|合计|总计|本年|年初|年末|使用|结余|用事业)"
)

Word = tuple[float, float, str]  # x0, x1, text


def _words(line: list[Char], gap: float) -> list[Word]:
    """Split a line where characters are further apart than `gap`; '16, 770. 89' in wide fonts stays one."""
    words: list[Word] = []
    x0 = x1 = None
    text = ""
    for ch in line:
        d = ch.x0 - x1 if x1 is not None else 0.0
        numeric_join = text[-1:] in (",", ".") and ch.text.isdigit() and d <= 2 * gap
        if x1 is not None and d > gap and not numeric_join:
            words.append((x0, x1, text))
            x0, text = None, ""
        if x0 is None:
            x0 = ch.x0
        x1 = ch.x1 if x1 is None else max(x1, ch.x1)
        text += ch.text
    if x0 is not None and x1 is not None:
        words.append((x0, x1, text))
    return words


def _union(spans: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 0.5:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _hull(spans: list[tuple[float, float]], col: list[float]) -> tuple[float, float]:
    """The extent of the numeric words inside `col` (an empty extent when there are none)."""
    inside = [(a, b) for a, b in spans if a >= col[0] - 0.5 and b <= col[1] + 0.5]
    if not inside:
        return (0.0, 0.0)
    return (min(a for a, _ in inside), max(b for _, b in inside))


def _overlapping(cols: list[list[float]], a: float, b: float) -> int:
    return sum(1 for c0, c1 in cols if min(b, c1) - max(a, c0) > 0)


def _columns(words: list[list[Word]], data: list[int]) -> list[list[float]]:
    """Column extents: where the data lines have words, then header words over columns without any data.

    A word that bridges the gap between other words (a footer label spanning panels, 公用经费合计) does not
    make one column of two; a header word over a column where no row has a value adds that column, so the
    header words beside it still land in their own columns.
    """
    spans = [(w[0], w[1]) for i in data for w in words[i]]
    numeric = [(w[0], w[1]) for i in data for w in words[i] if re.fullmatch(r"[-−－\d,.]+", w[2])]
    widths = sorted(b - a for a, b in spans)
    wide = widths[len(widths) // 2] * 2 if widths else 0
    kept = list(spans)
    for span in sorted(spans, key=lambda sp: sp[0] - sp[1]):
        if span[1] - span[0] <= wide:
            break
        others = list(kept)
        others.remove(span)
        # it bridges columns holding numbers (a footer label spanning panels): a spanning cell, not a column
        hit = [c for c in _union(others) if min(span[1], c[1]) - max(span[0], c[0]) > 0]
        if sum(1 for c in hit if _overlapping([c], *_hull(numeric, c))) > 1:
            kept = others
    cols = _union(kept)
    header = [w for i in range(data[0]) for w in words[i] if len(w[2]) >= 2]
    amounts = [(w[0], w[1]) for i in data for w in words[i] if _DECIMAL.match(w[2])]
    extra: list[tuple[float, float]] = []
    for w in header:
        if _overlapping(cols, w[0], w[1]):
            continue
        # a header centred over right-aligned numbers sits left of them: it heads the nearest data column
        # to its right unless another header stands in between (then it heads a column with no values)
        right = [c for c in cols if c[0] >= w[1] - 0.5]
        target = min(right, key=lambda c: c[0]) if right else None
        centre = (w[0] + w[1]) / 2
        left = [c for c in cols if c[1] <= w[0] + 0.5]
        near = max(left, key=lambda c: c[1]) if left else None
        if (
            target is not None
            and near is not None
            and not any(_overlapping([target], a, b) for a, b in amounts)
            and not any(_overlapping([near], o[0], o[1]) for o in header)
        ):
            # …but one right of short left-aligned codes (功能科目编码 over 201 / 20101 / 2010101), the column to
            # its right holding names, not amounts, heads the codes: the column left of it without a header
            near[1] = max(near[1], w[1])
            continue
        blocked = target is None or any(
            min(o[1], w[1]) - max(o[0], w[0]) <= 0 and centre < (o[0] + o[1]) / 2 < target[0]
            for o in header
            if o is not w
        )
        if blocked and near is not None and not any(_overlapping([near], o[0], o[1]) for o in header):
            near[1] = max(near[1], w[1])  # centred over short left-aligned names: it heads them
        elif blocked:
            extra.append((w[0], w[1]))  # (single characters are letter-spaced pieces, e.g. 收   入)
        else:
            target[0] = min(target[0], w[0])
    return _union([(c[0], c[1]) for c in cols] + extra)


def _is_data(words: list[Word]) -> bool:
    if any(_DECIMAL.match(w[2]) for w in words):
        return True
    return bool(words and (_CODE.match(words[0][2]) or words[0][2] in ("合计", "总计")))


def stream_grid(
    page: int, chars: list[Char], top: float, bottom: float, hsegs: list[tuple[float, float, float]]
) -> Grid | None:
    """A grid for the unruled table whose text lies between `top` and `bottom`; None without data lines."""
    region = [ch for ch in chars if ch.cy >= top and ch.cy <= bottom]
    if not region:
        return None
    lines = group_lines(region)
    gap = 0.8 * median(max(ch.bottom - ch.top, 1.0) for ch in region)
    words = [_words(ln, gap) for ln in lines]
    data = [i for i, w in enumerate(words) if _is_data(w)]
    if len(data) < 1:
        return None
    cols = _columns(words, data)
    xs = (
        [cols[0][0] - 1]
        + [(cols[i][1] + cols[i + 1][0]) / 2 for i in range(len(cols) - 1)]
        + [cols[-1][1] + 1]
    )
    left = min(xs[0], min(ch.x0 for ch in region) - 1)
    right = max(xs[-1], max(ch.x1 for ch in region) + 1)
    xs[0], xs[-1] = left, right
    # rows: row rules if the region has them, else text lines (continuation lines join the row above)
    rules = sorted(
        {round(y, 1) for y, x0, x1 in hsegs if top - 2 <= y <= bottom + 2 and x1 - x0 > (right - left) / 2}
    )
    first_data = data[0]
    if len(rules) >= 2:
        ys = [min(top, rules[0])] + [y for y in rules if min(top, rules[0]) < y < max(bottom, rules[-1])]
        ys.append(max(bottom, rules[-1]))
        ys = sorted(set(ys))
    else:
        groups: list[list[int]] = []
        for i, w in enumerate(words):
            text = "".join(x[2] for x in w)
            # a wrapped label: one word, no digits, not the start of a row of its own
            is_cont = (
                i > first_data
                and groups
                and len(w) == 1
                and not re.search(r"\d", text)
                and not _STARTS_ROW.match(text)
            )
            if is_cont:
                groups[-1].append(i)
            else:
                groups.append([i])
        ys = [top]
        for ga, gb in itertools.pairwise(groups):
            a = max(ch.bottom for ch in lines[ga[-1]])
            b = min(ch.top for ch in lines[gb[0]])
            ys.append((a + b) / 2)
        ys.append(bottom)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr < 1 or nc < 2:
        return None
    # words wider than one column are merged cells (收入 over 项目|行次|金额, 公务用车购置及运行费, a
    # footer label spanning panels)
    joins: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for i in range(len(lines)):
        y = (min(ch.top for ch in lines[i]) + max(ch.bottom for ch in lines[i])) / 2
        r = next((k for k in range(nr) if ys[k] <= y < ys[k + 1]), None)
        if r is None:
            continue
        for x0, x1, _ in words[i]:
            covered = [
                c
                for c in range(nc)
                if min(x1, xs[c + 1]) - max(x0, xs[c]) > 0.3 * min(x1 - x0, xs[c + 1] - xs[c])
            ]
            joins.extend(((r, covered[0]), (r, c)) for c in covered[1:])
    return joined_grid(page, xs, ys, joins)
