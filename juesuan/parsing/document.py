"""Open one downloaded file and say what it is: a readable final account, or why not.

This is the cheap first pass of the parser. It sniffs the bytes (portals serve HTML under `.pdf` names), opens
the PDF with pypdfium2 (fast per-page text: a 50-page report in well under a second), reads the metadata, tells
text pages from scanned ones, and finds the report's identity: department, year, kind (决算 or 预算) and region.
Anything that is not a readable final account is refused with `NotAFinalAccount`, whose `reason` is one specific
line a person can act on; the table parser only ever sees documents that passed.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from juesuan.model import Problem, Region, SourceInfo
from juesuan.parsing.pdfgeom import PageGeom, page_geom
from juesuan.regions import resolve_region
from juesuan.sniff import describe, html_title, sniff_bytes

RefusalCode = Literal[
    "not_pdf", "encrypted", "empty", "no_text_layer", "budget_report", "unreadable", "no_tables"
]


class NotAFinalAccount(Exception):
    """The file cannot be parsed as a final-accounts report; `code` is machine-readable, `reason` is one line."""

    def __init__(self, code: RefusalCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class DocumentInfo:
    """What the first pass learned about a PDF: provenance, per-page text, identity."""

    sha256: str
    path: str
    page_count: int
    producer: str | None
    creator: str | None
    text_layer_pages: list[bool]
    page_texts: list[str]
    department: str
    year: int | None
    kind: Literal["final_account", "budget", "unknown"]
    region: Region
    cover_title: str = ""  # the cover's title line(s), whitespace removed, e.g. 国家信访局2024年度部门决算
    problems: list[Problem] = field(default_factory=list)  # page-level findings that do not stop parsing
    #: every page's geometry (`pdfgeom.PageGeom`), read in this pass when asked (`open_document(geometry=True)`)
    #: so the table pass does not load each page a second time; `take_geometry` hands it over and lets it go
    geometry: list[PageGeom] | None = field(default=None, repr=False, compare=False)
    #: seconds of this pass spent reading that geometry (the benchmark counts them as page geometry)
    geometry_seconds: float = field(default=0.0, repr=False, compare=False)

    def take_geometry(self) -> list[PageGeom] | None:
        """The pages' geometry read in this pass (None if not read), dropped from here so it is freed with
        the table pass."""
        pages, self.geometry = self.geometry, None
        return pages

    def source_info(self, url: str | None = None) -> SourceInfo:
        """The provenance record the Report carries."""
        return SourceInfo(
            sha256=self.sha256,
            path=self.path,
            url=url,
            page_count=self.page_count,
            producer=self.producer,
            creator=self.creator,
            text_layer_pages=list(self.text_layer_pages),
        )


# ---- identity -------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_PAGE_NUMBER_LINE = re.compile(r"^(?:[-—–\s]*\d{1,3}[-—–\s]*|第\s*\d+\s*页.*|\d+\s*/\s*\d+)$")
_DATE_LINE = re.compile(
    r"^[〇零一二三四五六七八九十○Ｏ0-9\s]{2,}年[〇零一二三四五六七八九十○Ｏ0-9\s]{1,3}月(?:[〇零一二三四五六七八九十○Ｏ0-9\s]{1,3}日)?$"
)
_KIND_WORD = r"(?:部门|单位|机关)?(?:整体)?(?P<kind>决算|预算)"
_TITLE_DEPT_FIRST = re.compile(r"^(?P<dept>.+?)(?P<year>(?:19|20)\d{2})年度?" + _KIND_WORD)
_TITLE_YEAR_FIRST = re.compile(r"^(?P<year>(?:19|20)\d{2})年度?(?P<dept>.+?)" + _KIND_WORD)
_HEADER_DEPT = re.compile(
    r"(?:编制单位|单位名称|部门名称|预算单位|部门)\s*[：:]\s*(?P<dept>[^\s：:]{2,60}?)\s*(?=金额单位|单位[：:]|\n|$)",
    re.M,
)
_OVERVIEW_DEPT = re.compile(r"第一部分\s*(?P<dept>[^\s]{2,60}?)\s*(?:部门)?概况")
_YEAR_ANY = re.compile(r"((?:19|20)\d{2})\s*年度")

_FINAL_MARKERS = re.compile(r"决算表|决算总表|部门决算|单位决算|决算情况说明|决算公开")
_BUDGET_MARKERS = re.compile(
    r"预算表|预算总表|部门预算(?!改革|管理|编制|绩效|执行|公开工作)|单位预算|预算情况说明|预算公开"
)


def _clean_lines(text: str) -> list[str]:
    """Lines of a page without page numbers and print dates (they are not part of titles)."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if not s or _PAGE_NUMBER_LINE.match(s) or _DATE_LINE.match(s):
            continue
        out.append(s)
    return out


