"""The real PDFs: parsed by `juesuan.parsing.parse_report`, checked, and what the rules find pinned against
their findings.md. Both reports have consistent tables (rounding notes only) and narrative errors: they publish
with warnings.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from expectations import blocking, check_report, run_checks
from juesuan.model import read_gold_csv, report_from_gold

D = Decimal


@pytest.fixture(scope="session")
def real_checked(real_reports: list[tuple[Path, Path]]):
    from juesuan.parsing import parse_report

    out = {}
    for pdf, _gold in real_reports:
        report = parse_report(pdf)
        out[pdf.stem] = (report, check_report(report, runner="duckdb"))
    return out


def _fails(results):
    return {
        (r.rule_id, r.table_kind, r.subject_code or r.line_item, r.measure, r.expected, r.actual)
        for r in results
        if r.outcome == "fail"
    }


def _notes(results):
    """Rounding notes of the table identities (narrative rounding notes are not in the findings' counts)."""
    return {
        (r.rule_id, r.table_kind, r.subject_code or r.line_item, r.measure)
        for r in results
        if r.within_rounding and not r.rule_id.startswith("narrative_")
    }


def test_real_reports_publish_with_warnings(real_checked):
    for name, (_report, results) in real_checked.items():
        assert not blocking(results), name
        assert not [
            r for r in results if r.outcome in ("execution_error", "parse_error", "insufficient_data")
        ], name
        assert {r.severity for r in results if r.outcome == "fail"} <= {"warning"}, name


def test_putuo_findings(real_checked):
    _report, results = real_checked["putuo-finance-2024"]
    assert _fails(results) == {
        # findings 5 四: 财政拨款收入支出总计 0.3 万元 (table 2,961.68)
        (
            "narrative_amounts",
            "appropriation_summary",
            "income.grand_total",
            "amount",
            D("29616800.00"),
            D("3000.00"),
        ),
        # findings 5 五(二): 2,106.66 / 2,940.05 = 71.65%, printed 71.73%
        ("narrative_percentages", "narrative", None, "share", D("71.6539"), D("71.73")),
    }
    # findings 1-3: ten rounding notes, including the 326.71 / 326.72 cross-table difference on 208
    assert len(_notes(results)) == 10
    assert ("cross_summary_classes", "summary", "208", "amount") in _notes(results)
    assert ("cross_appropriation_general_budget", "appropriation_summary", "208", "general_budget") in _notes(
        results
    )


def test_petition_bureau_findings(real_checked):
    _report, results = real_checked["national-petition-bureau-2024"]
    assert _fails(results) == {
        # findings 2 一: 5834.37 / 16232.22 = 35.94%, printed 35.74%
        ("narrative_percentages", "narrative", None, "growth_rate", D("35.9431"), D("35.74")),
        # findings 2 十一: 5,105.75 "占一般公共预算项目支出总额的100%" while project expenditure is 3,499.42
        ("narrative_percentages", "narrative", None, "share", D("145.9027"), D("100")),
        # findings 2: 20805 called 行政事业单位离退休（款）(table 行政事业单位养老支出), 2080501 归口管理的行政单位离退休（项）
        # (table 行政单位离退休)
        ("narrative_subject_names", "general_budget", "20805", None, None, None),
        ("narrative_subject_names", "general_budget", "2080501", None, None, None),
    }
    # findings 1 lists 18 differences within the envelope, all of them rounding notes of the catalogue; the 18th,
    # 年末 6,993.74 vs 年初 + 收入 − 支出 = 6,993.73, is fund_continuity's
    assert len(_notes(results)) == 18
    assert (
        "fund_continuity",
        "appropriation_summary",
        "expenditure.closing_balance",
        "general_budget",
    ) in _notes(results)


def test_parsed_and_gold_agree_on_tables(real_checked, real_reports):
    """The table rules say the same on the parsed PDF and on its gold (the parser loses nothing they need)."""
    for pdf, gold in real_reports:
        _report, results = real_checked[pdf.stem]
        from_gold = check_report(report_from_gold(read_gold_csv(gold)), runner="duckdb")
        assert _notes(from_gold) == _notes(results), pdf.stem


def test_gx_run_on_real_pdf_writes_data_docs(real_checked, tmp_path: Path):
    report, fast = real_checked["putuo-finance-2024"]
    run = run_checks(report, runner="gx", data_docs_dir=tmp_path / "docs")
    assert _fails(run.results) == _fails(fast)
    assert not [r for r in run.results if r.outcome == "execution_error"]
    assert run.data_docs_index is not None
    assert "juesuan_rules" in run.data_docs_index.read_text(encoding="utf-8")
