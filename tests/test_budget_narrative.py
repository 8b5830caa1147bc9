"""Budget prose vs budget tables (`budget_narrative_amounts`): the real budgets' own figures agree (their
arithmetic is the oracle), a factory budget's clean prose passes, and every misstated figure is caught where it is."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from expectations.catalogue import load_catalogue
from expectations.engine import check_report
from juesuan.budgets.factory import NARRATIVE_DEFECTS, budget_from_final, write_budget
from juesuan.parsing import parse_report
from juesuan.paths import shared_dir

RULE = "budget_narrative_amounts"

#: Real disagreements of a report with itself, as (file, words of the figure): shown, not hidden.
REAL_FINDINGS = {
    # “社会保障和就业支出”科目1,256万元 while its tables print 12,565,793 元 (1,256.58 万元, which rounds to 1,257;
    # the same paragraph rounds 5,257,920 元 to 526 万元): the prose truncated this one figure
    ("shanghai-justice-2026-budget.pdf", "社会保障和就业支出"),
}


def _rule():
    return [r for r in load_catalogue() if r.id == RULE]


@pytest.fixture(scope="module")
def real_results() -> dict[str, list]:
    shared = shared_dir() / "corpus"
    files = sorted((shared / "real-budgets").glob("*.pdf"))
    files += sorted((shared / "real" / "not-final-accounts").glob("budget-*.pdf"))
    out = {p.name: check_report(parse_report(p), _rule(), runner="duckdb") for p in files}
    print(f"\n{'file':45} {'compared':>8} {'pass':>5} {'rounding':>8} {'fail':>4}")
    for name, results in out.items():
        n = Counter(r.outcome for r in results)
        notes = sum(1 for r in results if r.within_rounding)
        compared = n["pass"] + n["fail"]
        print(f"{name:45} {compared:8} {n['pass']:5} {notes:8} {n['fail']:4}")
    return out


@pytest.mark.slow
def test_real_budgets_prose_agrees_with_tables(real_results: dict[str, list]) -> None:
    """Parses the 20 real budgets (~1,100 pages): ~15 s on 2 busy cores, the reason it is slow-marked."""
    findings = set()
    for name, results in real_results.items():
        assert not [r for r in results if r.outcome == "execution_error"], name
        for r in results:
            if r.outcome == "fail":
                found = next(((n, w) for n, w in REAL_FINDINGS if n == name and w in r.message), None)
                assert found, f"{name}: {r.message}"
                findings.add(found)
    assert findings == REAL_FINDINGS, "a real finding is no longer reported"
    compared = sum(1 for rs in real_results.values() for r in rs if r.outcome in ("pass", "fail"))
    assert compared >= 120, compared  # the prose of 16 budgets with tables restates their figures


@pytest.fixture(scope="module")
def final_spec():
    from juesuan.factory.generate import build_spec, plan_corpus

    return build_spec(plan_corpus(7, 1, 1, (2024,), ("central2024",), 0.0)[0], 7, None)[0]


@pytest.mark.parametrize("style", ["excel", "word"])
@pytest.mark.parametrize("defect", [None, *NARRATIVE_DEFECTS])
def test_factory_budget_prose(final_spec, tmp_path: Path, style: str, defect: str | None) -> None:
    spec = budget_from_final(final_spec, style=style)
    spec.narrative_defect = defect
    report = parse_report(tmp_path / str(write_budget(spec, tmp_path)["file"]))
    results = check_report(report, _rule(), runner="duckdb")
    fails = [r for r in results if r.outcome == "fail"]
    assert sum(r.outcome == "pass" for r in results) >= 14, [r.message for r in results]
    if defect is None or (defect == "general_budget_change" and style == "excel"):
        # the excel style prints no 上年预算数 beside the 一般公共预算 table: its change is not compared
        assert not fails, [r.message for r in fails]
        return
    assert len(fails) == 1, [r.message for r in fails]
    words = {
        "income_total": "收入预算",
        "general_budget": "一般公共预算拨款收入",
        "basic": "基本支出",
        "class": "科目",
        "three_public_total": "三公经费预算",
        "three_public_change": "三公经费预算 ",
        "general_budget_change": "一般公共预算拨款支出预算 decrease",
    }[defect]
    assert words in fails[0].message
    assert ("(change)" in fails[0].message) == defect.endswith("_change")


@pytest.mark.slow
def test_real_project_tables_by_economic_code_are_read() -> None:
    """广州 表7 (项目支出 by economic code) is read and checked; the project lists by name stay noted extras."""
    path = shared_dir() / "corpus" / "real-budgets" / "guangzhou-petition-2026-budget.pdf"
    report = parse_report(path)
    table = report.tables["project_economic"]
    assert table.status == "parsed" and table.pages == [14]
    cells = {(r.subject_code or r.line_item): c.value for r in table.rows for c in r.cells}
    assert cells["total"] == Decimal("739.30") and cells["30227"] == Decimal("442.20")
    results = check_report(report, runner="duckdb")
    ran = {r.rule_id for r in results if r.outcome == "pass"}
    assert {"budget_cross_general_budget_project", "budget_economic_class_sum"} <= ran
    notes = {p.table_kind: p.message for p in report.problems if p.code == "budget_extra_not_read"}
    assert set(notes) == {"project_expenditure", "basic_total"}
    assert "projects by name" in notes["project_expenditure"]


def test_factory_extras_by_code(final_spec, tmp_path: Path) -> None:
    """The factory prints both coded extras (项目支出 by economic code, 政府采购 by function code) with truth."""
    for style in ("excel", "word"):
        spec = budget_from_final(final_spec, style=style)
        report = parse_report(tmp_path / str(write_budget(spec, tmp_path)["file"]))
        for kind in ("project_economic", "procurement"):
            truth = {
                (r.subject_code or r.line_item, m): v
                for r in spec.tables[kind].rows
                for m, v in r.values.items()
            }
            got = {
                (r.subject_code or r.line_item, c.measure): c.value
                for r in report.tables[kind].rows
                for c in r.cells
            }
            assert got == truth and len(truth) >= 4, (style, kind)


@pytest.mark.slow
def test_real_procurement_tables_by_function_code_are_read() -> None:
    """烟台 公开表12 (政府采购预算表 by 类|款|项 with fund columns) is read; 西安's and 江苏's (by item) stay extras."""
    shared = shared_dir() / "corpus"
    report = parse_report(shared / "real-budgets" / "yantai-civil-affairs-2026-budget.pdf")
    table = report.tables["procurement"]
    assert table.status == "parsed" and table.pages == [28]
    total = next(r for r in table.rows if r.line_item == "total")
    assert {c.measure: c.value for c in total.cells} == {
        "total": Decimal("623.63"),
        "fiscal_appropriation": Decimal("623.63"),
        "general_budget": Decimal("49.75"),
        "gov_fund": Decimal("573.88"),
    }
    results = check_report(report, runner="duckdb")
    split = [r for r in results if r.rule_id == "budget_procurement_row_split"]
    assert split and all(r.outcome == "pass" for r in split)
    for path in (
        shared / "real-budgets" / "xian-statistics-2026-budget.pdf",
        shared / "real" / "not-final-accounts" / "budget-jiangsu-high-court-2019.pdf",
    ):
        other = parse_report(path)
        assert other.tables["procurement"].status == "absent"
        assert any(
            p.code == "budget_extra_not_read" and p.table_kind == "procurement" for p in other.problems
        )