def _cover_text(page_texts: list[str]) -> str:
    """The cover's words joined without whitespace (titles wrap: 部门预\\n算). Stops at the table of contents."""
    parts: list[str] = []
    for text in page_texts[:2]:
        lines = _clean_lines(text)
        stop = next((i for i, s in enumerate(lines) if _WS.sub("", s) in ("目录", "目次")), None)
        if stop is not None:
            parts.extend(lines[:stop])
            break
        parts.extend(lines)
        if sum(len(p) for p in parts) >= 20:
            break  # a cover is short; the second page is only needed when the first is nearly blank
    return _WS.sub("", "".join(parts))[:200]


def _title_from_cover(cover: str) -> tuple[str, int | None, str | None, str]:
    """(department, year, 决算/预算, title) read from the cover text; blanks when it does not look like a title."""
    for pattern in (_TITLE_DEPT_FIRST, _TITLE_YEAR_FIRST):
        m = pattern.search(cover) if pattern is _TITLE_YEAR_FIRST else pattern.match(cover)
        if m:
            dept = m.group("dept").strip("：:，,、 ")
            title = cover[m.start() : m.end()]
            tail = re.match(r"(?:公开|报告|表|情况说明)*", cover[m.end() :])
            title += tail.group(0) if tail else ""
            if 2 <= len(dept) <= 60 and not re.search(r"[。；]", dept):
                return dept, int(m.group("year")), m.group("kind"), title
            return "", int(m.group("year")), m.group("kind"), title
    return "", None, None, cover[:60]


def _department(page_texts: list[str], cover_dept: str) -> str:
    """Department as printed: the tables' 部门：… header when present, else the cover, else 第一部分 …概况."""
    header = Counter()
    for text in page_texts:
        for m in _HEADER_DEPT.finditer(text):
            dept = m.group("dept")
            if not re.fullmatch(r"[\d.,%（）()元万]+", dept):
                header[dept] += 1
    if header:
        return header.most_common(1)[0][0]
    if cover_dept:
        return cover_dept
    for text in page_texts[:6]:
        m = _OVERVIEW_DEPT.search(_WS.sub("", text))
        if m:
            return m.group("dept")
    return ""


def _year(page_texts: list[str], cover_year: int | None) -> int | None:
    if cover_year is not None:
        return cover_year
    years = Counter(int(y) for text in page_texts for y in _YEAR_ANY.findall(text))
    return years.most_common(1)[0][0] if years else None


def _kind(
    cover_kind: str | None, cover: str, page_texts: list[str]
) -> Literal["final_account", "budget", "unknown"]:
    """决算 vs 预算 from the cover title, else from table titles and part headings throughout."""
    if cover_kind == "决算" or ("决算" in cover and "预算" not in cover):
        return "final_account"
    if cover_kind == "预算" or ("预算" in cover and "决算" not in cover):
        return "budget"
    joined = _WS.sub("", "\n".join(page_texts))
    final = len(_FINAL_MARKERS.findall(joined))
    budget = len(_BUDGET_MARKERS.findall(joined))
    if final == budget == 0:
        return "unknown"
    return "final_account" if final >= budget else "budget"


@dataclass
class Identity:
    """Whose report, which year, which kind: read from the cover, the table headers and part headings."""

    department: str
    year: int | None
    kind: Literal["final_account", "budget", "unknown"]
    cover_title: str


