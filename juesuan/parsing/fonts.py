"""Fonts whose characters cannot be trusted: no ToUnicode map and no glyph names to decode them by.

A PDF font maps the codes in the content stream to glyphs; text extraction needs a second map, to Unicode. With
a ToUnicode CMap, a standard encoding (WinAnsi, MacRoman, a predefined CJK CMap) or /Differences naming standard
glyphs (/one, /period, /uni4E00) the characters are known. Without any of them an extractor can only guess (the
code taken as ASCII, the embedded font's cmap): a guess that may turn a 3 into an 8. Amounts printed in such a
font are refused (the table is a `parse_error` naming the font), never read.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from juesuan.parsing.pdfgeom import PageGeom

_STANDARD_ENCODINGS = {
    "WinAnsiEncoding",
    "MacRomanEncoding",
    "StandardEncoding",
    "PDFDocEncoding",
    "MacExpertEncoding",
}
_STANDARD_14 = re.compile(r"^(?:Times|Helvetica|Courier|Symbol|ZapfDingbats|Arial|TimesNewRoman)", re.I)
#: glyph names an extractor can decode without a ToUnicode map (Adobe Glyph List style)
_KNOWN_GLYPH = re.compile(
    r"^(?:[A-Za-z]|zero|one|two|three|four|five|six|seven|eight|nine|period|comma|hyphen|minus|space|percent|"
    r"parenleft|parenright|slash|colon|semicolon|uni[0-9A-F]{4,6}|u[0-9A-F]{4,6}|[a-z]+)$"
)
#: names that look like glyph names but are only glyph ids (g12, glyph34, cid56, G1A): no meaning
_ID_GLYPH = re.compile(r"^(?:g|glyph|cid|G|index|c)\d+$|^[A-Z]{1,2}[0-9A-F]{1,3}$")


def _name(obj: object) -> str:
    return getattr(obj, "name", obj if isinstance(obj, str) else "") or ""


def _decodable(spec: dict) -> str | None:
    """None when the font's characters can be decoded; else why not."""
    from pdfminer.pdftypes import resolve1

    if "ToUnicode" in spec:
        return None
    subtype = _name(resolve1(spec.get("Subtype")))
    base = _name(resolve1(spec.get("BaseFont")))
    enc = resolve1(spec.get("Encoding"))
    if subtype == "Type3":
        return None  # drawn glyph procedures; its codes are read as they are (rare in reports)
    if subtype == "Type0":
        name = _name(enc)
        if name and name not in ("Identity-H", "Identity-V"):
            return None  # a predefined CJK CMap (GBK-EUC-H, UniGB-UCS2-H …) maps to Unicode itself
        return "a CID font with Identity encoding and no ToUnicode map"
    if isinstance(enc, dict):
        diffs = resolve1(enc.get("Differences")) or []
        names = [_name(resolve1(d)) for d in diffs if not isinstance(resolve1(d), int)]
        unknown = [n for n in names if _ID_GLYPH.match(n) or not _KNOWN_GLYPH.match(n)]
        if unknown:
            return f"glyph names such as /{unknown[0]} say nothing of the characters"
        base_enc = _name(resolve1(enc.get("BaseEncoding")))
        if names or base_enc in _STANDARD_ENCODINGS:
            return None
    elif _name(enc) in _STANDARD_ENCODINGS:
        return None
    if "+" not in base and _STANDARD_14.match(base):
        return None  # a standard font (not embedded): its built-in encoding is known
    return "no ToUnicode map and no encoding or glyph names"


