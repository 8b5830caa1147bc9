"""Prose pages whose figures are detached from their sentences in the text layer, put back in reading order.

Some exporters write a page's words first and its numbers afterwards (numbers in another font, drawn as their
own runs): the page looks right, but the text layer reads "年初预算为 万元，支出决算为 万元" and, at the end of the
page, "64.15 61 95.09%". The narrative pass would find sentences without figures and figures without sentences.
Such pages are recognised by their units left without a number and re-read from the characters' positions: lines
top to bottom, characters left to right, so each figure sits where it is printed.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

#: a unit with no number before it (a CJK character, then a gap, then 万元 / 亿元 / % / 人)
_ORPHAN_UNIT = re.compile(r"[\u4e00-\u9fff](?:[ \t]+|\r?\n)(?:万元|亿元|%|％|人(?=[，。；、]))")
#: a line of figures alone (what the sentences lost)
_FIGURES_LINE = re.compile(
    r"^[ \t]*(?:[-−]?\d[\d,]*(?:\.\d+)?%?[ \t]+)*[-−]?\d[\d,]*(?:\.\d+)?%?[ \t\r]*$", re.M
)


def detached_pages(page_texts: list[str]) -> list[int]:
    """0-based indexes of pages whose figures are detached from their sentences."""
    out = []
    for i, text in enumerate(page_texts):
        if len(_ORPHAN_UNIT.findall(text)) >= 2 and _FIGURES_LINE.search(text):
            out.append(i)
    return out


def reflow(path: Path | str, page_texts: list[str]) -> tuple[list[str], list[int]]:
    """The page texts with detached pages re-read in reading order; and the (1-based) pages re-read."""
    pages = detached_pages(page_texts)
    if not pages:
        return page_texts, []
    import pypdfium2 as pdfium

    out = list(page_texts)
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in pages:
            out[i] = _reading_order(pdf, i)
    finally:
        pdf.close()
    return out, [i + 1 for i in pages]


def _reading_order(pdf, index: int) -> str:  # type: ignore[no-untyped-def]
    import pypdfium2.raw as pdfium_c

    from juesuan.parsing.grid import group_lines
    from juesuan.parsing.pdfgeom import Char

    page = pdf[index]
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        height = page.get_size()[1]
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        chars: list[Char] = []
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(raw, i)
            if chr(code).isspace() or code in (0xFEFF, 0x02):
                continue
            if pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
                chars.append(
                    Char(chr(code), left.value, height - top.value, right.value, height - bottom.value)
                )
    finally:
        textpage.close()
        page.close()
    out = []
    for line in group_lines(chars):
        size = max((c.bottom - c.top for c in line), default=10.0)
        parts: list[str] = []
        prev = None
        for c in line:
            if prev is not None and c.x0 - prev.x1 > size * 0.8:
                parts.append(" ")  # a real gap (between words or columns), not the room a figure left
            parts.append(c.text)
            prev = c
        out.append("".join(parts))
    return "\n".join(out) + "\n"


__all__ = ["detached_pages", "reflow"]
