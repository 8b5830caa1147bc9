"""Draw report pages with reportlab: ruled table grids (cell borders as lines, as WPS/Excel exports do) and prose.

The CJK TrueType font is embedded (subset, with a ToUnicode map), so pdfplumber reads real Chinese text, never
`(cid:…)`. Layout is computed here from a `Grid` (column widths, header cells with spans, body rows); templates
decide what goes into the grid.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

FONT_NAME = "WQYZenHei"
DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
#: A Song (serif, SimSun-like) face for reports printed in 宋体: AR PL UMing (Debian fonts-arphic-uming).
SERIF_FONT_NAME = "ARPLUMing"
SERIF_FONT_PATH = "/usr/share/fonts/truetype/arphic/uming.ttc"
_registered = False


class _Font:
    """The CJK face the document being drawn uses (one document is drawn at a time)."""

    name = FONT_NAME


def use_font(serif: bool) -> str:
    """Draw what follows in the serif (宋体-like) face or the default sans face; returns the face's name."""
    ensure_font()
    if not serif:
        _Font.name = FONT_NAME
        return FONT_NAME
    if SERIF_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        if not Path(SERIF_FONT_PATH).exists():
            raise FactoryError(
                f"serif CJK font {SERIF_FONT_PATH} not found: install the Debian package fonts-arphic-uming "
                "(`make setup` does)"
            )
        pdfmetrics.registerFont(TTFont(SERIF_FONT_NAME, SERIF_FONT_PATH, subfontIndex=0))
    _Font.name = SERIF_FONT_NAME
    return SERIF_FONT_NAME


class FactoryError(RuntimeError):
    """The factory cannot run (missing font, bad input)."""


