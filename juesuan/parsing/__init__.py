"""Parse one 部门决算 PDF into a typed `Report`: identity, every public table, narrative facts, provenance.

`parse_report(path)` is the library call (no Dagster): the document pass (`document.open_document`) refuses
what is not a readable final account with `NotAFinalAccount`; the table pass (`tables.parse_tables`) reads the
ruled tables; the narrative pass (`narrative.extract_narrative`) reads the prose. Problems found on the way are
recorded on the report (document level) and on each table (table level), never raised.
"""

from __future__ import annotations

import time
from pathlib import Path

from juesuan.model import Problem, Region, Report

#: Bumped whenever parsing output can change for the same input (warehouse rows carry it).
PARSER_VERSION = "tables-1.1"


def parse_report(
    path: Path | str, region_hint: Region | None = None, timings: dict[str, float] | None = None
) -> Report:
    """The typed report of one final-accounts PDF. Raises `NotAFinalAccount` for anything else.

    `timings`, when given, accumulates seconds per stage (document, page geometry, tables, narrative): the
    benchmark uses it to say where the time goes.
    """
    from juesuan.parsing.document import open_document
    from juesuan.parsing.tables import parse_tables

    path = Path(path)
    t0 = time.perf_counter()
    info = open_document(path, region_hint=region_hint)
    if timings is not None:
        timings["document"] = timings.get("document", 0.0) + time.perf_counter() - t0
    report = Report(
        department=info.department,
        year=info.year,
        region=info.region,
        kind=info.kind,
        source=info.source_info(),
        parser_version=PARSER_VERSION,
    )
    report.problems.extend(info.problems)
    result = parse_tables(path, timings=timings)
    report.tables = result.tables
    report.problems.extend(result.problems)
    for table in result.tables.values():
        report.problems.extend(table.problems)
    scanned = [i + 1 for i, has_text in enumerate(info.text_layer_pages) if not has_text]
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
    if not any(t.status in ("parsed", "empty") for t in result.tables.values()):
        report.problems.append(
            Problem(
                code="no_tables",
                message="none of the public 决算 tables was found in the document",
                severity="error",
            )
        )
    t0 = time.perf_counter()
    _add_narrative(report, info.page_texts)
    if timings is not None:
        timings["narrative"] = timings.get("narrative", 0.0) + time.perf_counter() - t0
    return report


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
    report.headcount_authorized = extract.headcount_authorized
    report.headcount_actual = extract.headcount_actual


__all__ = ["PARSER_VERSION", "parse_report"]
