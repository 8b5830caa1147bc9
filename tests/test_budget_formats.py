"""Budgets published as workbooks and inline HTML articles read as budgets: factory variants at 100% recall and
precision of nonzero cells with provenance in the source, and the real HTML index page of a budget refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.engine import check_report
from juesuan.budgets.factory import budget_from_final
from juesuan.budgets.formats import write_budget_as
from juesuan.budgets.templates import budget_from_template
from juesuan.model import read_gold_csv
from juesuan.parsing import parse_report
from juesuan.parsing.document import NotAFinalAccount


@pytest.fixture(scope="module")
def final_spec():
    from juesuan.factory.generate import build_spec, plan_corpus

    return build_spec(plan_corpus(7, 1, 1, (2024,), ("central2024",), 0.0)[0], 7, None)[0]


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
@pytest.mark.parametrize("layout", ["excel", "word", "shenzhen_itext"])
def test_budget_formats_read_exactly(final_spec, tmp_path: Path, layout: str, fmt: str) -> None:
    spec = (
        budget_from_template(final_spec, layout)
        if "_" in layout
        else budget_from_final(final_spec, style=layout)
    )
    entry = write_budget_as(spec, tmp_path, fmt)
    report = parse_report(tmp_path / str(entry["file"]))
    assert report.kind == "budget" and report.source.format == fmt
    assert report.department == spec.department and report.year == spec.year
    truth = {
        (c.table_kind, c.subject_code, c.line_item, c.measure): c.amount_yuan
        for c in read_gold_csv(tmp_path / str(entry["truth_file"]))
        if c.amount_yuan != 0
    }
    got = {
        (t.kind, r.subject_code or "", r.line_item or "", c.measure): c.amount_yuan
        for t, r, c in report.iter_cells()
        if c.amount_yuan != 0
    }
    hits = sum(1 for k, v in got.items() if truth.get(k) == v)
    print(f"{layout:15} {fmt:5} recall {hits}/{len(truth)} precision {hits}/{len(got)}")
    assert got == truth, set(got) ^ set(truth)
    assert not [p.message for p in report.problems if p.severity == "error"]
    results = check_report(report, runner="duckdb")
    assert not [
        (r.rule_id, r.message) for r in results if r.outcome in ("fail", "parse_error", "execution_error")
    ]
    for _, _, cell in report.iter_cells():  # provenance in the source: sheet + A1, or table + row/column
        assert (cell.sheet and cell.address) if fmt == "xlsx" else (cell.table_index and cell.address)
    if fmt == "html":  # the article carries the 预算情况说明: its figures are checked against the tables
        prose = [r for r in results if r.rule_id == "budget_narrative_amounts" and r.outcome == "pass"]
        assert len(prose) >= 14


def test_html_page_listing_budget_documents_is_refused(real_corpus: Path) -> None:
    """重庆市商务委's page lists links to its budget PDFs: neither a budget table nor a budget figure."""
    with pytest.raises(NotAFinalAccount) as exc:
        parse_report(real_corpus / "not-final-accounts" / "html-page-named-pdf.pdf")
    assert exc.value.code == "not_pdf" and "预算" in str(exc.value)