def ensure_font() -> str:
    """Register the embedded CJK font once per process; fail clearly when it is not installed."""
    global _registered
    if _registered:
        return FONT_NAME
    path = os.environ.get("JUESUAN_CJK_FONT", DEFAULT_FONT_PATH)
    if not Path(path).exists():
        raise FactoryError(
            f"CJK font {path} not found: install the Debian package fonts-wqy-zenhei (`make setup` does) "
            "or point JUESUAN_CJK_FONT at a TrueType collection with Chinese glyphs"
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    _registered = True
    return FONT_NAME


@lru_cache(maxsize=8192)
def _char_width(ch: str, font: str = FONT_NAME) -> float:
    """Advance width of one character at size 1 (TrueType widths scale linearly; reportlab does no kerning)."""
    return pdfmetrics.stringWidth(ch, font, 1000) / 1000


def text_width(text: str, size: float) -> float:
    font = _Font.name
    return sum(_char_width(ch, font) for ch in text) * size


_NO_LINE_START = frozenset("。，、；：！？）》”%")
_TOKEN_RE = re.compile(r"[0-9A-Za-z.,%（）()\-]+|.", re.S)


def wrap(text: str, width: float, size: float) -> tuple[str, ...]:
    """Break `text` into lines that fit `width`, never inside a run of digits/latin (as word processors do)."""
    return _wrap(text, width, size, _Font.name)


@lru_cache(maxsize=16384)
def _wrap(text: str, width: float, size: float, font: str) -> tuple[str, ...]:
    if not text:
        return ("",)
    lines: list[str] = []
    cur, cur_w = "", 0.0
    for tok in _TOKEN_RE.findall(text):
        tok_w = text_width(tok, size)
        if tok in _NO_LINE_START and cur:
            cur, cur_w = cur + tok, cur_w + tok_w  # closing punctuation hangs at the line end
            continue
        if cur_w + tok_w <= width or not cur:
            if not cur and tok_w > width and len(tok) > 1:
                # a single over-long token: break it by characters
                for ch in tok:
                    ch_w = text_width(ch, size)
                    if cur_w + ch_w > width and cur:
                        lines.append(cur)
                        cur, cur_w = "", 0.0
                    cur, cur_w = cur + ch, cur_w + ch_w
                continue
            cur, cur_w = cur + tok, cur_w + tok_w
        else:
            lines.append(cur)
            cur, cur_w = tok, tok_w
    if cur:
        lines.append(cur)
    return tuple(lines)


@dataclass
class HCell:
    """A header cell at (row, col) spanning rows/cols."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class BCell:
    text: str
    colspan: int = 1
    align: str = "l"  # l / c / r / d (distributed: wrapped lines spread over the cell width)
    indent: float = 0.0
    #: "padded" style: white bands above and below the text too (Excel's 江苏 2019 class rows), so the cell's
    #: background splits into three strips beside the code and name cells that span them
    band: bool = False
    #: merged down with the cells below it (江苏 2019's tree of fund names): "first" (its text, no bottom edge),
    #: "mid" (no top or bottom edge), "last" (no top edge); "" = a cell of its own
    vmerge: str = ""


@dataclass
class Grid:
    """One public table as drawn: title block, header cells, body rows, notes."""

    kind: str
    title: str
    col_widths: list[float]  # relative; scaled to the usable page width
    header: list[HCell]
    header_rows: int
    body: list[list[BCell]]
    table_no: str = ""  # e.g. 公开01表
    department_line: str = ""  # e.g. 部门：株洲市荷塘区教育局
    unit_line: str = "单位：万元"
    notes: list[str] = field(default_factory=list)
    repeat_header: bool = True
    landscape: bool = False
    font_size: float = 8.0
    header_font_size: float = 8.0
    row_min_height: float = 16.0
    repeat_rows: list[int] = field(default_factory=list)
    repeat_at_break: bool = True
    empty_spill: bool = False  # an empty bordered page after the table (as ONLYOFFICE spills)
    blank_row_after_break: bool = False  # continued pages open with an empty bordered row
    number_font: str = ""  # amounts in a Latin font (Arial-like) in some exports; "" = the body font
    #: rect: one rectangle per cell (Excel); lines: four segments per cell (WPS/ONLYOFFICE); bars: thin filled
    #: rectangles; padded: bars plus white background rects inset in every cell and behind every header line
    #: (江苏 2019's Excel export: invisible edges that are no cell boundary); none: no rules at all
    border_style: str = "rect"
    section_title: str = ""  # e.g. 第二部分 …决算表 above the first table
    header_layout: str = (
        "stacked"  # "stacked": table_no, unit, dept on separate lines; "central": dept left / unit right
    )
    #: continuation pages: "header", "bare", "title" (title block + header), "title_cont" (title（续）),
    #: "xubiao" (a 续表 mark above the title block)
    continuation: str = "header"
    repeat_total: bool = False  # the 合计 row (body row 0) repeated under the header of each continuation
    #: a table too wide for its page: columns from `column_split` on are printed after the others (Excel's
    #: "down, then over"), under their own header, with the first `label_cols` columns repeated or not
    column_split: int = 0
    label_cols: int = 0
    split_repeats_labels: bool = True
    no_title: bool = False  # the right half of a split table: no title block, its header only
    #: white background boxes painted inside every cell, this far in from its rules (江苏 2019: five white
    #: rectangles per cell, invisible, whose edges cut each row in three); 0 = none
    inset_backgrounds: float = 0.0
    #: amounts printed low, the middle of their digits on the bottom edge of the cell's inset box
    numbers_low: bool = False


@dataclass
class TextPage:
    """Prose: headings and paragraphs, flowed over as many pages as needed."""

    blocks: list[tuple[str, str]]  # (style, text) with style in title / heading / para / center / big


class PdfWriter:
    """A thin layer over a reportlab canvas that tracks pages and page numbers."""

    def __init__(
        self,
        path: Path,
        *,
        title: str,
        page_numbers: bool = True,
        running_header: str = "",
        serif: bool = False,
        rotated: bool = False,
        detached_figures: bool = False,
    ) -> None:
        use_font(serif)
        self.rotated = rotated  # landscape pages stored portrait and turned by /Rotate 90
        self.detached_figures = detached_figures  # prose figures drawn after the page's words
        self._deferred: list[tuple[float, float, float, str]] = []
        self.c = rl_canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor("juesuan report factory")
        self.c.setCreator("juesuan.factory (reportlab)")
        self.page_no = 1
        self.page_numbers = page_numbers
        self.running_header = running_header  # a line atop every page but the cover
        self.size = A4
        self._page_open = False
        self._inset, self._numbers_low = 0.0, False  # the drawing options of the table being drawn

    # -- pages ----------------------------------------------------------------------------------------
    def new_page(self, *, land: bool = False) -> None:
        if self._page_open:
            self._finish_page()
        self.size = landscape(A4) if land else A4
        if land and self.rotated:
            # a portrait page whose content is drawn turned a quarter left, shown upright by /Rotate 90
            # (reportlab takes the displayed size and writes the portrait MediaBox itself when rotated)
            self.c.setPageSize(self.size)
            self.c.setPageRotation(90)
            self.c.translate(A4[0], 0)
            self.c.rotate(90)
        else:
            self.c.setPageSize(self.size)
            self.c.setPageRotation(0)
        self._page_open = True

    def _finish_page(self) -> None:
        if self.running_header and self.page_no > 1:
            self.c.setFont(_Font.name, 8)
            self.c.drawRightString(self.size[0] - 42, self.size[1] - 28, self.running_header)
            self.c.line(42, self.size[1] - 32, self.size[0] - 42, self.size[1] - 32)
        if self.page_numbers:
            self.c.setFont(_Font.name, 9)
            self.c.drawCentredString(self.size[0] / 2, 24, f"- {self.page_no} -")
        self.c.showPage()
        self.page_no += 1
        self._page_open = False

    def save(self) -> int:
        if self._page_open:
            self._finish_page()
        self.c.save()
        return self.page_no - 1

    # -- prose ----------------------------------------------------------------------------------------
    def text_page(self, page: TextPage) -> None:
        self.new_page()
        w, h = self.size
        left, right, top, bottom = 72, 72, 80, 60
        y = h - top
        for style, text in page.blocks:
            size, leading, indent, gap = {
                "big": (26, 40, 0, 24),
                "title": (18, 28, 0, 14),
                "heading": (13, 22, 0, 6),
                "center": (14, 24, 0, 8),
                "para": (11.5, 20, 23, 4),
                "item": (11.5, 20, 0, 2),
            }[style]
            width = w - left - right
            if style in ("big", "title", "center"):
                lines = wrap(text, width, size)
            else:
                lines = _wrap_para(text, width, size, indent)
            for i, line in enumerate(lines):
                if y - leading < bottom:
                    self._draw_detached()
                    self.new_page()
                    y = h - top
                self.c.setFont(_Font.name, size)
                if style in ("big", "title", "center"):
                    self.c.drawCentredString(w / 2, y - size, line)
                elif self.detached_figures and style == "para":
                    self._para_line_detached(line, left + (indent if i == 0 else 0), y - size, size)
                else:
                    self.c.drawString(left + (indent if i == 0 else 0), y - size, line)
                y -= leading
            y -= gap
        self._draw_detached()

    def _para_line_detached(self, line: str, x: float, y: float, size: float) -> None:
        """Words now, figures later: the text layer holds the sentence, then its numbers after the page's text
        (as some exporters write them), while the page looks the same."""
        for part in _FIGURE.split(line):
            if not part:
                continue
            if _FIGURE.fullmatch(part):
                self._deferred.append((x, y, size, part))
            else:
                self.c.drawString(x, y, part)
            x += text_width(part, size)

    def _draw_detached(self) -> None:
        for x, y, size, text in self._deferred:
            self.c.setFont(_Font.name, size)
            self.c.drawString(x, y, text)
        self._deferred = []

    # -- tables ---------------------------------------------------------------------------------------
    def table(self, grid: Grid) -> list[int]:
        """Draw a grid over as many pages as it needs; returns the page numbers it used."""
        if grid.column_split:
            left, right = split_columns(grid)
            return self.table(left) + self.table(right)
        pages: list[int] = []
        self._inset, self._numbers_low = grid.inset_backgrounds, grid.numbers_low
        self.new_page(land=grid.landscape)
        pages.append(self.page_no)
        w, h = self.size
        left, right, top, bottom = 42, 42, 50, 48
        usable = w - left - right
        scale = usable / sum(grid.col_widths)
        widths = [cw * scale for cw in grid.col_widths]
        xs = [left]
        for cw in widths:
            xs.append(xs[-1] + cw)

        y = h - top
        if grid.section_title:
            self.c.setFont(_Font.name, 15)
            self.c.drawCentredString(w / 2, y - 15, grid.section_title)
            y -= 40
        if not grid.no_title:
            y = self._table_title(grid, y, left, w - right)
        header_h = self._header_heights(grid, widths)
        y = self._draw_header(grid, xs, y, header_h)

        body = [(i, r) for i, r in enumerate(grid.body)]
        repeats = [grid.body[i] for i in grid.repeat_rows]
        repeated_done = not repeats
        fs = grid.font_size
        k = 0
        while k < len(body):
            _, row = body[k]
            rh = self._row_height(row, widths, fs, grid.row_min_height)
            if y - rh < bottom:
                # page break: continue on a new page, header repeated when the template does
                self.new_page(land=grid.landscape)
                pages.append(self.page_no)
                y = h - top
                mode = grid.continuation
                if mode in ("title", "title_cont", "xubiao"):
                    y = self._table_title(_continued(grid), y, left, w - right)
                if mode != "bare":
                    y = self._draw_header(grid, xs, y, header_h)
                if grid.repeat_total:
                    y = self._draw_row(
                        grid.body[0],
                        xs,
                        widths,
                        y,
                        fs,
                        grid.row_min_height,
                        grid.border_style,
                        grid.number_font,
                    )
                if grid.blank_row_after_break:
                    y = self._draw_row(
                        [BCell("") for _ in widths], xs, widths, y, fs, grid.row_min_height, grid.border_style
                    )
                if not repeated_done and grid.repeat_at_break:
                    for rep in repeats:
                        y = self._draw_row(
                            rep, xs, widths, y, fs, grid.row_min_height, grid.border_style, grid.number_font
                        )
                    repeated_done = True
                continue
            y = self._draw_row(
                row, xs, widths, y, fs, grid.row_min_height, grid.border_style, grid.number_font
            )
            k += 1
        if not repeated_done:
            for rep in repeats:
                rh = self._row_height(rep, widths, fs, grid.row_min_height)
                if y - rh < bottom:
                    self.new_page(land=grid.landscape)
                    pages.append(self.page_no)
                    y = h - top
                y = self._draw_row(
                    rep, xs, widths, y, fs, grid.row_min_height, grid.border_style, grid.number_font
                )
        # notes under the table
        y -= 4
        for note in grid.notes:
            for line in wrap(note, usable, 8.5):
                if y - 14 < bottom:
                    self.new_page(land=grid.landscape)
                    pages.append(self.page_no)
                    y = h - top
                self.c.setFont(_Font.name, 8.5)
                self.c.drawString(left, y - 10, line)
                y -= 13
        if grid.empty_spill:
            # an empty page holding one empty bordered row, as some exports spill
            self.new_page(land=grid.landscape)
            pages.append(self.page_no)
            self.c.setLineWidth(0.5)
            self.c.rect(xs[0], h - top - grid.row_min_height, xs[-1] - xs[0], grid.row_min_height)
        return pages

    def _table_title(self, grid: Grid, y: float, x0: float, x1: float) -> float:
        w = self.size[0]
        self._title_line(grid.title, w / 2, y - 16, 16)
        y -= 30
        self.c.setFont(_Font.name, 9)
        if grid.header_layout == "central":
            if grid.table_no:
                self.c.drawRightString(x1, y - 9, grid.table_no)
                y -= 13
            *wrapped, unit_line = grid.unit_line.split("\n")
            for part in wrapped:  # 单位：万 / 元: the unit wrapped in a narrow box (江苏 2019's 三公 table)
                self.c.drawRightString(x1, y - 9, part)
                y -= 13
            if grid.department_line:
                self.c.drawString(x0, y - 9, grid.department_line)
            self.c.drawRightString(x1, y - 9, unit_line)
            y -= 14
        else:
            if grid.table_no:
                self.c.drawRightString(x1, y - 9, grid.table_no)
                y -= 13
            if grid.department_line:
                self.c.drawString(x0, y - 9, grid.department_line)
                if not grid.table_no:
                    self.c.drawRightString(x1, y - 9, grid.unit_line)
                    y -= 14
                    return y
                y -= 13
            self.c.drawRightString(x1, y - 9, grid.unit_line)
            y -= 14
        return y

    def _title_line(self, title: str, cx: float, y: float, size: float) -> None:
        """Centred title; the curly quotes of “三公” come from a Latin font, as in WPS exports."""
        parts = re.split(r"([“”])", title)
        fonts = [("Times-Roman" if p in "“”" and p else _Font.name) for p in parts]
        widths = [pdfmetrics.stringWidth(p, f, size) for p, f in zip(parts, fonts, strict=True)]
        x = cx - sum(widths) / 2
        for p, f, wd in zip(parts, fonts, widths, strict=True):
            if p:
                self.c.setFont(f, size)
                self.c.drawString(x, y, p)
            x += wd

    def _header_heights(self, grid: Grid, widths: list[float]) -> list[float]:
        hs = grid.header_font_size
        heights = [grid.row_min_height] * grid.header_rows
        for cell in grid.header:
            if cell.rowspan != 1:
                continue
            cw = sum(widths[cell.col : cell.col + cell.colspan]) - 4
            n = len(wrap(cell.text, cw, hs))
            heights[cell.row] = max(heights[cell.row], n * (hs + 2) + 5)
        for cell in grid.header:
            if cell.rowspan == 1:
                continue
            cw = sum(widths[cell.col : cell.col + cell.colspan]) - 4
            need = len(wrap(cell.text, cw, hs)) * (hs + 2) + 5
            have = sum(heights[cell.row : cell.row + cell.rowspan])
            if need > have:
                heights[cell.row + cell.rowspan - 1] += need - have
        return heights

    def _draw_header(self, grid: Grid, xs: list[float], y: float, heights: list[float]) -> float:
        c = self.c
        hs = grid.header_font_size
        c.setLineWidth(0.5)
        tops = [y]
        for hgt in heights:
            tops.append(tops[-1] - hgt)
        for cell in grid.header:
            x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]
            self._background(x0, tops[cell.row + cell.rowspan], x1, tops[cell.row])
        for cell in grid.header:
            x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]
            y0, y1 = tops[cell.row], tops[cell.row + cell.rowspan]
            self._cell_border(grid.border_style, x0, y1, x1, y0)
            lines = wrap(cell.text, x1 - x0 - 4, hs)
            block = len(lines) * (hs + 2)
            ty = (y0 + y1) / 2 + block / 2 - hs
            if grid.border_style == "padded":
                self._white_pads(x0, y1, x1, y0)
                for k, line in enumerate(lines):  # a white box behind each line of the header text
                    lw = text_width(line, hs)
                    self._white((x0 + x1 - lw) / 2 - 0.3, ty - k * (hs + 2) - 2, lw + 0.6, hs + 1.5)
            c.setFont(_Font.name, hs)
            for line in lines:
                c.drawCentredString((x0 + x1) / 2, ty, line)
                ty -= hs + 2
        return tops[-1]

    def _row_height(self, row: list[BCell], widths: list[float], fs: float, min_h: float) -> float:
        col = 0
        n = 1
        for cell in row:
            cw = sum(widths[col : col + cell.colspan]) - 4 - cell.indent
            n = max(n, len(wrap(cell.text, cw, fs)))
            col += cell.colspan
        return max(min_h, n * (fs + 2) + 6)

    def _background(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """The white boxes some exports paint inside a cell (`Grid.inset_backgrounds`): a band along each edge
        and the inner box, filled white, not stroked."""
        i = self._inset
        if not i or x1 - x0 <= 2 * i or y1 - y0 <= 2 * i:
            return
        c = self.c
        c.saveState()
        c.setFillColorRGB(1, 1, 1)
        for bx, by, bw, bh in (
            (x0, y1 - i, x1 - x0, i),
            (x0, y0, x1 - x0, i),
            (x0, y0 + i, i, y1 - y0 - 2 * i),
            (x1 - i, y0 + i, i, y1 - y0 - 2 * i),
            (x0 + i, y0 + i, x1 - x0 - 2 * i, y1 - y0 - 2 * i),
        ):
            c.rect(bx, by, bw, bh, stroke=0, fill=1)
        c.restoreState()

    def _cell_border(self, style: str, x0: float, y0: float, x1: float, y1: float, vmerge: str = "") -> None:
        if style == "none":
            return  # an unruled table: columns by alignment alone
        bottom = vmerge not in ("first", "mid")  # y0 is the bottom edge (PDF space), y1 the top
        top = vmerge not in ("mid", "last")
        if style == "lines" or (style != "bars" and not (top and bottom)):
            edges = [(x0, y0, x0, y1), (x1, y0, x1, y1)]
            edges += [(x0, y0, x1, y0)] if bottom else []
            edges += [(x0, y1, x1, y1)] if top else []
            for a, b, cc, d in edges:
                self.c.line(a, b, cc, d)
        elif style in ("bars", "padded"):
            # borders as thin filled rectangles, as older Excel exports draw them
            t = 0.5
            if bottom:
                self.c.rect(x0, y0 - t / 2, x1 - x0, t, stroke=0, fill=1)
            if top:
                self.c.rect(x0, y1 - t / 2, x1 - x0, t, stroke=0, fill=1)
            self.c.rect(x0 - t / 2, y0, t, y1 - y0, stroke=0, fill=1)
            self.c.rect(x1 - t / 2, y0, t, y1 - y0, stroke=0, fill=1)
        else:
            self.c.rect(x0, y0, x1 - x0, y1 - y0)

    def _white(self, x: float, y: float, w: float, h: float) -> None:
        if w > 0 and h > 0:
            self.c.setFillColorRGB(1, 1, 1)
            self.c.rect(x, y, w, h, stroke=0, fill=1)
            self.c.setFillColorRGB(0, 0, 0)

    def _white_pads(
        self, x0: float, y0: float, x1: float, y1: float, band: tuple[float, float] | None = None
    ) -> None:
        """A cell's white background as 江苏 2019's Excel export draws it: a pad inset 5.4 pt from each side
        rule and the text area between them (and, with `band` = the text's (bottom, top), strips above and
        below it); none of their edges is a ruling line, though each is an edge of a drawn rectangle."""
        pad, t = 5.4, 0.25
        self._white(x0 + t, y0 + t, pad - t, y1 - y0 - 2 * t)
        self._white(x1 - pad, y0 + t, pad - t, y1 - y0 - 2 * t)
        if band is None:
            self._white(x0 + pad, y0 + t, x1 - x0 - 2 * pad, y1 - y0 - 2 * t)
            return
        lo, hi = band
        self._white(x0 + t, y0 + t, x1 - x0 - 2 * t, lo - y0 - t)
        self._white(x0 + pad, lo, x1 - x0 - 2 * pad, hi - lo)
        self._white(x0 + t, hi, x1 - x0 - 2 * t, y1 - hi - t)

    def _draw_row(
        self,
        row: list[BCell],
        xs: list[float],
        widths: list[float],
        y: float,
        fs: float,
        min_h: float,
        style: str = "rect",
        number_font: str = "",
    ) -> float:
        c = self.c
        rh = self._row_height(row, widths, fs, min_h)
        c.setLineWidth(0.5)
        c.setFont(_Font.name, fs)
        col = 0
        text_inset = 6.0 if style == "padded" else 3  # the text starts where the white pad ends
        for cell in row:
            self._background(xs[col], y - rh, xs[col + cell.colspan], y)
            col += cell.colspan
        col = 0
        for cell in row:
            x0, x1 = xs[col], xs[col + cell.colspan]
            self._cell_border(style, x0, y - rh, x1, y, cell.vmerge)
            if style == "padded" and (cell.text or not cell.band):
                half = len(wrap(cell.text, x1 - x0 - 4 - cell.indent, fs)) * (fs + 2) / 2 + 1
                mid = y - rh / 2
                self._white_pads(x0, y - rh, x1, y, (mid - half, mid + half) if cell.band else None)
            if cell.text:
                lines = wrap(cell.text, x1 - x0 - 4 - cell.indent, fs)
                block = len(lines) * (fs + 2)
                ty = y - rh / 2 + block / 2 - fs + 1
                inset = self._inset
                if cell.align == "r" and inset and self._numbers_low and len(lines) == 1:
                    ty = y - rh + inset - fs * 0.35  # the digits' middle on the inset box's bottom edge
                for n_line, line in enumerate(lines):
                    if cell.align == "d" and len(lines) > 1 and n_line < len(lines) - 1 and len(line) > 1:
                        # distributed (justified) text, as ONLYOFFICE prints wrapped labels: 因 公 出 国 （ 境 ）
                        gap = (x1 - x0 - 6 - text_width(line, fs)) / (len(line) - 1)
                        x = x0 + 3
                        for ch in line:
                            c.drawString(x, ty, ch)
                            x += text_width(ch, fs) + gap
                    elif cell.align == "r":
                        if number_font:
                            c.setFont(number_font, fs)
                        c.drawRightString(x1 - text_inset, ty, line)
                        if number_font:
                            c.setFont(_Font.name, fs)
                    elif cell.align == "c":
                        c.drawCentredString((x0 + x1) / 2, ty, line)
                    else:
                        c.drawString(x0 + text_inset + cell.indent, ty, line)
                    ty -= fs + 2
            col += cell.colspan
        return y - rh


_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?%?)")


def split_columns(grid: Grid) -> tuple[Grid, Grid]:
    """The two halves of a table printed by columns: the first `column_split` columns, then the rest (after
    the label columns when they are repeated). A split never cuts a header or body cell."""
    from dataclasses import replace

    cut, nlab = grid.column_split, grid.label_cols
    keep = grid.split_repeats_labels
    shift = cut - (nlab if keep else 0)
    lh = [h for h in grid.header if h.col + h.colspan <= cut]
    rh = [replace(h, col=h.col - shift) for h in grid.header if h.col >= cut]
    if keep:
        rh = [h for h in grid.header if h.col + h.colspan <= nlab] + rh
    assert len(lh) + len(rh) - (
        len([h for h in grid.header if h.col + h.colspan <= nlab]) if keep else 0
    ) == len(grid.header), "a header cell spans the column split"
    lb, rb = [], []
    for row in grid.body:
        col, lrow, rrow = 0, [], []
        for cell in row:
            if col + cell.colspan <= cut:
                lrow.append(cell)
                if keep and col + cell.colspan <= nlab:
                    rrow.append(cell)
            else:
                assert col >= cut, "a body cell spans the column split"
                rrow.append(cell)
            col += cell.colspan
        lb.append(lrow)
        rb.append(rrow)
    widths_r = (grid.col_widths[:nlab] if keep else []) + grid.col_widths[cut:]
    common = {"column_split": 0, "repeat_rows": [], "repeat_total": False, "blank_row_after_break": False}
    left = replace(
        grid, col_widths=grid.col_widths[:cut], header=lh, body=lb, notes=[], empty_spill=False, **common
    )
    right = replace(grid, col_widths=widths_r, header=rh, body=rb, no_title=True, section_title="", **common)
    return left, right


def _continued(grid: Grid) -> Grid:
    """The title block a continuation page prints: as is, with （续）, or with a 续表 mark for the table number."""
    from dataclasses import replace

    if grid.continuation == "title_cont":
        return replace(grid, title=grid.title + "（续）")
    if grid.continuation == "xubiao":
        no = grid.table_no
        return replace(grid, table_no=("续" + no if no.startswith("表") else f"续表 {no}") if no else "续表")
    return grid


def _wrap_para(text: str, width: float, size: float, indent: float) -> list[str]:
    """A paragraph's lines: the first indented; a "\n" is a manual line break (the paragraph goes on, unindented,
    on a new line, as when a drafter breaks a long subject name before its （项）)."""
    head, *breaks = text.split("\n")
    first = wrap(head, width - indent, size)
    lines = [first[0], *wrap("".join(first[1:]), width, size)] if len(first) > 1 else list(first)
    for part in breaks:
        lines += wrap(part, width, size)
    return lines
