"""Read a 部门决算 published inline as an HTML article (`<table>`s between paragraphs) into a `Report`.

Each data table (a `<table>` holding no other table: CMS pages often lay themselves out with outer tables) becomes
a grid of text cells with its colspan/rowspan ranges, and the paragraphs between tables become the free text above
and below it (titles, 单位 lines, notes), so the PDF parser's table logic reads it unchanged. A cell keeps the
table's 1-based position among the page's `<table>` elements (document order, layout tables counted) and its
row/column (R<row>C<col>, counted over the expanded grid); the page URL is the document's source.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from juesuan.model import Region, Report, SourceInfo
from juesuan.parsing.cellgrid import CellSheet, SourceCell, attach_provenance, tables_from_sheets
from juesuan.sniff import decode_text, describe, html_title

_BLOCKS = (
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "header",
    "footer", "blockquote", "center", "dt", "dd", "caption", "title",
)  # fmt: skip
_MARK = "\ue000TABLE{}\ue000"  # a private-use character cannot occur in a page's own text
_MARK_RE = re.compile("\ue000TABLE(\\d+)\ue000")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def read_html(data: bytes) -> tuple[list[CellSheet], str, list[str]]:
    """(one CellSheet per data table, the page title, the page's text lines outside the tables)."""
    import lxml.html

    text = decode_text(data)
    root = lxml.html.document_fromstring(text)
    for bad in root.xpath("//script|//style|//noscript|//comment()"):
        bad.drop_tree() if hasattr(bad, "drop_tree") else bad.getparent().remove(bad)
    title = html_title(data) or ""
    every = list(root.iter("table"))  # a cell's table_index counts every <table> in document order
    leaves = [(n, t) for n, t in enumerate(every, 1) if not t.xpath(".//table")]
    sheets: list[CellSheet] = []
    captions: list[str] = []
    for i, (n, table) in enumerate(leaves, 1):
        captions.append(" ".join(_text(c) for c in table.xpath("./caption")))
        sheets.append(CellSheet(name=f"table {n}", cells=_table_cells(table), table_index=n))
        marker = lxml.html.Element("p")
        marker.text = _MARK.format(i)
        marker.tail = table.tail
        table.getparent().replace(table, marker)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n" + (el.text or "")
    body = root.find("body")
    flat = (body if body is not None else root).text_content()
    current = -1
    outside: list[str] = []
    for raw in flat.split("\n"):
        line = _WS.sub(" ", raw).strip()
        if not line:
            continue
        m = _MARK_RE.search(line)
        if m:
            current = int(m.group(1)) - 1
            continue
        outside.append(line)
        if current + 1 < len(sheets):
            sheets[current + 1].lines_before.append(line)  # text before the next table (its title, 单位)
        elif sheets:
            sheets[-1].lines_after.append(line)
    # a table's lines_before start after the previous table (its notes close that one, as under a PDF grid);
    # a <caption> is the line right above its table
    for sheet, caption in zip(sheets, captions, strict=True):
        if caption:
            sheet.lines_before.append(caption)
    return sheets, title, outside


def _text(el: object) -> str:
    return _WS.sub(" ", el.text_content()).strip()  # type: ignore[attr-defined]


def _table_cells(table: object) -> list[SourceCell]:
    """Expand rowspan/colspan onto a row × column lattice, as a browser lays the table out."""
    taken: set[tuple[int, int]] = set()
    out: list[SourceCell] = []
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table]  # type: ignore[attr-defined]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = _span(td.get("rowspan")), _span(td.get("colspan"))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            for br in td.iter("br"):
                br.tail = "\n" + (br.tail or "")
            text = _WS.sub("", td.text_content())
            out.append(SourceCell(r, c, text.replace("\n", ""), rs, cs))
            c += cs
    return out


def _owner(tr: object) -> object:
    el = tr.getparent()  # type: ignore[attr-defined]
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 200))
    except (TypeError, ValueError):
        return 1


def parse_html_report(path: Path, data: bytes, region_hint: Region | None = None) -> Report:
    """The report printed in an HTML article; `NotAFinalAccount` when its tables hold no public 决算 table."""
    from juesuan.parsing.document import NotAFinalAccount
    from juesuan.parsing.formats import finish_report

    sheets, title, outside = read_html(data)
    if not sheets:
        raise NotAFinalAccount("not_pdf", f"not a PDF: the file is {describe('html')} ({title})")
    source = SourceInfo(
        sha256=hashlib.sha256(data).hexdigest(), path=str(path), page_count=len(sheets), format="html"
    )
    page_texts = ["\n".join([title, *outside])] + [_table_text(s) for s in sheets]
    what = f"HTML page ({title or 'untitled'}, {len(sheets)} tables)"
    try:
        from juesuan.budgets.cells import budget_from_cells  # a 部门预算 article: the budget family's reader

        budget = budget_from_cells(
            sheets, page_texts=page_texts, source=source, region_hint=region_hint, what=what, html=True
        )
        if budget is not None:
            return budget
        result, placed = tables_from_sheets(sheets)
        report = finish_report(
            result, page_texts=page_texts, source=source, region_hint=region_hint, what=what
        )
    except NotAFinalAccount as exc:
        if exc.code == "no_tables":  # an ordinary web page with a layout or contact table
            raise NotAFinalAccount(
                "not_pdf", f"not a PDF: the file is {describe('html')} ({title}) without a 决算 or 预算 table"
            ) from exc
        raise
    attach_provenance(report, placed, html=True)
    return report


def _table_text(sheet: CellSheet) -> str:
    rows: dict[int, list[SourceCell]] = {}
    for c in sheet.cells:
        rows.setdefault(c.row, []).append(c)
    return "\n".join("  ".join(c.text for c in cs) for _, cs in sorted(rows.items()))


__all__ = ["parse_html_report", "read_html"]