def identify(page_texts: list[str]) -> Identity:
    """Department, year and kind (决算/预算) from the page texts alone (also usable on text renderings)."""
    cover = _cover_text(page_texts)
    cover_dept, cover_year, cover_kind, title = _title_from_cover(cover)
    return Identity(
        department=_department(page_texts, cover_dept),
        year=_year(page_texts, cover_year),
        kind=_kind(cover_kind, cover, page_texts),
        cover_title=title,
    )


# ---- text layer -----------------------------------------------------------------------------------------


#: Characters of real text (Latin, CJK, CJK and full-width punctuation, general punctuation, enclosed numbers,
#: Latin-1 and symbols); a font without a Unicode map gives private-use and control codes instead.
_READABLE = re.compile(
    r"[\x21-\x7e\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\u3400-\u4dbf\u2460-\u24ff"
    r"\u00a0-\u02ff\u2100-\u22ff\u2500-\u25ff]+"
)
_SPACE = re.compile(r"\s+")


def _readable_fraction(text: str) -> float:
    """Share of visible characters that are real text; fonts without a Unicode map give PUA/control codes.
    Counted by two regex passes in C (a per-character loop here cost 0.2 ms a page)."""
    visible = _SPACE.sub("", text)
    if not visible:
        return 1.0
    return (len(visible) - len(_READABLE.sub("", visible))) / len(visible)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))


def _refuse_non_pdf(kind: str, data: bytes) -> NotAFinalAccount:
    detail = ""
    if kind == "html":
        title = html_title(data)
        detail = f" ({title})" if title else ""
    elif kind == "text":
        first = data[:200].decode("utf-8", errors="replace").strip().splitlines()
        detail = f" (starts {first[0][:60]!r})" if first else ""
    return NotAFinalAccount("not_pdf", f"not a PDF: the file is {describe(kind)}{detail}")