def undecodable_fonts(path: Path | str, page_numbers: list[int]) -> dict[int, dict[str, str]]:
    """Page number → {font name: why it cannot be decoded}, for the given (1-based) pages."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    wanted = set(page_numbers)
    out: dict[int, dict[str, str]] = {}
    if not wanted:
        return out
    with open(path, "rb") as fh:
        doc = PDFDocument(PDFParser(fh))
        for number, page in enumerate(PDFPage.create_pages(doc), 1):
            if number > max(wanted):
                break
            if number not in wanted:
                continue
            fonts = resolve1((page.resources or {}).get("Font")) or {}
            for spec in fonts.values():
                spec = resolve1(spec)
                if not isinstance(spec, dict):
                    continue
                why = _decodable(spec)
                if why:
                    out.setdefault(number, {})[_name(resolve1(spec.get("BaseFont"))) or "(unnamed)"] = why
    return out


def mark_undecodable(path: Path | str, pages: list[PageGeom]) -> None:
    """Tag the characters drawn in an undecodable font on the table-like pages (`PageGeom.bad_fonts`)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    table_pages = [g.number for g in pages if g.chars]
    if not table_pages or not _may_lack_unicode(path):
        return
    bad = undecodable_fonts(path, table_pages)
    if not bad:
        return
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number, fonts in bad.items():
            geom = pages[number - 1]
            page = pdf[number - 1]
            textpage = page.get_textpage()
            try:
                raw = textpage.raw
                height = page.get_size()[1]
                buf = ctypes.create_string_buffer(256)
                flags = ctypes.c_int()
                left, right, bottom, top = (ctypes.c_double() for _ in range(4))
                where: dict[int, list[tuple[float, str]]] = {}  # round(cx) → [(cy, font)]
                for i in range(textpage.count_chars()):
                    n = pdfium_c.FPDFText_GetFontInfo(raw, i, buf, 256, ctypes.byref(flags))
                    name = buf.raw[: max(0, n - 1)].decode("utf-8", "replace") if n else ""
                    font = next(
                        (f for f in fonts if f == name or f.split("+")[-1] == name.split("+")[-1]), None
                    )
                    if font is None:
                        continue
                    if pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
                        cx = (left.value + right.value) / 2
                        cy = height - (top.value + bottom.value) / 2
                        where.setdefault(round(cx), []).append((cy, font))
            finally:
                textpage.close()
                page.close()
            if where:
                # the same glyph by its centre (both engines box glyphs a little differently)
                for ch in geom.chars:
                    x = round(ch.cx)
                    near = [f for k in (x - 1, x, x + 1) for cy, f in where.get(k, ()) if abs(cy - ch.cy) < 4]
                    if near:
                        geom.bad_fonts[id(ch)] = f"{near[0]} ({fonts[near[0]]})"
    finally:
        pdf.close()


_FONT_DICT = re.compile(rb"/Type\s*/Font\b")
_SAFE_RAW = re.compile(
    rb"/ToUnicode|/CIDFontType[02]|/Subtype\s*/Type3|/Encoding\s*/(?:WinAnsi|MacRoman|Standard|PDFDoc)Encoding"
    rb"|/Encoding\s*/(?!Identity)[A-Za-z0-9-]+-[HV]\b"
)
_STD14_RAW = re.compile(rb"/BaseFont\s*/(?:Times|Helvetica|Courier|Symbol|ZapfDingbats)")


def _may_lack_unicode(path: Path | str) -> bool:
    """Cheap first look at the raw font dictionaries: any that might lack a Unicode map? Fonts inside object
    streams are looked at once the streams are inflated; a stream this cannot read gets the proper look."""
    data = Path(path).read_bytes()
    if b"/ObjStm" in data and not _object_stream_fonts_safe(data):
        return True
    for m in _FONT_DICT.finditer(data):
        start = data.rfind(b"obj", 0, m.start())
        ends = [e for e in (data.find(b"endobj", m.end()), data.find(b"stream", m.end())) if e >= 0]
        head = data[start : min(ends) if ends else m.end() + 2000]
        if not _SAFE_RAW.search(head) and not _STD14_RAW.search(head):
            return True
    return False


_OBJSTM = re.compile(rb"/Type\s*/ObjStm\b")
_FLATE = re.compile(rb"/Filter\s*/FlateDecode\b")
_OBJSTM_INT = {
    key: re.compile(rb"/" + key + rb"\s+(\d+)(?!\s+\d+\s+R)") for key in (b"N", b"First", b"Length")
}


def _object_stream_fonts_safe(data: bytes) -> bool:
    """Whether every font dictionary inside the file's object streams passes the same raw test as the others.

    Only plainly Flate-compressed streams of an unencrypted file with direct /N and /First are read; anything
    else (another filter, predictors, encryption, a stream that does not inflate whole) answers False, and the
    file gets the proper look through pdfminer, as every file with object streams did before.
    """
    import zlib

    if b"/Encrypt" in data:
        return False
    for m in _OBJSTM.finditer(data):
        start = data.rfind(b"obj", 0, m.start())
        body = data.find(b"stream", m.end())
        if start < 0 or body < 0:
            return False
        head = data[start:body]
        n, first = (_OBJSTM_INT[k].search(head) for k in (b"N", b"First"))
        if not _FLATE.search(head) or b"/DecodeParms" in head or b"[" in head or n is None or first is None:
            return False
        body += 6
        body += 2 if data[body : body + 2] == b"\r\n" else 1
        length = _OBJSTM_INT[b"Length"].search(head)
        end = body + int(length.group(1)) if length else data.find(b"endstream", body)
        inflate = zlib.decompressobj()
        try:
            content = inflate.decompress(data[body:end])
        except zlib.error:
            return False
        if not inflate.eof:
            return False
        numbers = content[: int(first.group(1))].split()
        if len(numbers) != 2 * int(n.group(1)):
            return False
        try:
            offsets = [int(first.group(1)) + int(x) for x in numbers[1::2]] + [len(content)]
        except ValueError:
            return False
        for a, b in pairwise(offsets):
            obj = content[a:b]
            if _FONT_DICT.search(obj) and not _SAFE_RAW.search(obj) and not _STD14_RAW.search(obj):
                return False
    return True


__all__ = ["mark_undecodable", "undecodable_fonts"]
