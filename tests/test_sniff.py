"""Content sniffing: a file is what its bytes say, whatever its name."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from juesuan.sniff import SNIFF_BYTES, describe, html_title, sniff_bytes


def _zip_with(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(name, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\r\n\r\n%PDF-1.4\n", "pdf"),  # junk before the header, as some servers add
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "Workbook".encode("utf-16-le"), "xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "WordDocument".encode("utf-16-le"), "doc"),
        (b"{\\rtf1\\ansi", "doc"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image"),
        (b"<!DOCTYPE html>\n<html lang='zh'>", "html"),
        ("\ufeff<html><head><title>x</title>".encode(), "html"),
        (b"  <?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
        ("单位：万元\n项目,决算数\n".encode(), "text"),
        ("单位：万元\n项目,决算数\n".encode("gb18030"), "text"),
        (b"\x00\x01\x02\x03binary\xff\xfe\x00", "unknown"),
        (b"", "unknown"),
    ],
)
def test_sniff_bytes(head: bytes, kind: str) -> None:
    assert sniff_bytes(head) == kind


def test_office_zip_containers() -> None:
    assert sniff_bytes(_zip_with("xl/workbook.xml")[:SNIFF_BYTES]) == "xlsx"
    assert sniff_bytes(_zip_with("word/document.xml")[:SNIFF_BYTES]) == "docx"
    assert sniff_bytes(_zip_with("data/report.pdf")[:SNIFF_BYTES]) == "zip"
    # a member path that merely contains "word/" does not make a Word document
    assert sniff_bytes(_zip_with("password/readme.txt")) == "zip"


def test_real_workbook_and_streamed_zip() -> None:
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    assert sniff_bytes(buf.getvalue()[:SNIFF_BYTES]) == "xlsx"

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[no-untyped-def]
            self.data += bytes(b)
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:  # streamed: sizes after the data
        zf.writestr("word/document.xml", "<w:document/>" * 100)
    assert sniff_bytes(bytes(sink.data)) == "docx"  # whole file: found in the central directory


def test_real_files_by_content_not_name(real_corpus: Path) -> None:
    nfa = real_corpus / "not-final-accounts"
    assert sniff_bytes((nfa / "html-page-named-pdf.pdf").read_bytes()[:SNIFF_BYTES]) == "html"
    for pdf in [*real_corpus.glob("*.pdf"), nfa / "scanned-budget-beijing-govdata-2026.pdf"]:
        assert sniff_bytes(pdf.read_bytes()[:SNIFF_BYTES]) == "pdf", pdf.name


def test_html_title_of_the_misnamed_page(real_corpus: Path) -> None:
    data = (real_corpus / "not-final-accounts" / "html-page-named-pdf.pdf").read_bytes()
    assert html_title(data) == "重庆市商务委员会部门及所属单位2026年预算情况说明"
    assert html_title("<html><title> 部门 &amp; 决算 </title></html>".encode("gb18030")) == "部门 & 决算"
    assert html_title(b"<html><body>no title</body></html>") is None


def test_describe_is_human() -> None:
    assert describe("html") == "an HTML page"
    assert describe("pdf") == "a PDF document"
    assert "Excel" in describe("xls")
    assert describe("weird") == "a weird file"