def open_document(
    path: Path,
    region_hint: Region | None = None,
    *,
    accept_budget: bool = False,
    geometry: bool = False,
) -> DocumentInfo:
    """First pass over one file: provenance, page texts, identity. Raises NotAFinalAccount when unusable.

    `region_hint` is the source's configured region; it wins over the region read from the department name.
    `accept_budget` lets a 部门预算 through (kind `budget`) for the budget parser instead of refusing it.
    `geometry` also reads every page's geometry (PDFium engine) while the page is loaded, into
    `DocumentInfo.geometry` for the table pass: loading a page and its text is a third of the parse time.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotAFinalAccount("unreadable", f"cannot read the file: {exc.strerror or exc}") from exc
    if not data:
        raise NotAFinalAccount("empty", "empty file: 0 bytes")
    kind = sniff_bytes(data[:8192])
    if kind != "pdf":
        raise _refuse_non_pdf(kind, data)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium's error code is process-global and can be stale (a page-less file reports the previous file's
        # password error), so it only counts together with an /Encrypt dictionary in the file itself.
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in data:
            raise NotAFinalAccount("encrypted", "encrypted PDF: it needs a password to open") from exc
        raise _second_opinion(data, exc) from exc
    try:
        return _read(pdf, path, sha256, region_hint, accept_budget, geometry)
    finally:
        pdf.close()


def _second_opinion(data: bytes, exc: Exception) -> NotAFinalAccount:
    """PDFium refused the file; pdfminer says whether it is merely page-less (PDFium fails on /Count 0)."""
    import io

    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage

    try:
        pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
    except PDFPasswordIncorrect:
        return NotAFinalAccount("encrypted", "encrypted PDF: it needs a password to open")
    except Exception as exc2:  # any failure here only confirms the file is broken
        return NotAFinalAccount(
            "unreadable", f"unreadable PDF: {exc} / pdfminer: {type(exc2).__name__}: {exc2}"
        )
    if pages == 0:
        return NotAFinalAccount("empty", "empty PDF: it has no pages")
    return NotAFinalAccount("unreadable", f"unreadable PDF: {exc}")


def _read(
    pdf: pdfium.PdfDocument,
    path: Path,
    sha256: str,
    region_hint: Region | None,
    accept_budget: bool = False,
    geometry: bool = False,
) -> DocumentInfo:
    n = len(pdf)
    if n == 0:
        raise NotAFinalAccount("empty", "empty PDF: it has no pages")
    meta = pdf.get_metadata_dict(skip_empty=True)
    page_texts: list[str] = []
    text_layer: list[bool] = []
    scanned: list[int] = []
    blank: list[int] = []
    pages: list[PageGeom] | None = [] if geometry else None
    geometry_seconds = 0.0
    for i in range(n):
        page = pdf[i]
        try:
            if pages is not None:
                t0 = time.perf_counter()
                geom = page_geom(page, i)
                geometry_seconds += time.perf_counter() - t0
                pages.append(geom)
                text = geom.text
            else:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                finally:
                    textpage.close()
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            has_text = bool(text.strip())
            if not has_text:
                # No text: a scanned image (no text layer) or a genuinely empty page (e.g. a spill page with a
                # border line only), which has nothing to read and so does not lack a text layer.
                if _has_image(page):
                    scanned.append(i + 1)
                else:
                    blank.append(i + 1)
            page_texts.append(text)
            text_layer.append(has_text or (i + 1) not in scanned)
        finally:
            page.close()

    if len(blank) == n:
        raise NotAFinalAccount("empty", f"empty PDF: none of its {n} pages has text or images")
    if len(scanned) + len(blank) == n:
        raise NotAFinalAccount(
            "no_text_layer",
            f"no text layer: {len(scanned)} of {n} pages are scanned images; OCR is not supported yet",
        )
    texts_with_content = [t for t in page_texts if t.strip()]
    unreadable_pages = [i + 1 for i, t in enumerate(page_texts) if t.strip() and _readable_fraction(t) < 0.5]
    if len(unreadable_pages) == len(texts_with_content):
        raise NotAFinalAccount(
            "unreadable",
            f"unreadable text layer: {len(unreadable_pages)} of {n} pages give no readable characters "
            "(fonts without a Unicode map)",
        )

    problems: list[Problem] = []
    if scanned:
        problems.append(
            Problem(
                code="no_text_layer",
                message=f"{_pages(scanned)} scanned without text; OCR is not supported yet",
                severity="warning",
            )
        )
    if unreadable_pages:
        problems.append(
            Problem(
                code="unreadable_font",
                message=f"{_pages(unreadable_pages)} unreadable: fonts without a Unicode map",
                severity="warning",
            )
        )
    if blank:
        problems.append(Problem(code="blank_page", message=f"{_pages(blank)} empty", severity="info"))

    identity = identify(page_texts)
    department, year, kind, title = identity.department, identity.year, identity.kind, identity.cover_title
    if kind == "budget" and not accept_budget:
        raise NotAFinalAccount(
            "budget_report",
            f"budget report (部门预算), not a final account: the cover reads “{title}”",
        )
    return DocumentInfo(
        sha256=sha256,
        path=str(path),
        page_count=n,
        producer=(meta.get("Producer") or "").strip() or None,
        creator=(meta.get("Creator") or "").strip() or None,
        text_layer_pages=text_layer,
        page_texts=page_texts,
        department=department,
        year=year,
        kind=kind,
        region=resolve_region(department, hint=region_hint),
        cover_title=title,
        problems=problems,
        geometry=pages,
        geometry_seconds=geometry_seconds,
    )


def _pages(pages: list[int]) -> str:
    """'page 14 is' / 'pages 3–5, 9 are' for messages."""
    if len(pages) == 1:
        return f"page {pages[0]} is"
    return f"pages {_ranges(pages)} are"


def _ranges(pages: list[int]) -> str:
    """1,2,3,5 → '1–3, 5'."""
    out: list[str] = []
    start = prev = pages[0]
    for p in pages[1:]:
        if p == prev + 1:
            prev = p
            continue
        out.append(f"{start}–{prev}" if prev > start else str(start))
        start = prev = p
    out.append(f"{start}–{prev}" if prev > start else str(start))
    return ", ".join(out)


__all__ = ["DocumentInfo", "Identity", "NotAFinalAccount", "identify", "open_document"]
