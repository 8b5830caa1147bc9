"""Which table a grid on a page belongs to, what was left unplaced, and a per-page account of both.

Real portals print a table that runs over several pages in many ways: the header repeated or not, the whole
title block (title, 单位 line, header) repeated, with （续） / （续表） / 续表 marks or without, and sometimes the
合计 row repeated under the header. A repeated title on the page right after its table is that table going on,
not a second table. Whatever printed amounts end up in no table are counted here, so the table logic can make
them an error on the table they follow instead of losing them quietly; `PageTrace` keeps what was recognised on
each page for `juesuan parse --explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from juesuan.parsing.grid import Grid, TextLine

_WS = re.compile(r"\s+")
#: continuation marks around a repeated title: 收入决算表（续）, 收入决算表(续表), 续表：收入决算表, 续收入决算表
_CONT_MARKS = re.compile(r"[（(]\s*续(?:表|前表)?\s*[）)]|^续表[:：]?|^续(?=\S*表)|续表$")
_AMOUNT = re.compile(r"^[-−－]?[\d,]*\d\.\d+$")
_PROSE_AMOUNT = re.compile(r"\d(?:万元|元|%|％|亿)")  # prose writes the unit after the figure; tables never
_AMOUNT_IN_TEXT = re.compile(r"(?<![\d.])[-−－]?\d[\d,]*\.\d{2}(?![\d.])")


def base_title(title: str) -> str:
    """A title without its continuation marks and whitespace: what two pages of one table share."""
    return _CONT_MARKS.sub("", _WS.sub("", title))


def is_continued_title(title: str) -> bool:
    """Whether the title says it continues (（续）, 续表 …)."""
    return bool(_CONT_MARKS.search(_WS.sub("", title)))


def continues(prev_kind: str, prev_title: str, prev_last_page: int, kind: str, title: str, page: int) -> bool:
    """A title printed at the top of the page after its table: the same table going on, not a second one.

    Same kind on the very next page, and either the same title (marks aside) or a title marked 续.
    """
    if kind != prev_kind or page != prev_last_page + 1:
        return False
    return base_title(title) == base_title(prev_title) or is_continued_title(title)


def grid_amounts(g: Grid) -> list[str]:
    """The printed amounts (decimal numbers) in a grid's cells, in reading order."""
    out: list[str] = []
    cell_text = g.cell_text
    for cid in range(len(g.spans)):
        text = cell_text(cid)
        if not text:  # a blank cell (many are): nothing to match
            continue
        text = _WS.sub("", text)
        if _AMOUNT.match(text):
            out.append(text)
    return out


#: words only the public tables' rows and headers print (line items, measures)
_PUBLIC_WORDS = re.compile(
    r"本年收入|本年支出|收入合计|支出合计|年初结转|年末结转|财政拨款|基本支出|项目支出|人员经费|公用经费|三公|"
    r"因公出国|公务接待|公务用车|科目编码|科目代码|功能分类|经济分类|结余分配|总计"
)
_SUBJECT_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")


def looks_public(g: Grid) -> bool:
    """Whether an untitled grid could be part of a public table: a subject code in a cell, or a public
    table's line item or measure words (a continuation whose title the parser did not recognise)."""
    for cid in range(len(g.spans)):
        text = _WS.sub("", g.cell_text(cid))
        # labels and headers are short; a paragraph in a cell (绩效目标 …) says nothing of the table
        in_first_column = g.spans[cid][2] == 0  # codes lead their row; 650 elsewhere is an amount
        if (in_first_column and _SUBJECT_CODE.match(text)) or (
            len(text) <= 16 and _PUBLIC_WORDS.search(text)
        ):
            return True
    return False


def tabular_free_lines(lines: list[TextLine]) -> list[TextLine]:
    """Free text lines (outside every grid) that carry two or more amounts and read like a table row, not
    prose: on a table page these are printed cells no grid holds."""
    out = []
    for ln in lines:
        t = _WS.sub("", ln.text)
        if "。" in t or t.startswith(("注", "说明")) or _PROSE_AMOUNT.search(t):
            continue
        if len(_AMOUNT_IN_TEXT.findall(ln.text)) >= 2:
            out.append(ln)
    return out


@dataclass
class Unplaced:
    """Printed amounts on a page that no public table took, and why."""

    page: int
    amounts: int
    reason: str
    after: str | None  # the public table kind printed before them (None: before any table)
    skipped_kind: str | None = None  # "other": under a recognised title of a table that is not a public one
    title: str = ""


@dataclass
class GridTrace:
    """One grid on a page and what became of it."""

    rows: int
    cols: int
    amounts: int
    ruled: bool
    table: str | None = None  # the table kind it was read into
    how: str = ""  # why: "title …", "continues … (same title)", "not read: …"


@dataclass
class PageTrace:
    """What the parser recognised on one page."""

    page: int
    landscape: bool
    table_like: bool
    chars: int
    titles: list[tuple[str, str]] = field(default_factory=list)  # (title text, kind)
    grids: list[GridTrace] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable lines for `juesuan parse --explain`."""
        shape = "landscape" if self.landscape else "portrait"
        if not self.table_like and not self.grids:
            return [f"page {self.page} ({shape}): no ruling and no table layout: prose, not read as a table"]
        head = f"page {self.page} ({shape}, {self.chars} characters)"
        out = [head + ":"]
        for title, kind in self.titles:
            out.append(f"  title {title!r} -> {kind}")
        for i, g in enumerate(self.grids, 1):
            what = "ruled grid" if g.ruled else "unruled grid"
            out.append(f"  {what} {i}: {g.rows} rows x {g.cols} columns, {g.amounts} amounts -> {g.how}")
        out.extend(f"  {n}" for n in self.notes)
        return out


__all__ = [
    "GridTrace",
    "PageTrace",
    "Unplaced",
    "base_title",
    "continues",
    "grid_amounts",
    "is_continued_title",
    "looks_public",
    "tabular_free_lines",
]
