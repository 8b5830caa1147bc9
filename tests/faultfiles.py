"""Crafted bad files for the reliability suite, each built here from nothing (no corpus file is copied).

`FILE_FAULTS` maps a file name to (what it is, the failure code mart.documents must record, or None when the file
may be read as a document). `write_fault_files(folder)` writes them; `slow_pdf` and `bomb_pdf` are the files built
to exhaust the per-document time and memory limits.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

COVER = ["2023年度", "株洲市荷塘区测试中心", "部门决算"]
TABLE_PAGE = [
    "收入支出决算总表",
    "公开01表",
    "部门： 株洲市荷塘区测试中心",
    "单位：万元",
    "本年收入合计 10 626.55",
]

#: name -> (what, expected failure code; None = any outcome but a crash, "!encrypted" = anything but encrypted)
FILE_FAULTS: dict[str, tuple[str, str | None]] = {
    "zero_bytes.pdf": ("zero bytes", "empty"),
    "not_a_pdf.pdf": ("a text file named .pdf", "not_pdf"),
    "truncated.pdf": ("a PDF cut to a third", "unreadable"),
    "corrupt_xref.pdf": ("a PDF whose xref offsets are garbage", None),
    "encrypted.pdf": ("encrypted with a user password", "encrypted"),
    "encrypted_empty_password.pdf": ("encrypted with an empty user password", "!encrypted"),
    "scanned.pdf": ("only scanned pages, no text layer", "no_text_layer"),
    "no_tounicode.pdf": ("text in a CID font without ToUnicode", "unreadable"),
    "scanned_non_report.pdf": ("a work summary with a scanned page", "not_final_account"),
}
#: Built to hit the per-document limits (the suite sets JUESUAN_PARSE_TIMEOUT / _MEMORY_MB low for them).
LIMIT_FAULTS: dict[str, tuple[str, str]] = {
    "runs_long.pdf": ("60 pages of 10,000 text operators each", "parse_timeout"),
    "memory_bomb.pdf": ("a content stream inflating to 400 MB", "parse_memory"),
}


def _font() -> None:
    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT_FILE), subfontIndex=0))


def text_pdf(pages: list[list[str]], encrypt: StandardEncryption | None = None, image_pages=()) -> bytes:
    """Lines of CJK text per page (a real text layer); `image_pages` get a raster image and no text."""
    _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    for i, lines in enumerate(pages):
        if i in image_pages:
            from PIL import Image
            from reportlab.lib.utils import ImageReader

            img = io.BytesIO()
            Image.new("RGB", (80, 100), (200, 200, 200)).save(img, format="PNG")
            img.seek(0)
            c.drawImage(ImageReader(img), 50, 100, 400, 600)
        else:
            c.setFont("wqy", 14)
            y = 780
            for line in lines:
                c.drawString(60, y, line)
                y -= 24
        c.showPage()
    c.save()
    return buf.getvalue()


def raw_pdf(objs: list[bytes]) -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _one_page(content: bytes, font: bytes, filters: bytes = b"") -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
            b" /Contents 5 0 R >>",
            font,
            b"<< /Length %d%s >>\nstream\n" % (len(content), filters) + content + b"\nendstream",
        ]
    )


def no_tounicode_pdf() -> bytes:
    content = b"BT /F1 12 Tf 50 700 Td <0E1F0A220B330C4401020304> Tj ET"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
            b" /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H"
            b" /DescendantFonts [6 0 R] >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo"
            b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>",
            b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 /FontBBox [0 0 1000 1000]"
            b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
        ]
    )


def slow_pdf(pages: int = 60, ops: int = 10_000) -> bytes:
    """Many pages sharing one content stream of many tiny text runs: seconds of parsing, little memory."""
    content = b"BT /F1 6 Tf " + b"".join(b"1 0 Td (x%d) Tj " % (i % 10) for i in range(ops)) + b"ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)), pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    objs += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
        b" /Contents 4 0 R >>"
    ] * pages
    return raw_pdf(objs)


def bomb_pdf(megabytes: int = 400) -> bytes:
    """A FlateDecode content stream of a few hundred kB that inflates to `megabytes` MB."""
    comp = zlib.compressobj(9)
    chunk = b"0 0 Td " * (1 << 17)
    body = b"".join(comp.compress(chunk) for _ in range(megabytes * (1 << 20) // len(chunk))) + comp.flush()
    return _one_page(
        body, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", b" /Filter /FlateDecode"
    )


def thousand_pages(n: int = 1000) -> bytes:
    """A 1,000-page PDF with a line of text per page (not a report: it must be refused, not hang the run)."""
    return text_pdf([[f"第{i + 1}页 工作记录"] for i in range(n)])


def write_fault_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    good = text_pdf([COVER, TABLE_PAGE])
    xref_at = good.rindex(b"xref")
    corrupt = good[:xref_at] + good[xref_at:].replace(b"0000", b"9999")
    files = {
        "zero_bytes.pdf": b"",
        "not_a_pdf.pdf": "这不是PDF文件，只是一段说明文字。\n".encode() * 20,
        "truncated.pdf": good[: len(good) // 3],
        "corrupt_xref.pdf": corrupt,
        "encrypted.pdf": text_pdf([COVER], encrypt=StandardEncryption("secret", "owner", canPrint=0)),
        "encrypted_empty_password.pdf": text_pdf(
            [COVER, TABLE_PAGE], encrypt=StandardEncryption("", "owner", canPrint=0)
        ),
        "scanned.pdf": text_pdf([[], []], image_pages={0, 1}),
        "no_tounicode.pdf": no_tounicode_pdf(),
        "scanned_non_report.pdf": text_pdf([["2023年度工作总结", "一、工作开展情况"], []], image_pages={1}),
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


#: Columns that say when the warehouse wrote a row (its own clock), not what the row holds.
VOLATILE = {"loaded_at", "document_sources.first_seen"}


def snapshot(
    published: Path, volatile: set[str] = VOLATILE, *, marts: bool = False
) -> dict[str, list[tuple]]:
    """Every core table of a published file (and with `marts` every mart view but the publication's own), rows
    sorted, without the `volatile` columns (`col` or `table.col`)."""
    from warehouse.publish import connect_published
    from warehouse.store import CORE_TABLES

    con = connect_published(published)
    try:
        names = [f"core.{t}" for t in CORE_TABLES]
        if marts:
            names += [
                f"mart.{v}"
                for (v,) in con.execute(
                    "SELECT view_name FROM duckdb_views() WHERE schema_name = 'mart' AND NOT internal "
                    "AND view_name <> 'publication' ORDER BY 1"
                ).fetchall()
            ]
        out = {}
        for name in names:
            table = name.split(".", 1)[1]
            cols = [
                r[0]
                for r in con.execute(f"DESCRIBE {name}").fetchall()
                if r[0] not in volatile and f"{table}.{r[0]}" not in volatile
            ]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()
            key = name if marts else table
            out[key] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
        return out
    finally:
        con.close()
