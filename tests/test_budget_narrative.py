"""Budget prose vs budget tables (`budget_narrative_amounts`) and the coded extras on factory budgets: a clean prose
passes, every misstated figure is caught where it is, the extras by code are read with truth. (The real budgets'
side of both is in tests/test_budgets.py, which parses them once.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.catalogue import load_catalogue
from expectations.engine import check_report
from juesuan.budgets.factory import NARRATIVE_DEFECTS, budget_from_final, write_budget
from juesuan.parsing import parse_report

RULE = "budget_narrative_amounts"


def _rule():
    return [r for r in load_catalogue() if r.id == RULE]


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
        "three_public_rate": "(rate, %)",
        "general_budget_change": "一般公共预算拨款支出预算 decrease",
    }[defect]
    assert words in fails[0].message
    assert ("(change)" in fails[0].message) == defect.endswith("_change")
    assert ("(rate, %)" in fails[0].message) == defect.endswith("_rate")


@pytest.mark.parametrize("defect", [None, "class", "three_public_total", "basic", "general_budget_change"])
@pytest.mark.parametrize(
    "layout",
    ["unit_blocks", "unit_blocks_department_block", "unit_blocks_total", "unit_codes", "crossed_economic"],
)
def test_laid_out_budget_prose(final_spec, tmp_path: Path, layout: str, defect: str | None) -> None:
    """A budget whose tables are printed per unit (or with two economic codes) states the department's figures in
    its prose as a clean one does, and they are compared: the 一般公共预算 total with the department's own row
    where no 合计 row is printed, a class with its department figure, the 三公 items with the department's row."""
    from juesuan.budgets.layouts import LAYOUTS

    spec = budget_from_final(final_spec, style="word")
    LAYOUTS[layout](spec, seed=7)
    spec.narrative_defect = defect
    report = parse_report(tmp_path / str(write_budget(spec, tmp_path)["file"]))
    results = check_report(report, _rule(), runner="duckdb")
    fails = [r for r in results if r.outcome == "fail"]
    passed = [r for r in results if r.outcome == "pass"]
    assert len(passed) >= 12, [r.message for r in results]
    assert any(r.table_kind == "general_budget" and r.line_item == "total" for r in passed), (
        "一般公共预算 total"
    )
    assert any(r.table_kind == "three_public" for r in passed), "三公"
    silent = (defect == "basic" and layout == "unit_codes") or (  # 西安's 支出总表 has no 基本 / 项目 column
        defect == "general_budget_change" and layout.startswith("unit_blocks")  # blocks print no 上年预算数
    )
    if defect is None or silent:
        assert not fails, [r.message for r in fails]
        return
    assert len(fails) == 1, [r.message for r in fails]
    assert {"class": "科目", "three_public_total": "三公经费预算", "basic": "基本支出"}.get(
        defect, "一般公共预算拨款支出预算 decrease"
    ) in fails[0].message


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
