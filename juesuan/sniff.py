"""What a downloaded file really is, from its first bytes, never from its name or the server's word.

Portals serve HTML error pages, Excel sheets and scanned images under `.pdf` names; the crawler and the parser
both ask this module before trusting a file, so a refusal can say what the file actually was.
"""

from __future__ import annotations

import html
import re

#: How many leading bytes `sniff_bytes` wants to see for a confident answer (it works on fewer).
SNIFF_BYTES = 8192

_DESCRIPTIONS = {
    "pdf": "a PDF document",
    "html": "an HTML page",
    "xls": "a legacy Excel workbook (.xls, OLE2)",
    "xlsx": "an Excel workbook (.xlsx)",
    "docx": "a Word document (.docx)",
    "zip": "a ZIP archive",
    "doc": "a legacy Word document (.doc/RTF)",
    "image": "an image (PNG/JPEG/GIF)",
    "text": "a plain-text file",
    "unknown": "a file of unknown type",
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(html|head|body)[\s>]", re.I)


def sniff_bytes(head: bytes) -> str:
    """Classify a file by its leading bytes (pass at least the first few KiB; `SNIFF_BYTES` is plenty).

    Returns one of: pdf, html, xls, xlsx, docx, zip, doc, image, text, unknown.
    """
    if not head:
        return "unknown"
    # PDF readers accept up to 1 KiB of junk before the header; so do we.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE2):
        # Directory entries are UTF-16LE names; they are often, not always, inside the first sectors.
        if "WordDocument".encode("utf-16-le") in head:
            return "doc"
        return "xls"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        names = _zip_member_names(head)
        # Member names from the local headers; else the central directory's (present when `head` is the file).
        if any(n.startswith("xl/") for n in names) or b"xl/workbook.xml" in head:
            return "xlsx"
        if any(n.startswith("word/") for n in names) or b"word/document.xml" in head:
            return "docx"
        return "zip"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "doc"
    body = _strip_bom(head)
    if _HTML_START.match(body) or _HTML_ANYWHERE.search(body[:4096]):
        return "html"
    if _looks_like_text(body):
        return "text"
    return "unknown"


def describe(kind: str) -> str:
    """Human words for a sniffed kind, for error messages ("an HTML page")."""
    return _DESCRIPTIONS.get(kind, f"a {kind} file")


def html_title(data: bytes) -> str | None:
    """The `<title>` (or `ArticleTitle` meta) of an HTML page, whitespace-collapsed, to name what was fetched."""
    text = _decode(data)
    for pattern in (
        r'<meta\s+name="ArticleTitle"\s+content="([^"]*)"',
        r"<title[^>]*>(.*?)</title>",
    ):
        m = re.search(pattern, text, re.I | re.S)
        if m:
            title = " ".join(html.unescape(m.group(1)).split())
            if title:
                return title
    return None


def decode_text(data: bytes) -> str:
    """An HTML or text file's characters: its declared charset, else UTF-8, else GB18030."""
    return _decode(data)


def _zip_member_names(data: bytes, limit: int = 64) -> list[str]:
    """Names of the first members of a ZIP, from its local file headers (as far as `data` reaches)."""
    names: list[str] = []
    pos = 0
    while len(names) < limit and data.startswith(b"PK\x03\x04", pos) and pos + 30 <= len(data):
        flags = int.from_bytes(data[pos + 6 : pos + 8], "little")
        compressed = int.from_bytes(data[pos + 18 : pos + 22], "little")
        name_len = int.from_bytes(data[pos + 26 : pos + 28], "little")
        extra_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        names.append(data[pos + 30 : pos + 30 + name_len].decode("utf-8", errors="replace"))
        if flags & 0x08:
            break  # sizes follow the data (streamed): the next header cannot be located cheaply
        pos += 30 + name_len + extra_len + compressed
    return names


def _strip_bom(data: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            return data[len(bom) :]
    return data


def _decode(data: bytes) -> str:
    m = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', data[:4096])
    encodings = [m.group(1).decode("ascii")] if m else []
    for enc in [*encodings, "utf-8", "gb18030"]:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            # A multi-byte character cut at the end of the sample is not evidence against text.
            try:
                text = sample[:-4].decode(enc)
            except UnicodeDecodeError:
                continue
        printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t\f")
        return bool(text) and printable / len(text) > 0.95
    return False


__all__ = ["SNIFF_BYTES", "decode_text", "describe", "html_title", "sniff_bytes"]
