"""The public 决算 tables of one PDF → typed `Table`s, every printed numeric cell with its page and box.

Pipeline per document: page geometry (PDFium, or pdfplumber with `engine="pdfplumber"`) → ruled grids
(`grid.py`), or virtual grids from the text layout for unruled tables (`stream.py`) → each grid attached to the
table whose title is printed above it (or continuing the previous table on the next page) → header rows read into
a role per column (code / label / 行次 / measure) and panel → rows keyed by full subject code or line item.

Tables are identified by title text (and header text), never by position or 公开NN表 number. One table that
cannot be read gets status `parse_error` with a reason; the others are unaffected.
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from juesuan.amounts import AmountError, parse_amount, to_yuan
from juesuan.keywords import alternation, first_key, first_rule, keyword_list, rules, three_public, word_list
from juesuan.model import Cell, Column, Problem, Row, Table
from juesuan.parsing.grid import Grid, TextLine, find_grids, place_chars, text_lines
from juesuan.parsing.locate import (
    GridTrace,
    PageTrace,
    Unplaced,
    continues,
    grid_amounts,
    looks_public,
    tabular_free_lines,
)
from juesuan.parsing.pdfgeom import PageGeom, load_page
from juesuan.parsing.stream import stream_grid
from juesuan.parsing.subjects import class_code, strip_ordinal
from juesuan.vocabulary import TABLE_KINDS

#: The nine public tables of DOMAIN.md section 2, in their usual order (order is never relied on).
PUBLIC_TABLES = tuple(TABLE_KINDS)
#: Header and row-label words of the final-account tables (juesuan/keywords/final_accounts.yaml).
_KW = "final_accounts"
#: Header words that give a column its role, in every family (juesuan/keywords/columns.yaml).
_ROWNO_LEAF_WORDS = word_list("columns", "rowno.leaf_contains")
_ROWNO_LEAVES = word_list("columns", "rowno.leaf")
_CODE_WORDS = word_list("columns", "code.path_contains")
_LABEL_LEAF_WORDS = word_list("columns", "label.leaf_contains")
_LABEL_LEAF_ENDINGS = word_list("columns", "label.leaf_ends")
_SEQ_MARKS = word_list("columns", "sequence_marks")
#: The 三公 items the final accounts' 三公 table has measures for (juesuan/keywords/three_public.yaml).
_THREE_PUBLIC_ITEMS = frozenset(three_public.FAMILY_ITEMS["final_accounts"])

_WS = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_UNIT = re.compile(r"单位[:：]\s*(万元|元)")
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_CODE_LABEL = re.compile(r"^\[?(\d{3}(?:\d{2}){0,2})\]?(\D.*)$")  # [205]教育支出 too
_DECIMAL = re.compile(r"^[-−－]?[\d,]*\d\.\d+$")
_INT = re.compile(r"^\d+$")
_BLANK_MARKS = {"-", "—", "--", "——", "－", "/", "／", "…"}
_EMPTY_NOTE = re.compile(
    r"无数据|本表为空|空表|无.{0,30}(?:收入|支出|经费|预算)|没有.{0,40}(?:收入|支出|预算)"
)
_TITLE_HINT = re.compile(alternation(word_list(_KW, "title_words")) + "[^，。；]*表")
#: Title → table kind (juesuan/keywords/final_accounts.yaml: titles).
_TITLES = rules(_KW, "titles")


#: `norm`'s whitespace and quotes dropped in one pass (it runs for every cell text)
_WS_QUOTES = re.compile(r"[\s“”\"'‘’「」『』]+")


def norm(text: str) -> str:
    return _WS_QUOTES.sub("", text)


def classify_title(text: str) -> str | None:
    """Table kind of a printed title; 'other' for a table that is not one of the public 决算 tables."""
    if (vocabulary := _VOCABULARY.get()) is not None:
        return vocabulary.classify_title(text)
    t = norm(text)
    if "表" not in t or t.startswith(("注", "说明")):
        return None
    if not _TITLE_HINT.search(t) or re.fullmatch(r"(公开)?\d+表", t):
        return None
    return first_rule(_TITLES, t) or "other"


# ---- another document family's vocabulary (budgets) -------------------------------------------------------


@dataclass(frozen=True)
class TableVocabulary:
    """What another document family (部门预算) calls its tables, columns and line items.

    The grid machinery below is the same for every family; only these three readings differ. The final-account
    readings are the module's own functions (no vocabulary set); `juesuan.budgets` brings its own.
    """

    classify_title: Callable[[str], str | None]
    measure: Callable[[str, list[str], str | None], str | None]
    line_item: Callable[[str, str | None, str, _PanelState], str | None]
    kinds: tuple[str, ...]
    #: a second code + name group before the amounts (部门经济分类 301… beside 政府经济分类 501…) is the same
    #: row under another classification: its columns are ignored, the first group keys the row
    single_classification: bool = False
    #: with single_classification, key the second group instead of ignoring it: a table crossing two
    #: classifications (部门经济分类 × 政府经济分类, a row per pair) keys each row by its first code and
    #: line item f"{cross_key}:{second code}", so rows repeating a first code under other second codes stay apart
    cross_key: str | None = None
    #: a header that names the row's subject column in words this vocabulary knows (部门预算支出经济科目)
    label_column: Callable[[list[str]], bool] = lambda path: False
    #: regroup the located tables before they are read (a title repeated atop every page of one table)
    post_locate: Callable[[list[Found]], list[Found]] | None = None
    #: re-key a table's rows (in printed order) before repeated keys are judged (per-unit blocks repeating codes)
    post_rows: Callable[[str, list[Row]], None] | None = None
    #: the side of a summary panel from its first column's header path and the default side (a summary printing
    #: its expenditure in several panels, by function and by economic classification, names each panel's side)
    panel_side: Callable[[str, str], str] | None = None
    #: the family's name in notes about tables it does not read ("not one of the public 预算 tables")
    family: str = "决算"


def _drop_second_classification(roles: list[ColRole], keep: bool = False) -> None:
    """Blank the code/label columns of a second classification printed before the first amount column
    (`keep`: mark them as the second classification instead, read as the row's cross key)."""
    seen_code = seen_label = second = False
    for cr in roles:
        if cr.role in ("amount", "rowno"):
            seen_code = seen_label = second = False
        elif cr.role == "code" and seen_code and seen_label:
            second = True
        if second and cr.role in ("code", "label"):
            if keep:
                cr.second = True
            else:
                cr.role = "blank"
        seen_code = seen_code or cr.role == "code"
        seen_label = seen_label or (cr.role == "label" and seen_code)


_VOCABULARY: ContextVar[TableVocabulary | None] = ContextVar("juesuan_table_vocabulary", default=None)


@contextmanager
def using_vocabulary(vocabulary: TableVocabulary) -> Iterator[None]:
    """Read tables with `vocabulary` inside the block (per thread/task: parallel parses do not mix)."""
    token = _VOCABULARY.set(vocabulary)
    try:
        yield
    finally:
        _VOCABULARY.reset(token)


# ---- column roles ----------------------------------------------------------------------------------------


@dataclass
class ColRole:
    role: str  # code | label | rowno | amount | blank
    header: str = ""
    measure: str | None = None
    level: str | None = None  # code columns: 类 / 款 / 项 / full
    panel: int = 0
    side: str | None = None  # income / expenditure (two-panel summaries)
    second: bool = False  # code/label of a second classification (TableVocabulary.cross_key)


#: Column header words → measure key, per table kind (juesuan/keywords/final_accounts.yaml: measures).
_INCOME_MEASURES = keyword_list(_KW, "measures.income")
_EXPENDITURE_MEASURES = keyword_list(_KW, "measures.expenditure")
_FUND_TABLE_MEASURES = keyword_list(_KW, "measures.fund_tables")
_APPROPRIATION_MEASURES = keyword_list(_KW, "measures.appropriation_summary")
_AMOUNT_WORDS = word_list(_KW, "measures.amount")


def _measure(kind: str, path: list[str], side: str | None) -> str | None:
    if (vocabulary := _VOCABULARY.get()) is not None:
        return vocabulary.measure(kind, path, side)
    j = "".join(path)
    if kind == "three_public":
        s = "budget" if "预算" in j else "actual" if "决算" in j else "side?"  # side? = from the row label
        m = three_public.item(j, _THREE_PUBLIC_ITEMS)
        if m is None:
            if not any(w in j for w in three_public.TOTAL_WORDS):
                return None
            m = "total"
        return f"{s}.{m}"
    if kind == "income":
        return first_key(_INCOME_MEASURES, j)
    if kind in ("expenditure", "general_budget"):
        return first_key(_EXPENDITURE_MEASURES, j)
    if kind in ("gov_fund", "state_capital"):
        return first_key(_FUND_TABLE_MEASURES, j)
    if kind == "appropriation_summary" and side == "expenditure":
        return first_key(_APPROPRIATION_MEASURES, j)
    if any(w in j for w in _AMOUNT_WORDS):
        return "amount"
    return None


def _is_seq_row(texts: list[str]) -> bool:
    """A 栏次 row: '栏次' and/or the column numbers 1, 2, 3 … (not amounts)."""
    vals = [t for t in texts if t]
    if not vals:
        return False
    if any(t in _SEQ_MARKS for t in vals):  # some templates number label columns 甲/乙
        return all(t in _SEQ_MARKS or _INT.match(t) for t in vals)
    if not all(_INT.match(t) for t in vals) or len(vals) < 2:
        return False
    nums = [int(t) for t in vals]
    return all(b == a + 1 for a, b in itertools.pairwise(nums))


def _row_texts(g: Grid, r: int) -> list[tuple[int, str]]:
    """(merged cell id, text) of the cells starting in row r's columns, left to right, each once.

    Kept on the grid (its cells do not change once read): a row is asked for by several passes. Callers
    only read the list."""
    out = g.row_texts.get(r)
    if out is not None:
        return out
    out, seen = [], set()
    for cid in g.cell_of[r]:
        if cid in seen:
            continue
        seen.add(cid)
        text = g.cell_text(cid)
        out.append((cid, norm(text) if text else text))
    g.row_texts[r] = out
    return out


def _is_data_row(g: Grid, r: int) -> bool:
    texts = [t for _, t in _row_texts(g, r)]
    if _is_seq_row(texts):
        return False
    filled = [t for t in texts if t]
    for t in filled:
        if _CODE.match(t) or _CODE_LABEL.match(t) or _DECIMAL.match(t):
            return True
    if filled and set(filled) <= {"合计", "总计", "类", "款", "项"} and {"合计", "总计"} & set(filled):
        return True  # the lone 合计 row of an empty table (or of a column part whose measures are all blank)
    ints = [t for t in texts if _INT.match(t)]
    return bool(ints) and not _is_seq_row(ints) and len(ints) == len([t for t in texts if t])


def _first_data_row(g: Grid) -> int:
    for r in range(g.nrows):
        if _is_data_row(g, r):
            return r
    return g.nrows


def _header_roles(kind: str, g: Grid, header_rows: range) -> list[ColRole]:
    """Role of each atomic column from the header text above it (merged cells counted once per column)."""
    paths: list[list[str]] = []
    for c in range(g.ncols):
        path: list[str] = []
        for r in header_rows:
            texts = [t for _, t in _row_texts(g, r)]
            if _is_seq_row(texts):
                continue
            t = norm(g.cell_text(g.cell_of[r][c]))
            if t and (not path or path[-1] != t) and not _UNIT.search(t) and classify_title(t) is None:
                path.append(t)
        paths.append(path)
    roles: list[ColRole] = []
    vocabulary = _VOCABULARY.get()
    for path in paths:
        j = "".join(path)
        leaf = path[-1] if path else ""
        if vocabulary is not None and vocabulary.label_column(path):
            roles.append(ColRole("label", j))
        elif any(w in leaf for w in _ROWNO_LEAF_WORDS) or leaf in _ROWNO_LEAVES:
            roles.append(ColRole("rowno", j))
        elif any(w in j for w in _CODE_WORDS) or leaf in ("类", "款", "项"):
            roles.append(ColRole("code", j, level=leaf if leaf in ("类", "款", "项") else None))
        elif (
            any(w in leaf for w in _LABEL_LEAF_WORDS)
            or leaf.endswith(_LABEL_LEAF_ENDINGS)
            or (not leaf and kind != "three_public")
        ):
            roles.append(ColRole("label" if leaf else "blank", j))
        else:
            roles.append(ColRole("amount", j))
    if vocabulary is not None and vocabulary.single_classification:
        _drop_second_classification(roles, keep=vocabulary.cross_key is not None)
    # panels: a code/label column after an amount column starts a new panel
    panel, seen_amount = 0, False
    for cr in roles:
        if cr.role in ("code", "label") and seen_amount:
            panel, seen_amount = panel + 1, False
        if cr.role in ("amount", "rowno"):
            seen_amount = True
        cr.panel = panel
    # panel sides (summary tables) from the top header text, falling back to left = income
    for p in range(panel + 1):
        cols = [i for i, cr in enumerate(roles) if cr.panel == p]
        top = "".join(paths[cols[0]][:1]) if cols and paths[cols[0]] else ""
        side = "income" if "收入" in top else "expenditure" if "支出" in top else None
        if side is None:
            side = "income" if p == 0 else "expenditure"
        if vocabulary is not None and vocabulary.panel_side is not None and cols:
            side = vocabulary.panel_side("".join(paths[cols[0]]), side)
        for i in cols:
            roles[i].side = side
    # code levels for split codes: adjacent code columns in a panel are 类 | 款 | 项
    for p, second in itertools.product(range(panel + 1), (False, True)):
        codes = [cr for cr in roles if cr.panel == p and cr.role == "code" and cr.second == second]
        if len(codes) > 1 and any(cr.level is None for cr in codes):
            for cr, lv in zip(codes, ("类", "款", "项"), strict=False):
                cr.level = lv
        elif len(codes) == 1 and codes[0].level is None:
            codes[0].level = "full"
    for cr, path in zip(roles, paths, strict=True):
        if cr.role == "amount":
            cr.measure = _measure(kind, path, cr.side)
    return roles


# ---- rows -------------------------------------------------------------------------------------------------


_INCOME_LINES = keyword_list(_KW, "lines.income")
_EXPENDITURE_LINES = keyword_list(_KW, "lines.expenditure")
_EXACT_LINES = dict(keyword_list(_KW, "lines.exact", match="exact"))
_SUBLINES = tuple((k, w) for k, ws in keyword_list(_KW, "lines.balance_funds") for w in ws)


@dataclass
class _PanelState:
    lei: str | None = None
    kuan: str | None = None
    sub: str | None = None  # "opening" / "closing" after 年初 / 年末 结转和结余 lines


def _line_item(kind: str, side: str | None, label: str, state: _PanelState) -> str | None:
    if (vocabulary := _VOCABULARY.get()) is not None:
        return vocabulary.line_item(kind, side, label, state)
    n = strip_ordinal(label)
    if not n:
        return None
    if kind in ("summary", "appropriation_summary"):
        if side == "income":
            if state.sub == "opening":
                for key, w in _SUBLINES:
                    if w in n:
                        return f"income.opening_balance.{key}"
            if "年初" in n and "结转" in n:
                state.sub = "opening"
                return "income.opening_balance"
            state.sub = None
            if n in _EXACT_LINES["income.fiscal"]:
                return "income.fiscal"
            return first_key(_INCOME_LINES, n)
        if state.sub == "closing":
            for key, w in _SUBLINES:
                if w in n:
                    return f"expenditure.closing_balance.{key}"
        if "年末" in n and "结转" in n:
            state.sub = "closing"
            return "expenditure.closing_balance"
        state.sub = None
        if n in _EXACT_LINES["expenditure.total"]:
            return "expenditure.total"
        return first_key(_EXPENDITURE_LINES, n)
    if kind == "basic_expenditure":
        if n.startswith("人员经费"):
            return "personnel_total"
        if n.startswith("公用经费"):
            return "public_total"
    if n in _EXACT_LINES["total"]:
        return "total"
    return None


def _compose_code(parts: list[tuple[str, str]], state: _PanelState) -> str | None:
    """Full code from printed parts [(level, digits)]: '201'|'06'|'01' → 2010601; a child part uses the parent."""
    by = {lv: d for lv, d in parts if d}
    code = None
    if "full" in by:
        code = by["full"]
        if len(code) == 2 and state.kuan:  # child part printed alone in a single code column
            code = (state.kuan if len(state.kuan) == 5 else state.lei or "") + code
    elif "项" in by:
        kuan = (by.get("类", "") + by["款"]) if "款" in by else state.kuan
        if kuan and len(kuan) == 3 and "款" in by:
            kuan = (state.lei or "") + by["款"]
        code = (kuan or "") + by["项"] if len(by["项"]) == 2 else by["项"]
    elif "款" in by:
        code = (by.get("类") or state.lei or "") + by["款"] if len(by["款"]) == 2 else by["款"]
    elif "类" in by:
        code = by["类"]
    if not code or not _CODE.match(code):
        return None
    if len(code) == 3:
        state.lei, state.kuan = code, None
    elif len(code) == 5:
        state.lei, state.kuan = code[:3], code
    else:
        state.lei, state.kuan = code[:3], code[:5]
    return code


@dataclass
class Found:
    """A table located in the document: its grids (one per page part) and the text around them."""

    kind: str
    title: str
    unit: str | None
    grids: list[Grid] = field(default_factory=list)
    note_lines: list[str] = field(default_factory=list)
    last_page: int = 0
    unreadable: int = 0
    chars: int = 0
    bad_fonts: dict[str, int] = field(default_factory=dict)  # undecodable font → characters in the table


def _cell(measure: str, text: str, unit: str, g: Grid, r: int, c: int) -> Cell:
    value = parse_amount(text)
    return Cell(
        measure=measure,
        text=text,
        value=value,
        amount_yuan=to_yuan(value, unit),
        page=g.page,
        bbox=g.atomic_bbox(r, c),
    )


def interpret(found: Found, learned_classes: dict[str, str]) -> Table:
    """Read a located table's grids into a typed Table (status parsed / empty / parse_error)."""
    unit = found.unit or "万元"
    table = Table(kind=found.kind, unit=unit, title=found.title)
    table.pages = sorted({g.page for g in found.grids})
    if found.chars and found.unreadable > found.chars * 0.2:
        return _error(
            table,
            "unreadable_font",
            f"unreadable font: {found.unreadable} of {found.chars} glyphs on pages {table.pages} have no "
            "Unicode mapping (cid:)",
        )
    if found.bad_fonts:
        fonts = "; ".join(f"{font}: {n} characters" for font, n in found.bad_fonts.items())
        return _error(
            table,
            "unreadable_font",
            f"font without a Unicode map in {found.title!r} on pages {table.pages} ({fonts}); its characters "
            "cannot be decoded safely (a guess could give wrong digits), so the table is not read",
        )
    note = "".join(found.note_lines) or None
    roles: list[ColRole] | None = None
    base: Grid | None = None
    rows: list[Row] = []
    three_public = Row(label="") if found.kind == "three_public" else None
    states: dict[int, _PanelState] = {}
    header_texts: set[str] = set()
    total_texts: list[str] | None = None
    all_roles: list[ColRole] = []
    # a table printed by columns ("down, then over"): each column part has its own header; a part without
    # code or name columns gives its amounts to the first part's rows by position
    part = 0
    part_of: dict[int, int] = {}
    first_part_rows: list[Row | None] = []
    aligned: list[Row | None] | None = None
    for g in found.grids:
        if g.is_empty():
            continue  # an empty spill page (only a border row)
        start = _first_data_row(g)
        new_part = False
        if roles is None:
            roles, base = _header_roles(found.kind, g, range(start)), g
            header_texts = {t for r in range(start) for _, t in _row_texts(g, r) if t}
            total_texts = _total_row_texts(g, start)
            all_roles += roles
        else:
            # a continuation: leading rows are a repeated header only if they repeat the header's words
            k = 0
            while k < start:
                texts = [t for _, t in _row_texts(g, k) if t]
                if texts and not (set(texts) <= header_texts or _is_seq_row(texts)):
                    break
                k += 1
            if k < start and found.kind in _COLUMN_SPLIT_KINDS:
                cand = _header_roles(found.kind, g, range(start))
                seen = {cr.measure for cr in all_roles if cr.role == "amount"}
                if {cr.measure for cr in cand if cr.role == "amount" and cr.measure} - seen:
                    new_part = True  # a header of other measures: the next column part of the table
                    roles, base, part = cand, g, part + 1
                    header_texts = {t for r in range(start) for _, t in _row_texts(g, r) if t}
                    total_texts = _total_row_texts(g, start)
                    all_roles += cand
                    positional = not any(cr.role in ("code", "label") for cr in cand)
                    aligned = list(first_part_rows) if positional else None
            if not new_part:
                start = k
            # the 合计 row repeated under the header of a continuation (Excel's rows to repeat at top)
            while not new_part and start < g.nrows and not any(t for _, t in _row_texts(g, start)):
                start += 1
            if not new_part and total_texts and start < g.nrows and _total_row_texts(g, start) == total_texts:
                table.problems.append(
                    Problem(
                        code="repeated_total_row",
                        message=f"the 合计 row is printed again at the top of page {g.page}; read once",
                        table_kind=found.kind,
                        page=g.page,
                        severity="info",
                    )
                )
                start += 1
        colmap = _map_columns(g, base) if base is not None and g is not base else list(range(g.ncols))
        for r in range(start, g.nrows):
            texts = [t for _, t in _row_texts(g, r)]
            if _is_seq_row(texts):
                continue
            if aligned is not None:
                _read_aligned(found.kind, g, r, roles, colmap, unit, aligned, table)
                continue
            if not any(texts):
                if part == 0:
                    first_part_rows.append(None)
                continue
            joined = "".join(texts)
            if _EMPTY_NOTE.search(joined) and not re.search(r"\d\.\d", joined):
                found.note_lines.append(joined)  # the 无数据 note drawn inside the frame
                note = "".join(found.note_lines)
                continue
            panel_rows = _read_row(found.kind, g, r, roles, colmap, unit, states, learned_classes, table)
            if part == 0:
                first_part_rows.append(panel_rows[0] if len(panel_rows) == 1 else None)
            for row in panel_rows:
                part_of[id(row)] = part
                if three_public is not None:
                    # transposed layouts print 预算数 / 决算数 as row labels: the side comes from the row
                    side = "budget" if "预算" in row.label else "actual" if "决算" in row.label else None
                    for cell in row.cells:
                        if cell.measure.startswith("side?."):
                            cell.measure = f"{side}.{cell.measure[6:]}" if side else "?"
                    three_public.cells.extend(row.cells)
                    three_public.page = three_public.page or row.page
                else:
                    rows.append(row)
    if roles is None:
        if note:
            table.status, table.note = "empty", note
            return table
        return _error(table, "no_rows", f"table {found.title!r} has no readable rows")
    table.columns = [
        Column(measure=cr.measure, header=cr.header) for cr in all_roles if cr.role == "amount" and cr.measure
    ]
    # a header we cannot map matters when numbers are printed under it (an empty column loses nothing)
    used = {c.measure for r in rows for c in r.cells} | {
        c.measure for c in (three_public.cells if three_public else [])
    }
    if "?" in used:
        unknown = list(
            dict.fromkeys(
                cr.header or "(blank)" for cr in all_roles if cr.role == "amount" and cr.measure is None
            )
        ) or ["(rows without 预算数/决算数)"]
        return _error(
            table,
            "unknown_header",
            f"unknown header layout in {found.title!r}: no measure for column(s) {', '.join(unknown)}",
        )
    if three_public is not None:
        rows = [three_public] if three_public.cells else []
    if (vocabulary := _VOCABULARY.get()) is not None and vocabulary.post_rows is not None:
        vocabulary.post_rows(found.kind, rows)
    table.rows = _dedupe(rows, table, part_of)
    cells = [c for r in table.rows for c in r.cells]
    if not cells or (note and not any(c.value != 0 for c in cells)):
        table.status = "empty"
    table.note = note
    lost = [p for p in table.problems if p.severity == "error" and p.code in _LOST_CELL_CODES]
    if lost:
        table.status = (
            "parse_error"  # printed amounts were seen but not read: the rows read are not the table
        )
    return table


#: Problems that mean a printed amount of the table was seen and not read into it.
_LOST_CELL_CODES = frozenset({"unknown_row", "unmapped_cell", "unreadable_cell"})


def _total_row_texts(g: Grid, r: int) -> list[str] | None:
    """The printed texts of row r when it is a 合计/总计 row (what a continuation may repeat), else None."""
    if r >= g.nrows:
        return None
    texts = [t for _, t in _row_texts(g, r) if t]
    labels = [t for t in texts if not _DECIMAL.match(t)]
    if any(t in ("合计", "总计") for t in labels) and len(texts) > len(labels):
        return texts
    return None


#: Tables wide enough to be printed by columns (the right half of the measures on the next pages).
_COLUMN_SPLIT_KINDS = frozenset({"income", "expenditure", "general_budget", "gov_fund", "state_capital"})


def _read_aligned(
    kind: str,
    g: Grid,
    r: int,
    roles: list[ColRole],
    colmap: list[int],
    unit: str,
    aligned: list[Row | None],
    table: Table,
) -> None:
    """A row of a column part without code or name columns: its amounts belong to the first part's row
    printed at the same position (blank rows count, as they are printed in both parts)."""
    target = aligned.pop(0) if aligned else None
    cells: list[Cell] = []
    for c in range(g.ncols):
        cr = roles[colmap[c]]
        if cr.role != "amount":
            continue
        text = unicodedata.normalize("NFKC", norm(g.atomic_text(r, c)))
        if not text or text in _BLANK_MARKS:
            continue
        try:
            cells.append(_cell(cr.measure or "?", text, unit, g, r, c))
        except AmountError:
            table.problems.append(
                Problem(
                    code="unreadable_cell",
                    message=f"not an amount in {cr.header or 'column'} on page {g.page}: {text!r}",
                    table_kind=kind,
                    page=g.page,
                    severity="error",
                )
            )
    if not cells:
        return
    if target is None:
        printed = ", ".join(f"{c.measure}={c.text}" for c in cells)
        table.problems.append(
            Problem(
                code="unknown_row",
                message=f"amounts ({printed}) on page {g.page} continue the table's columns but match no row "
                "of its first columns; not read",
                table_kind=kind,
                page=g.page,
                severity="error",
            )
        )
        return
    target.cells.extend(cells)


def _error(table: Table, code: str, message: str) -> Table:
    table.status = "parse_error"
    table.rows = []
    table.problems.append(Problem(code=code, message=message, table_kind=table.kind, severity="error"))
    return table


def _map_columns(g: Grid, base: Grid) -> list[int]:
    """Map a continuation grid's columns onto the header grid's columns by horizontal overlap."""
    out = []
    for c in range(g.ncols):
        a, b = g.xs[c], g.xs[c + 1]
        best, best_ov = c if c < base.ncols else base.ncols - 1, 0.0
        for k in range(base.ncols):
            ov = min(b, base.xs[k + 1]) - max(a, base.xs[k])
            if ov > best_ov:
                best, best_ov = k, ov
        out.append(best)
    return out


def _read_row(
    kind: str,
    g: Grid,
    r: int,
    roles: list[ColRole],
    colmap: list[int],
    unit: str,
    states: dict[int, _PanelState],
    learned: dict[str, str],
    table: Table,
) -> list[Row]:
    """One printed grid row → one Row per panel that carries a label, a code or amounts."""
    panels: dict[int, dict] = {}
    seen: set[int] = set()
    for c in range(g.ncols):
        cr = roles[colmap[c]]
        cid = g.cell_of[r][c]
        r0, _, c0, _ = g.spans[cid]
        start_role = roles[colmap[c0]]
        p = panels.setdefault(
            cr.panel, {"codes": [], "label": [], "cells": [], "side": cr.side, "codes2": [], "label2": []}
        )
        if cr.role == "amount":
            if start_role.role != "amount":
                continue  # a label cell spanning over amount columns
            text = unicodedata.normalize("NFKC", norm(g.atomic_text(r, c)))  # full-width digits too
            sr0, sr1, sc0, sc1 = g.spans[cid]
            if sc1 > sc0 and sr0 == sr1 and text and _one_measure(roles, colmap, sc0, sc1):
                # one cell of this row over columns of one measure (the header spans them too): its amount is read
                # whole, not cut where a rule of another row (or a shaded box's edge) crosses it ('160.00', not
                # '1' '6' '0' '.00')
                if cid in seen:
                    continue
                seen.add(cid)
                text = unicodedata.normalize("NFKC", norm(g.cell_text(cid)))
            if not text or text in _BLANK_MARKS:
                continue
            if r0 != r and cid in seen:
                continue
            _, _, sc0, sc1 = g.spans[cid]
            if not any(ch.isdigit() for ch in text) and (sc1 > sc0 or not (p["label"] or p["codes"])):
                # words spanning several columns (a footer label of an unruled table): a label, not an amount
                if cid not in seen:
                    p["label"].append(norm(g.cell_text(cid)))
                seen.add(cid)
                continue
            try:
                p["cells"].append(_cell(cr.measure or "?", text, unit, g, r, c))
            except AmountError:
                table.problems.append(
                    Problem(
                        code="unreadable_cell",
                        message=f"not an amount in {cr.header or 'column'} on page {g.page}: {text!r}",
                        table_kind=kind,
                        page=g.page,
                        severity="error",
                    )
                )
            continue
        if cid in seen or (cr.role in ("rowno", "blank") and start_role.role in ("rowno", "blank")):
            if cr.role == "blank" and cid not in seen and _DECIMAL.match(norm(g.cell_text(cid))):
                table.problems.append(
                    Problem(
                        code="unmapped_cell",
                        message=f"amount {norm(g.cell_text(cid))!r} on page {g.page} sits in a column without "
                        "a header; not read",
                        table_kind=kind,
                        page=g.page,
                        severity="error",
                    )
                )
            seen.add(cid)
            continue
        seen.add(cid)
        if r0 != r:  # merged vertically from a row above: already read there
            continue
        text = norm(g.cell_text(cid))
        if not text:
            continue
        if cr.second:  # the second classification: its code keys the row beside the first (names implied)
            if cr.role == "code" and (m := _CODE_LABEL.match(text) or re.fullmatch(r"\d+", text)):
                p["codes2"].append((cr.level or "full", m.group(1) if m.re is _CODE_LABEL else text))
            elif _DECIMAL.match(
                text
            ):  # an amount in the second classification's columns: never dropped silently
                table.problems.append(
                    Problem(
                        code="unmapped_cell",
                        message=f"amount {text!r} on page {g.page} sits in the second classification's "
                        f"column {cr.header!r}; not read",
                        table_kind=kind,
                        page=g.page,
                        severity="error",
                    )
                )
            elif text not in ("类", "款", "项"):
                p["label2"].append(text)
            continue
        if cr.role == "code":
            if text in ("类", "款", "项"):
                continue
            if re.fullmatch(r"\d+", text):
                p["codes"].append((cr.level or "full", text))
                continue
            m = _CODE_LABEL.match(text)
            if m:
                p["codes"].append((cr.level or "full", m.group(1)))
                p["label"].append(m.group(2))
                continue
        elif cr.role == "label":
            m = _CODE_LABEL.match(text)
            if m and not p["codes"]:
                p["codes"].append(("full", m.group(1)))
                text = m.group(2)
        if cr.role == "rowno" and _INT.match(text):
            continue
        p["label"].append(text)
    out: list[Row] = []
    order = sorted(panels)
    for a, b in itertools.pairwise(order):
        pa, pb = panels[a], panels[b]
        # a footer label spanning into the next panel (公用经费合计): the amount sits in the later panel
        if (
            pa["label"]
            and not pa["codes"]
            and not pa["cells"]
            and pb["cells"]
            and not pb["label"] + pb["codes"]
        ):
            pb["label"], pa["label"] = pa["label"], []
    for pi in order:
        p = panels[pi]
        state = states.setdefault(pi, _PanelState())
        label = "".join(p["label"])
        if not label and not p["codes"] and not p["cells"]:
            continue
        code = _compose_code(p["codes"], state) if p["codes"] else None
        row = Row(label=label, page=g.page, cells=p["cells"])
        if code and p["codes2"] and (vocabulary := _VOCABULARY.get()) is not None and vocabulary.cross_key:
            code2 = _compose_code(p["codes2"], states.setdefault(-1 - pi, _PanelState()))
            if code2 is None:
                table.problems.append(
                    Problem(
                        code="unknown_row",
                        message=f"row {code} {label!r} on page {g.page}: second classification code "
                        f"{''.join(d for _, d in p['codes2'])!r} not readable; not read",
                        table_kind=kind,
                        page=g.page,
                        severity="error",
                    )
                )
                continue
            row.line_item = f"{vocabulary.cross_key}:{code2}"
        if code:
            row.subject_code = code
            if len(code) == 3 and label:
                learned.setdefault(strip_ordinal(label), code)
        elif kind != "three_public":
            row.line_item = _line_item(kind, p["side"], label, state)
            if (
                row.line_item is None
                and not label
                and p["cells"]
                and not getattr(state, "total_seen", False)
                and not any(cr.role in ("code", "label") for cr in roles)
            ):
                # a header over one row of amounts, no code or name column (江苏 2019's 支出预算总表): the row is
                # the table's total; a second such row stays unknown
                state.total_seen, row.line_item = True, "total"  # type: ignore[attr-defined]
            if row.line_item is None and kind in ("summary", "appropriation_summary"):
                row.subject_code = class_code(label, learned)
            if row.line_item is None and row.subject_code is None:
                if p["cells"]:  # kept out of the table (no key to file it under), but never lost silently
                    printed = ", ".join(f"{c.measure}={c.text}" for c in p["cells"])
                    table.problems.append(
                        Problem(
                            code="unknown_row",
                            message=f"row {label!r} on page {g.page} has amounts ({printed}) but no recognised "
                            "code or line item; not read",
                            table_kind=kind,
                            page=g.page,
                            severity="error",
                        )
                    )
                continue
        out.append(row)
    return out


def _one_measure(roles: list[ColRole], colmap: list[int], c0: int, c1: int) -> bool:
    """Are columns c0..c1 all amount columns of the same known measure?"""
    first = roles[colmap[c0]]
    return first.measure is not None and all(
        roles[colmap[c]].role == "amount" and roles[colmap[c]].measure == first.measure
        for c in range(c0 + 1, c1 + 1)
    )


def _dedupe(rows: list[Row], table: Table, part_of: dict[int, int] | None = None) -> list[Row]:
    """Drop rows printed twice (e.g. repeated at a page break): same key and same values are never summed.

    A row of a later column part (same key, other measures) is the rest of the row: its cells are joined."""
    seen: dict[tuple, Row] = {}
    out: list[Row] = []
    for row in rows:
        if row.subject_code is None and row.line_item is None:
            out.append(row)
            continue
        key = row.key
        first = seen.get(key)
        if first is None:
            seen[key] = row
            out.append(row)
            continue
        if not row.cells:
            continue  # an empty row printed twice carries nothing to double-count
        later_part = bool(part_of) and part_of.get(id(row), 0) != part_of.get(id(first), 0)
        if later_part and not {c.measure for c in first.cells} & {c.measure for c in row.cells}:
            first.cells.extend(row.cells)
            continue
        same = {(c.measure, c.value) for c in first.cells} == {(c.measure, c.value) for c in row.cells}
        table.repeated_rows.append(row)
        table.problems.append(
            Problem(
                code="repeated_rows" if same else "conflicting_rows",
                message=(
                    f"row {row.subject_code or row.line_item} {row.label!r} printed again on page {row.page}"
                    + (
                        " with the same values; counted once"
                        if same
                        else " with different values; first kept"
                    )
                ),
                table_kind=table.kind,
                page=row.page,
                severity="warning" if same else "error",
            )
        )
    return out


# ---- document ---------------------------------------------------------------------------------------------


@dataclass
class TablesResult:
    tables: dict[str, Table]
    problems: list[Problem]
    table_pages: list[int]
    page_count: int


def locate_tables(
    pages: list[PageGeom],
    traces: list[PageTrace] | None = None,
    unplaced: list[Unplaced] | None = None,
) -> tuple[list[Found], list[Problem]]:
    """Walk the pages in order and attach every ruled grid to the table titled above it (or continued).

    A title repeated at the top of the next page (as is, or marked 续) continues its table. `traces` receives
    what was recognised on each page (for --explain), `unplaced` the printed amounts no public table took.
    """
    found: list[Found] = []
    problems: list[Problem] = []
    current: Found | None = None
    last_public: Found | None = None
    other: tuple[str, int] | None = None  # the last table titled but not public: (title, last page)
    doc_unit: str | None = None
    unplaced = unplaced if unplaced is not None else []
    for geom in pages:
        trace = PageTrace(
            page=geom.number,
            landscape=geom.width > geom.height,
            table_like=geom.table_like or bool(geom.hsegs),
            chars=len(geom.chars),
        )
        if traces is not None:
            traces.append(trace)
        grids = find_grids(geom)
        ruled = bool(grids)
        lines = text_lines(getattr(geom, "free_chars", []))
        if not grids and geom.chars:
            grids, orphans = _stream_grids(geom, lines, current)
            for i in orphans:  # a title with no table rows under it: an empty table keeps its note
                after = lines[i + 1 :]
                nxt = next(
                    (k for k, ln in enumerate(after) if classify_title(ln.text) is not None), len(after)
                )
                orphan = Found(
                    kind=classify_title(lines[i].text) or "other",
                    title=norm(lines[i].text),
                    unit=_unit_of(after[:nxt]),
                    last_page=geom.number,
                )
                _add_notes(orphan, after[:nxt])
                found.append(orphan)
                trace.titles.append((orphan.title, orphan.kind))
                trace.notes.append(f"{orphan.title!r}: no table rows under the title")
            if grids:
                place_chars(geom, grids)
                lines = text_lines(getattr(geom, "free_chars", []))
            elif orphans:
                current = None
                continue
        if not grids:
            # a table title printed on a page without any ruling (an unruled table): reported, not guessed
            plain = [norm(t) for t in geom.text.splitlines()]
            unit = next((m.group(1) for t in plain if (m := _UNIT.search(t))), None)
            for t in plain:
                kind = classify_title(t)
                if unit and kind not in (None, "other") and t.endswith("表"):
                    found.append(Found(kind=kind, title=t, unit=unit, last_page=geom.number))
                    trace.titles.append((t, kind))
                    trace.notes.append(f"{t!r}: title without a table the parser can read under it")
            loose = tabular_free_lines(text_lines(geom.chars)) if geom.chars else []
            if loose:
                n = sum(len(re.findall(r"\d\.\d\d", ln.text)) for ln in loose)
                reason = (
                    f"{len(loose)} lines of amounts without ruling or a table title the parser recognised"
                )
                unplaced.append(Unplaced(geom.number, n, reason, last_public.kind if last_public else None))
                trace.notes.append(f"not read: {reason} ({n} amounts)")
            current = None
            continue
        prev_bottom = -1.0
        for k, g in enumerate(grids):
            amounts = len(grid_amounts(g))
            gt = GridTrace(rows=g.nrows, cols=g.ncols, amounts=amounts, ruled=ruled)
            trace.grids.append(gt)
            region = [ln for ln in lines if ln.top >= prev_bottom - 1 and ln.bottom <= g.top + 1]
            kinds = [(i, classify_title(ln.text)) for i, ln in enumerate(region)]
            titled = [i for i, k in kinds if k is not None]
            known = [i for i, k in kinds if k not in (None, "other")]
            title_idx = known[-1] if known else (titled[-1] if titled else None)
            # lines before the title close the previous table (its notes)
            pre = region if title_idx is None else region[:title_idx]
            if current is not None and (k > 0 or title_idx is not None):
                _add_notes(current, pre)
            ctx = region if title_idx is None else region[title_idx:]
            title_text = norm(region[title_idx].text) if title_idx is not None else None
            if title_text is None:
                title_text = _title_in_grid(g)
            unit = _unit_of(ctx) or _unit_in_grid(g)
            skipped: Unplaced | None = None
            if title_text is not None:
                kind = classify_title(title_text)
                trace.titles.append((title_text, kind or "not a table title"))
                if (
                    k == 0
                    and current is not None
                    and kind is not None
                    and continues(
                        current.kind, current.title, current.last_page, kind, title_text, geom.number
                    )
                ):
                    gt.how = f"continues {current.kind} (its title repeated on the next page)"
                elif kind == "other" or kind is None:
                    current = None
                    other = (title_text, geom.number)
                    gt.how = f"not read: {title_text!r} is not one of the public tables"
                    if amounts:
                        skipped = Unplaced(
                            geom.number,
                            amounts,
                            f"table {title_text!r} is not one of the public {_family()} tables",
                            last_public.kind if last_public else None,
                            skipped_kind="other",
                            title=title_text,
                        )
                else:
                    doc_unit = unit or doc_unit
                    current = Found(kind=kind, title=title_text, unit=unit or doc_unit, last_page=geom.number)
                    found.append(current)
                    last_public, other = current, None
                    gt.how = f"{kind} (titled {title_text!r})"
                    if unit is None:
                        problems.append(
                            Problem(
                                code="unit_missing",
                                message=f"no 单位 printed for {title_text!r}; using {current.unit or '万元'}",
                                table_kind=kind,
                                page=geom.number,
                            )
                        )
            elif current is not None and geom.number - current.last_page > 1:
                current = None
            elif current is not None:
                gt.how = (
                    f"continues {current.kind} from page {current.last_page}"
                    if current.last_page != geom.number
                    else f"continues {current.kind} on the same page"
                )
            if current is not None:
                current.grids.append(g)
                if geom.bad_fonts:
                    for chars in g.atomic_chars.values():
                        for ch in chars:
                            if (font := geom.bad_fonts.get(id(ch))) is not None:
                                current.bad_fonts[font] = current.bad_fonts.get(font, 0) + 1
                current.last_page = geom.number
                current.chars += sum(len(v) for v in g.atomic_chars.values())
                current.unreadable += geom.unreadable_chars if k == 0 else 0
            elif skipped is not None:
                unplaced.append(skipped)
            elif other is not None and geom.number - other[1] <= 1 and title_text is None:
                # the next page of a table that is not a public one (a 绩效自评表 running over a page)
                other = (other[0], geom.number)
                gt.how = f"not read: continues {other[0]!r}, not one of the public tables"
                if amounts:
                    unplaced.append(
                        Unplaced(
                            geom.number,
                            amounts,
                            f"continuation of {other[0]!r}, not one of the public {_family()} tables",
                            last_public.kind if last_public else None,
                            skipped_kind="other",
                            title=other[0],
                        )
                    )
            elif amounts and looks_public(g):
                reason = "a table without a title the parser recognised, not continuing a table from the page before"
                gt.how = f"not read: {reason}"
                unplaced.append(
                    Unplaced(geom.number, amounts, reason, last_public.kind if last_public else None)
                )
            elif amounts:
                # a small table inside the text (重点项目绩效目标, a list of projects): no subject code, no line
                # item of a public table: not one of them, noted
                reason = "an untitled table with neither subject codes nor the line items of a public table"
                gt.how = f"not read: {reason}"
                unplaced.append(
                    Unplaced(geom.number, amounts, reason, last_public.kind if last_public else None, "other")
                )
            elif not gt.how:
                gt.how = "no amounts (not read)"
            prev_bottom = g.bottom
        if current is not None:
            _add_notes(current, [ln for ln in lines if ln.top >= prev_bottom - 1])
        loose = tabular_free_lines(lines)
        if loose:
            n = sum(len(re.findall(r"\d\.\d\d", ln.text)) for ln in loose)
            reason = f"{len(loose)} lines of amounts printed outside every ruled table on the page"
            owner = current or last_public
            unplaced.append(Unplaced(geom.number, n, reason, owner.kind if owner else None))
            trace.notes.append(f"not read: {reason} ({n} amounts)")
    return found, problems


_META = re.compile(r"单位[:：]|^部门[:：]|^编制单位|^(?:公开)?\d+表$|^\d{4}年度?$")
_NOTE_START = re.compile(r"^(?:注|说明)[:：0-9]")


def _stream_grids(
    geom: PageGeom, lines: list[TextLine], current: Found | None
) -> tuple[list[Grid], list[int]]:
    """Virtual grids for unruled tables on a page without ruled ones (under each title, or continuing), and
    the line indexes of known titles with no table rows under them."""
    texts = [norm(ln.text) for ln in lines]
    titles = [i for i, t in enumerate(texts) if classify_title(t) is not None]
    starts: list[int] = []
    if titles:
        # only a standalone title line (not a narrative heading such as …决算总表情况说明)
        starts = [
            i
            for i in titles
            if classify_title(texts[i]) != "other"
            and re.sub(r"[（(][^）)]*[）)]$", "", texts[i]).endswith("表")
        ]
    elif current is not None and current.last_page == geom.number - 1 and _looks_tabular(texts):
        starts = [-1]  # a continuation from the previous page
    grids: list[Grid] = []
    orphans: list[int] = []
    for i in starts:
        j = i + 1
        while j < len(lines) and (_META.search(texts[j]) or not texts[j]):
            j += 1
        end = j
        while end < len(lines) and not _NOTE_START.match(texts[end]) and end not in titles:
            end += 1
        while end > j and re.fullmatch(r"[-—\d]+|第\d+页.*", texts[end - 1]):
            end -= 1  # a page number under the table
        g = None
        if end > j:
            top = lines[j].top - 1
            bottom = lines[end - 1].bottom + 1
            g = stream_grid(geom.number, geom.chars, top, bottom, geom.hsegs)
        if g is not None:
            grids.append(g)
        elif i >= 0:
            orphans.append(i)
    return grids, orphans


def _looks_tabular(texts: list[str]) -> bool:
    """Rows of amounts, not prose: most lines carry two or more decimals and no sentence ends."""
    if not texts or any("。" in t for t in texts):
        return False
    rich = sum(1 for t in texts if len(re.findall(r"\d\.\d\d", t)) >= 2)
    return rich >= max(2, len(texts) // 3)


def _add_notes(found: Found, lines: list[TextLine]) -> None:
    for ln in lines:
        t = norm(ln.text)
        if not t or _INT.match(t) or classify_title(t) is not None:
            continue
        if _EMPTY_NOTE.search(t) and not t.startswith("注：本表反映"):
            found.note_lines.append(t)
        elif (
            found.note_lines and not t.startswith(("注", "说明")) and not found.note_lines[-1].endswith("。")
        ):
            found.note_lines.append(t)  # a wrapped note line


def _family() -> str:
    """决算, or the name of the family whose vocabulary is reading (预算)."""
    vocabulary = _VOCABULARY.get()
    return vocabulary.family if vocabulary is not None else "决算"


def _unit_of(lines: list[TextLine]) -> str | None:
    for i, ln in enumerate(lines):
        t = norm(ln.text)
        m = _UNIT.search(t)
        if m:
            return m.group(1)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (
            re.search(r"单位[:：]万$", t)
            and nxt
            and norm(nxt.text).endswith("元")
            and abs(nxt.x1 - ln.x1) < 12
        ):
            return (
                "万元"  # 单位：万元 wrapped in a narrow right-aligned box, 元 on the line below (江苏 2019)
            )
    return None


def _title_in_grid(g: Grid) -> str | None:
    """Some producers draw the title inside the table frame as a full-width first row."""
    for r in range(min(2, g.nrows)):
        cells = [(cid, t) for cid, t in _row_texts(g, r) if t]
        if len(cells) == 1 and classify_title(cells[0][1]) is not None:
            return cells[0][1]
    return None


def _unit_in_grid(g: Grid) -> str | None:
    for r in range(min(3, g.nrows)):
        for _, t in _row_texts(g, r):
            m = _UNIT.search(t)
            if m:
                return m.group(1)
    return None


def parse_tables(
    source: Path | str | pdfium.PdfDocument,
    timings: dict[str, float] | None = None,
    engine: str | None = None,
    traces: list[PageTrace] | None = None,
    pages: list[PageGeom] | None = None,
) -> TablesResult:
    """Every public table of a final-accounts PDF, keyed by table kind (absent ones with status `absent`).

    `engine` says where the page geometry comes from (`pdfium` or `pdfplumber`, default `resolve_engine`);
    the table logic is the same for both. The pdfplumber engine needs a path, not an open PdfDocument.
    `pages` is the geometry the document pass already read (`open_document(geometry=True)`), if it did.
    """
    from juesuan.parsing import resolve_engine

    engine = resolve_engine(engine)
    t0 = time.perf_counter()
    if pages is not None:
        pass
    elif engine == "pdfplumber":
        if isinstance(source, pdfium.PdfDocument):
            raise ValueError("the pdfplumber engine reads a file: pass its path, not a PdfDocument")
        from juesuan.parsing.plumbergeom import load_pages

        pages = load_pages(source)
    else:
        pdf = source if isinstance(source, pdfium.PdfDocument) else pdfium.PdfDocument(str(source))
        try:
            pages = [load_page(pdf, i) for i in range(len(pdf))]
        finally:
            if pdf is not source:
                pdf.close()
    if not isinstance(source, pdfium.PdfDocument):
        from juesuan.parsing.fonts import mark_undecodable

        mark_undecodable(source, pages)
    t1 = time.perf_counter()
    result = tables_from_pages(pages, traces)
    if timings is not None:
        timings["page_geometry"] = timings.get("page_geometry", 0.0) + t1 - t0
        timings["tables"] = timings.get("tables", 0.0) + time.perf_counter() - t1
    return result


def tables_from_pages(pages: list[PageGeom], traces: list[PageTrace] | None = None) -> TablesResult:
    unplaced: list[Unplaced] = []
    found, problems = locate_tables(pages, traces, unplaced)
    if (vocabulary := _VOCABULARY.get()) is not None and vocabulary.post_locate is not None:
        found = vocabulary.post_locate(found)
    learned: dict[str, str] = {}
    # coded tables first so the summaries can resolve class names with the report's own codes
    order = sorted(found, key=lambda f: f.kind in ("summary", "appropriation_summary"))
    tables: dict[str, Table] = {}
    for f in order:
        if not f.grids and f.note_lines:
            t = Table(kind=f.kind, title=f.title, unit=f.unit or "万元", status="empty", pages=[f.last_page])
            t.note = "".join(f.note_lines)
        elif not f.grids:
            t = Table(
                kind=f.kind, title=f.title, unit=f.unit or "万元", status="parse_error", pages=[f.last_page]
            )
            t.problems.append(
                Problem(
                    code="no_grid",
                    message=f"{f.title!r} on page {f.last_page}: no ruled table found under the title",
                    table_kind=f.kind,
                    page=f.last_page,
                    severity="error",
                )
            )
        else:
            try:
                t = interpret(f, learned)
            except Exception as exc:  # one bad table never hides the others
                t = _error(
                    Table(kind=f.kind, title=f.title, unit=f.unit or "万元"),
                    "parser_exception",
                    f"could not read {f.title!r}: {type(exc).__name__}: {exc}",
                )
        if f.kind in tables and tables[f.kind].status != "absent":
            _second_copy(tables[f.kind], t, f, problems)
            continue
        tables[f.kind] = t
    kinds = vocabulary.kinds if (vocabulary := _VOCABULARY.get()) is not None else PUBLIC_TABLES
    result = {k: tables.get(k) or Table(kind=k, status="absent") for k in kinds}
    _account_unplaced(unplaced, result, problems)
    table_pages = sorted({p for t in result.values() for p in t.pages})
    return TablesResult(tables=result, problems=problems, table_pages=table_pages, page_count=len(pages))


def _cell_keys(t: Table) -> set[tuple]:
    return {(r.key, c.measure, c.value) for r in t.rows for c in r.cells}


def _second_copy(first: Table, second: Table, f: Found, problems: list[Problem]) -> None:
    """A second table of a kind already read: a reprint of the same cells is counted once (a warning); other
    cells would be lost, so the kept table is marked as not fully read (an error, never quiet)."""
    extra = _cell_keys(second) - _cell_keys(first)
    if not extra and second.status in ("parsed", "empty"):
        problems.append(
            Problem(
                code="duplicate_table",
                message=f"{f.title!r} on page {f.last_page} prints the {f.kind} table again with the same cells; "
                "counted once",
                table_kind=f.kind,
                page=f.last_page,
            )
        )
        return
    where = f"a second {f.kind} table {f.title!r} on pages {second.pages or [f.last_page]}"
    if second.status == "parse_error":
        why = second.problems[0].message if second.problems else "unreadable"
        message = f"{where} could not be read ({why}); it may hold cells the first one does not have"
    else:
        message = f"{where} with {len(extra)} cells the first one does not have was not read"
    problem = Problem(
        code="duplicate_table",
        message=message,
        table_kind=f.kind,
        page=f.last_page,
        severity="error",
    )
    first.problems.append(problem)
    first.status = "parse_error"  # the rows read stay, but the table is not vouched for


def _account_unplaced(unplaced: list[Unplaced], tables: dict[str, Table], problems: list[Problem]) -> None:
    """Printed amounts no public table took: a note under a table that is not a public one, else an error on
    the public table they follow (its status parse_error), so rules report a parser problem, not arithmetic."""
    for u in unplaced:
        if u.skipped_kind == "other":
            problems.append(
                Problem(
                    code="table_skipped",
                    message=f"page {u.page}: {u.reason}; its {u.amounts} amounts are not read",
                    page=u.page,
                    severity="info",
                )
            )
            continue
        owner = tables.get(u.after) if u.after else None
        if owner is None or owner.status == "absent":
            owner = next((t for t in tables.values() if t.status in ("parsed", "empty")), None)
        problem = Problem(
            code="unplaced_cells",
            message=f"page {u.page}: {u.amounts} printed amounts not placed in any table ({u.reason})",
            table_kind=owner.kind if owner else None,
            page=u.page,
            severity="error",
        )
        if owner is not None:
            owner.problems.append(problem)  # parse_report lifts table problems to the report
            owner.status = "parse_error"
        else:
            problems.append(problem)
