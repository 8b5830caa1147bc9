"""`juesuan parse --explain FILE`: per page, what the parser recognised and why each table was or was not read.

The same parse as `parse_report` (same engine, same decisions), with the page traces the table locator keeps
printed as lines a person can follow: titles and their table kind, each grid and the table it went to (or why it
went nowhere), amounts printed outside every table; then each public table's status, pages, cells and problems.
"""

from __future__ import annotations

from pathlib import Path

from juesuan.parsing.locate import PageTrace


def explain(path: Path | str, engine: str | None = None) -> list[str]:
    """Lines describing how the parser reads `path` (a refusal is explained too, never raised)."""
    from juesuan.parsing import parse_report, resolve_engine
    from juesuan.parsing.document import NotAFinalAccount, open_document

    path = Path(path)
    engine = resolve_engine(engine)
    out = [f"{path.name} (engine {engine})"]
    traces: list[PageTrace] = []
    try:
        report = parse_report(path, engine=engine, traces=traces)
    except NotAFinalAccount as exc:
        out.append(f"refused ({exc.code}): {exc.reason}")
        if traces:
            out += _pages(traces, None)
        return out
    try:
        info = open_document(path)
        text_layer = info.text_layer_pages
        first_lines = [_first(t) for t in info.page_texts]
    except NotAFinalAccount:  # parse_report just opened it; only a file changed meanwhile gets here
        text_layer, first_lines = None, None
    src = report.source
    out.append(
        f"{report.department or '(department not found)'} {report.year or '(year not found)'}: "
        f"{src.page_count if src else '?'} pages"
    )
    out += _pages(traces, text_layer, first_lines)
    out.append("tables:")
    for kind, t in report.tables.items():
        cells = sum(len(r.cells) for r in t.rows)
        pages = f" pages {','.join(map(str, t.pages))}" if t.pages else ""
        title = f" {t.title!r}" if t.title else ""
        out.append(f"  {kind}: {t.status}{title}{pages}, {len(t.rows)} rows, {cells} cells, unit {t.unit}")
        for p in t.problems:
            out.append(f"    {p.severity} {p.code}: {p.message}")
    table_problems = {id(p) for t in report.tables.values() for p in t.problems}
    doc = [p for p in report.problems if id(p) not in table_problems]
    if doc:
        out.append("document:")
        out += [f"  {p.severity} {p.code}: {p.message}" for p in doc]
    verdict = (
        "every public table it prints was read"
        if all(t.status in ("parsed", "empty", "absent") for t in report.tables.values())
        else "NOT every public table was read: "
        + ", ".join(f"{k} {t.status}" for k, t in report.tables.items() if t.status == "parse_error")
    )
    out.append(f"verdict: {verdict}")
    return out


def _first(text: str) -> str:
    for line in text.splitlines():
        line = "".join(line.split())
        if line:
            return line[:40]
    return ""


def _pages(
    traces: list[PageTrace], text_layer: list[bool] | None, first_lines: list[str] | None = None
) -> list[str]:
    out: list[str] = []
    for tr in traces:
        i = tr.page - 1
        if text_layer is not None and i < len(text_layer) and not text_layer[i]:
            out.append(f"page {tr.page}: scanned image without a text layer (not read; OCR is not supported)")
            continue
        lines = tr.lines()
        if first_lines is not None and i < len(first_lines) and not tr.grids and not tr.titles:
            lines[0] += f" — {first_lines[i]!r}" if first_lines[i] else " — blank"
        out += lines
    return out


__all__ = ["explain"]
