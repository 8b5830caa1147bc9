"""Budgets published as workbooks and inline HTML articles read as budgets: factory variants at 100% recall and
precision of nonzero cells with provenance in the source, and the real HTML index page of a budget refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from nonzero_cells import nonzero_cells, nonzero_truth

from expectations.engine import check_report
from juesuan.budgets.factory import budget_from_final
from juesuan.budgets.formats import write_budget_as
from juesuan.budgets.templates import budget_from_template
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
    truth = nonzero_truth(tmp_path / str(entry["truth_file"]))
    got = nonzero_cells(report)
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


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_jiangsu_tables_in_workbooks_and_articles(final_spec, tmp_path: Path, fmt: str) -> None:
    """江苏 2019's tables (`padded_cells`: 财政拨款 by function and economic code, 机关运行经费, one row of 三公 /
    会议费 / 培训费 with its unit wrapped over two lines) read exactly from a workbook or an article too."""
    from juesuan.budgets.layouts import padded_cells

    spec = budget_from_final(final_spec, style="word")
    padded_cells(spec, seed=7)
    entry = write_budget_as(spec, tmp_path, fmt)
    report = parse_report(tmp_path / str(entry["file"]))
    assert nonzero_cells(report) == nonzero_truth(tmp_path / str(entry["truth_file"]))
    assert not [p.message for p in report.problems if p.severity == "error"]
    assert {"appropriation_expenditure", "appropriation_basic", "admin_operation"} <= {
        k for k, t in report.tables.items() if t.status == "parsed"
    }


def test_html_page_listing_budget_documents_is_refused(real_corpus: Path) -> None:
    """重庆市商务委's page lists links to its budget PDFs: neither a budget table nor a budget figure."""
    with pytest.raises(NotAFinalAccount) as exc:
        parse_report(real_corpus / "not-final-accounts" / "html-page-named-pdf.pdf")
    assert exc.value.code == "not_pdf" and "预算" in str(exc.value)


def test_html_article_with_the_prose_only_is_a_narrative_only_budget(final_spec, tmp_path: Path) -> None:
    """An article carrying the 预算情况说明 without the tables (published elsewhere) parses as narrative-only."""
    import html

    from juesuan.budgets.factory import budget_narrative

    spec = budget_from_final(final_spec, style="word")
    paras = "".join(f"<p>{html.escape(text)}</p>" for _, text in budget_narrative(spec))
    title = f"{spec.department}{spec.year}年部门预算情况说明"
    path = tmp_path / "prose.html"
    path.write_text(
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>{paras}'
        "<table><tr><td>[发布机构]</td><td>财政局</td></tr></table></body></html>",
        encoding="utf-8",
    )
    report = parse_report(path)
    assert report.kind == "budget" and report.year == spec.year
    assert all(t.status == "absent" for t in report.tables.values())
    assert any(p.code == "narrative_only" for p in report.problems)
    assert any(f.label == "基本支出" for f in report.narrative)
