"""First pass over a file: what it is, whether it can be read, and whose report for which year."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from juesuan.model import Region
from juesuan.parsing.document import DocumentInfo, NotAFinalAccount, open_document

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


# ---- the real corpus -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_docs(real_corpus: Path) -> dict[str, DocumentInfo]:
    return {p.stem: open_document(p) for p in sorted(real_corpus.glob("*.pdf"))}


def test_putuo_identity(real_docs: dict[str, DocumentInfo], real_corpus: Path) -> None:
    d = real_docs["putuo-finance-2024"]
    assert d.department == "上海市普陀区财政局"
    assert d.year == 2024
    assert d.kind == "final_account"
    assert (d.region.province, d.region.city, d.region.county, d.region.adcode) == (
        "上海市",
        "上海市",
        "普陀区",
        "310107",
    )
    assert d.producer == "ONLYOFFICE/8.0.1.31"
    assert d.creator == "ONLYOFFICE/8.0.1.31"
    assert d.page_count == 25 == len(d.page_texts) == len(d.text_layer_pages)
    # page 14 is an empty spill page: nothing to read, but not a scanned page either
    assert all(d.text_layer_pages)
    assert d.page_texts[13].strip() == ""
    assert [p.code for p in d.problems] == ["blank_page"]
    assert "page 14 is empty" in d.problems[0].message
    assert len(d.sha256) == 64
    assert d.path == str(real_corpus / "putuo-finance-2024.pdf")
    assert "收入支出决算总表" in d.page_texts[5]


def test_national_petition_bureau_identity(real_docs: dict[str, DocumentInfo]) -> None:
    d = real_docs["national-petition-bureau-2024"]
    assert d.department == "国家信访局"
    assert d.year == 2024
    assert d.kind == "final_account"
    assert d.region.is_central and d.region.city is None and d.region.county is None
    assert d.creator == "WPS 文字"
    assert d.producer is None  # printed empty in the file
    assert d.page_count == 50
    assert all(d.text_layer_pages) and all(t.strip() for t in d.page_texts)
    assert d.cover_title == "国家信访局2024年度部门决算"
    src = d.source_info(url="https://example.invalid/x.pdf")
    assert (src.sha256, src.page_count, src.creator, src.url) == (
        d.sha256,
        50,
        "WPS 文字",
        "https://example.invalid/x.pdf",
    )


def test_region_hint_wins(real_corpus: Path) -> None:
    d = open_document(real_corpus / "putuo-finance-2024.pdf", region_hint=Region(province="中央"))
    assert d.region.is_central


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        (
            "html-page-named-pdf.pdf",
            "not_pdf",
            "not a PDF: the file is an HTML page (重庆市商务委员会部门及所属单位2026年预算情况说明)",
        ),
        (
            "scanned-budget-beijing-govdata-2026.pdf",
            "no_text_layer",
            "no text layer: 8 of 8 pages are scanned images; OCR is not supported yet",
        ),
        (
            "budget-jiangsu-high-court-2019.pdf",
            "budget_report",
            "budget report (部门预算), not a final account: the cover reads “江苏省高级人民法院2019年度部门预算公开”",
        ),
        (
            "budget-shenzhen-finance-2026.pdf",
            "budget_report",
            "budget report (部门预算), not a final account: the cover reads “2026年深圳市财政局（本级）部门预算”",
        ),
    ],
)
def test_real_non_final_accounts_refused_each_with_its_reason(
    real_corpus: Path, name: str, code: str, reason: str
) -> None:
    with pytest.raises(NotAFinalAccount) as info:
        open_document(real_corpus / "not-final-accounts" / name)
    assert info.value.code == code
    assert info.value.reason == reason
    assert str(info.value) == reason
    assert "\n" not in reason


# ---- synthetic files: one per refusal and per identity layout -------------------------------------------


def _pdf(
    path: Path, pages: list[list[str]], encrypt: StandardEncryption | None = None, image_pages=()
) -> Path:
    """A PDF with the given lines per page in a CJK font; `image_pages` get a raster image and no text."""
    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT_FILE), subfontIndex=0))
    c = canvas.Canvas(str(path), encrypt=encrypt)
    for i, lines in enumerate(pages):
        if i in image_pages:
            from PIL import Image

            buf = io.BytesIO()
            Image.new("RGB", (80, 100), (200, 200, 200)).save(buf, format="PNG")
            buf.seek(0)
            from reportlab.lib.utils import ImageReader

            c.drawImage(ImageReader(buf), 50, 100, 400, 600)
        else:
            c.setFont("wqy", 14)
            y = 780
            for line in lines:
                c.drawString(60, y, line)
                y -= 24
        c.showPage()
    c.save()
    return path


COVER_YEAR_FIRST = ["2020年度", "株洲市荷塘区产业服务中心", "部门决算"]
TABLE_PAGE = [
    "收入支出决算总表",
    "公开01表",
    "部门： 株洲市荷塘区产业服务中心",
    "单位：万元",
    "本年收入合计 10 626.55",
]


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    _pdf(d / "hetang.pdf", [COVER_YEAR_FIRST, ["目录", "第一部分 概况"], TABLE_PAGE])
    _pdf(
        d / "no-cover.pdf",
        [["第一部分 株洲市荷塘区产业服务中心概况", "本部门共有编制人数 8 人。"], TABLE_PAGE],
    )
    _pdf(d / "budget.pdf", [["湖南省财政厅", "2021年部门预算"], ["收支预算总表", "单位：万元"]])
    _pdf(d / "encrypted.pdf", [COVER_YEAR_FIRST], encrypt=StandardEncryption("secret", "owner", canPrint=0))
    _pdf(d / "blank.pdf", [[], []])
    _pdf(d / "mixed.pdf", [COVER_YEAR_FIRST, [], TABLE_PAGE], image_pages={1})
    (d / "zero-bytes.pdf").write_bytes(b"")
    good = (d / "hetang.pdf").read_bytes()
    (d / "truncated.pdf").write_bytes(good[: len(good) // 3])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    (d / "sheet.pdf").write_bytes(buf.getvalue())
    (d / "nomap.pdf").write_bytes(_pdf_without_unicode_map())
    (d / "no-pages.pdf").write_bytes(
        _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    )
    return d


def _raw_pdf(objs: list[bytes]) -> bytes:
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


def _pdf_without_unicode_map() -> bytes:
    """Text in an Identity-H CID font with neither ToUnicode nor embedded font: glyph ids, not characters."""
    content = b"BT /F1 12 Tf 50 700 Td <0E1F0A220B330C4401020304> Tj ET"
    return _raw_pdf(
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


def test_identity_from_cover_and_table_header(synth: Path) -> None:
    d = open_document(synth / "hetang.pdf")
    assert (d.department, d.year, d.kind) == ("株洲市荷塘区产业服务中心", 2020, "final_account")
    assert (d.region.province, d.region.city, d.region.county) == ("湖南省", "株洲市", "荷塘区")
    assert d.cover_title == "2020年度株洲市荷塘区产业服务中心部门决算"
    assert d.producer and "ReportLab" in d.producer


def test_identity_without_cover(synth: Path) -> None:
    d = open_document(synth / "no-cover.pdf")
    assert d.department == "株洲市荷塘区产业服务中心"  # from the tables' 部门： header
    assert d.year is None  # no year printed anywhere
    assert d.kind == "final_account"  # 决算总表 in the table title


def test_mixed_scanned_page_is_reported_not_fatal(synth: Path) -> None:
    d = open_document(synth / "mixed.pdf")
    assert d.text_layer_pages == [True, False, True]
    assert [(p.code, p.message) for p in d.problems] == [
        ("no_text_layer", "page 2 is scanned without text; OCR is not supported yet")
    ]


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        (
            "budget.pdf",
            "budget_report",
            "budget report (部门预算), not a final account: the cover reads “湖南省财政厅2021年部门预算”",
        ),
        ("encrypted.pdf", "encrypted", "encrypted PDF: it needs a password to open"),
        ("blank.pdf", "empty", "empty PDF: none of its 2 pages has text or images"),
        ("zero-bytes.pdf", "empty", "empty file: 0 bytes"),
        ("no-pages.pdf", "empty", "empty PDF: it has no pages"),
        ("sheet.pdf", "not_pdf", "not a PDF: the file is an Excel workbook (.xlsx)"),
        (
            "nomap.pdf",
            "unreadable",
            "unreadable text layer: 1 of 1 pages give no readable characters (fonts without a Unicode map)",
        ),
    ],
)
def test_synthetic_refusals(synth: Path, name: str, code: str, reason: str) -> None:
    with pytest.raises(NotAFinalAccount) as info:
        open_document(synth / name)
    assert (info.value.code, info.value.reason) == (code, reason)


def test_truncated_pdf_is_unreadable_not_a_crash(synth: Path) -> None:
    with pytest.raises(NotAFinalAccount) as info:
        open_document(synth / "truncated.pdf")
    assert info.value.code == "unreadable"
    assert info.value.reason.startswith("unreadable PDF: ")


def test_missing_file_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(NotAFinalAccount) as info:
        open_document(tmp_path / "gone.pdf")
    assert (info.value.code, info.value.reason) == (
        "unreadable",
        "cannot read the file: No such file or directory",
    )


def test_geometry_read_in_the_document_pass_is_the_table_pass_own(real_corpus: Path) -> None:
    """`parse_report` loads each page once: the document pass reads the page geometry and hands it to the table
    pass. The texts must be the ones read without it, and the geometry the one `load_page` reads by itself."""
    import dataclasses

    import pypdfium2 as pdfium

    from juesuan.parsing.pdfgeom import load_page

    files = [
        real_corpus / "putuo-finance-2024.pdf",
        *sorted(real_corpus.glob("not-final-accounts/budget-*.pdf"))[:1],
    ]
    for path in files:
        plain = open_document(path, accept_budget=True)
        shared = open_document(path, accept_budget=True, geometry=True)
        assert plain.geometry is None
        assert shared.page_texts == plain.page_texts
        assert shared.text_layer_pages == plain.text_layer_pages
        pages = shared.take_geometry()
        assert shared.geometry is None  # handed over, not kept beside the report
        assert pages is not None and len(pages) == plain.page_count
        pdf = pdfium.PdfDocument(str(path))
        try:
            own = [load_page(pdf, i) for i in range(len(pdf))]
        finally:
            pdf.close()
        assert [dataclasses.asdict(g) for g in pages] == [dataclasses.asdict(g) for g in own]
        assert any(g.chars for g in pages)  # the table pages' characters are read too
