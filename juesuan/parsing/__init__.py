"""Parse one 部门决算 PDF into a typed `Report`: identity, every public table, narrative facts, provenance.

`parse_report(path)` is the library call (no Dagster): the document pass (`document.open_document`) refuses
what is not a readable final account with `NotAFinalAccount`; the table pass (`tables.parse_tables`) reads the
ruled and unruled tables (a fully readable PDF without one public table is refused too, code `no_tables`); the
narrative pass (`narrative.extract_narrative`) reads the prose. Problems found on the way are recorded on the
report (document level) and on each table (table level), never raised.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from juesuan.model import Problem, Region, Report

if TYPE_CHECKING:
    from juesuan.parsing.document import DocumentInfo

#: Bumped whenever parsing output can change for the same input (warehouse rows carry it).
PARSER_VERSION = "tables-1.5"  # 1.5: continuation pages, budgets, workbooks and HTML, prose paragraphs

#: Where page geometry comes from: PDFium (C, fast) or pdfplumber/pdfminer (on the table pages PDFium's
#: triage picks). Same table logic either way; README "## Parsing" gives the measured speeds.
ENGINES = ("pdfium", "pdfplumber")
DEFAULT_ENGINE = "pdfium"
ENGINE_ENV = "JUESUAN_PARSER_ENGINE"


def resolve_engine(engine: str | None = None) -> str:
    """The engine to use: the argument, else $JUESUAN_PARSER_ENGINE, else DEFAULT_ENGINE."""
    chosen = engine or os.environ.get(ENGINE_ENV, "").strip() or DEFAULT_ENGINE
    if chosen not in ENGINES:
        source = "engine" if engine else ENGINE_ENV
        raise ValueError(f"unknown parser engine {chosen!r} ({source}); choose one of {', '.join(ENGINES)}")
    return chosen


def parse_report(
    path: Path | str,
    region_hint: Region | None = None,
    timings: dict[str, float] | None = None,
    *,
    engine: str | None = None,
    traces: list | None = None,
) -> Report:
    """The typed report of one final-accounts PDF. Raises `NotAFinalAccount` for anything else.

    `timings`, when given, accumulates seconds per stage (document, page geometry, tables, narrative): the
    benchmark uses it to say where the time goes. `engine` picks the page-geometry reader (`resolve_engine`).
    `traces`, when given, receives a `locate.PageTrace` per page (what `juesuan parse --explain` prints).
    """
    from juesuan.parsing.document import NotAFinalAccount, open_document
    from juesuan.parsing.tables import parse_tables

    path = Path(path)
    t0 = time.perf_counter()
    other = _other_format(path)
    if other is not None:  # a workbook or an HTML article: read by content, whatever the file is called
        from juesuan.parsing.formats import parse_other

        report = parse_other(path, other[1], other[0], region_hint)
        if timings is not None:
            timings["tables"] = timings.get("tables", 0.0) + time.perf_counter() - t0
        return report
    # the PDFium engine's page geometry is read in the document pass: each page is loaded once
    geometry = resolve_engine(engine) == "pdfium"
    info = open_document(path, region_hint=region_hint, accept_budget=True, geometry=geometry)
    if timings is not None:
        geometry_s = info.geometry_seconds  # read here for the table pass: counted as page geometry
        timings["document"] = timings.get("document", 0.0) + time.perf_counter() - t0 - geometry_s
        timings["page_geometry"] = timings.get("page_geometry", 0.0) + geometry_s
    if info.kind == "budget":  # the cover (or the tables) say 部门预算: the budget family's own parser
        from juesuan.budgets.parse import parse_budget

        return parse_budget(info, path, timings=timings, engine=engine)
    report = Report(
        department=info.department,
        year=info.year,
        region=info.region,
        kind=info.kind,
        source=info.source_info(),
        parser_version=PARSER_VERSION,
    )
    report.problems.extend(info.problems)
    result = parse_tables(path, timings=timings, engine=engine, traces=traces, pages=info.take_geometry())
    report.tables = result.tables
    report.problems.extend(result.problems)
    for table in result.tables.values():
        report.problems.extend(table.problems)
    scanned = [i + 1 for i, has_text in enumerate(info.text_layer_pages) if not has_text]
    if scanned and all(t.status == "absent" for t in result.tables.values()) and not _reads_as_report(info):
        # a notice with a scanned signature or seal page: nothing in its text is a report's, so the scanned
        # pages are no reason to suspect tables there
        raise NotAFinalAccount(
            "no_tables",
            f"not a final-accounts report: no 决算 table and nothing of a report's structure in "
            f"{_n_pages(info.page_count - len(scanned))} of text; {_pages_word(scanned)} scanned "
            f"(title: {_first_line(info.page_texts)})",
        )
    if scanned:
        # a table on a scanned page cannot be found, so its absence proves nothing: say why it is missing
        for table in result.tables.values():
            if table.status == "absent":
                table.status = "parse_error"
                table.problems.append(
                    Problem(
                        code="no_text_layer",
                        message=f"{table.kind} not found; pages {scanned} are scanned images without a text "
                        "layer (OCR is not supported), it may be there",
                        table_kind=table.kind,
                        severity="error",
                    )
                )
                report.problems.append(table.problems[-1])
    if not scanned and all(t.status == "absent" for t in result.tables.values()):
        # not one public table titled anywhere in a fully readable text layer: a notice, a cover letter, a
        # policy document; publishing it as a department's final account would invent a department
        raise NotAFinalAccount(
            "no_tables",
            f"not a final-accounts report: no 决算 table found in {_n_pages(info.page_count)} "
            f"(title: {_first_line(info.page_texts)})",
        )
    if not any(t.status in ("parsed", "empty") for t in result.tables.values()):
        report.problems.append(
            Problem(
                code="no_tables",
                message="none of the public 决算 tables was found in the document",
                severity="error",
            )
        )
    t0 = time.perf_counter()
    from juesuan.parsing.reflow import reflow

    texts, reflowed = reflow(path, info.page_texts)
    if reflowed:
        report.problems.append(
            Problem(
                code="narrative_reflowed",
                message=f"pages {reflowed}: the text layer holds the figures apart from their sentences; "
                "read in printed order instead",
                severity="info",
            )
        )
    _add_narrative(report, texts)
    if timings is not None:
        timings["narrative"] = timings.get("narrative", 0.0) + time.perf_counter() - t0
    return report


_NOTICE_TITLE = re.compile(r"^关于|通知|公告|通告|函$|的函|批复|意见$")
_REPORT_PARTS = re.compile(r"决算情况说明|决算表|决算总表|部门概况|名词解释|收入支出决算总体情况")


def _reads_as_report(info: DocumentInfo) -> bool:
    """Whether the text pages read as a final account whose tables could sit on its scanned pages: its
    cover title (not a notice's 关于…的通知), or the parts and table titles a report lists."""
    from juesuan.parsing.tables import classify_title

    first = _first_line(info.page_texts)
    if _NOTICE_TITLE.search(first):
        return False
    if info.kind == "final_account" and info.cover_title and "决算" in info.cover_title:
        return True
    kinds = {classify_title(line) for text in info.page_texts for line in text.splitlines()} - {None, "other"}
    joined = "".join("".join(info.page_texts).split())
    return len(kinds) >= 3 or len(set(_REPORT_PARTS.findall(joined))) >= 2


def _pages_word(pages: list[int]) -> str:
    return f"page {pages[0]} is" if len(pages) == 1 else f"pages {', '.join(map(str, pages))} are"


def _other_format(path: Path) -> tuple[str, bytes] | None:
    """(kind, bytes) when the file is a workbook or an HTML page holding tables; None for PDFs and the rest.

    An HTML page without any <table> stays with the PDF path, which refuses it as "not a PDF: an HTML page".
    """
    from juesuan.sniff import SNIFF_BYTES, sniff_bytes

    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None  # open_document says why the file cannot be read
    kind = sniff_bytes(head)
    if kind in ("xlsx", "xls"):
        return kind, path.read_bytes()
    if kind == "html":
        data = path.read_bytes()
        if b"<table" in data.lower():
            return kind, data
    return None


def _n_pages(n: int) -> str:
    return "1 page" if n == 1 else f"{n} pages"


def _first_line(page_texts: list[str]) -> str:
    """The document's first printed line (its title, for a notice), for refusal messages."""
    for text in page_texts:
        for line in text.splitlines():
            line = "".join(line.split())
            if line:
                return line[:60]
    return "none"


def _add_narrative(report: Report, page_texts: list[str]) -> None:
    try:
        from juesuan.parsing.narrative import extract_narrative
    except ModuleNotFoundError as exc:  # the narrative pass is built separately; say so rather than guess
        if exc.name != "juesuan.parsing.narrative":
            raise
        report.problems.append(
            Problem(
                code="narrative_unavailable", message="narrative extraction is not installed", severity="info"
            )
        )
        return
    extract = extract_narrative(page_texts)
    report.narrative = list(extract.facts)
    report.paragraphs = list(extract.paragraphs)
    report.headcount_authorized = extract.headcount_authorized
    report.headcount_actual = extract.headcount_actual


__all__ = ["DEFAULT_ENGINE", "ENGINES", "PARSER_VERSION", "parse_report", "resolve_engine"]
