"""Every rule proves it can fire: one small change to a known-good report makes it fail at the expected location,
and the unchanged report does not fail it.

The known-good reports are clean factory reports (one with a state-capital table, one with a government-fund table
and its prose), rendered and parsed once per session; each example mutates a deep copy of the parsed `Report` and
runs only the rule it is about (DuckDB pass), so the whole catalogue is exercised in seconds. A rule added to the
catalogue without an example here fails `test_every_rule_has_an_example`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from expectations import check_report, load_catalogue
from juesuan.model import Cell, NarrativeFact, ProseParagraph, Report, Row

D = Decimal
BUMP = D("1000000.00")  # 100 万元: far beyond any rounding envelope


@pytest.fixture(scope="session")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Two clean factory reports, parsed: `sc` prints a state-capital table, `gf` a government-fund table."""
    from juesuan.factory import generate_corpus
    from juesuan.parsing import parse_report

    out = tmp_path_factory.mktemp("rule_examples")
    generate_corpus(out, regions=4, departments_per_region=3, years=(2024,), defect_rate=0.0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    def printed(entry: dict, kind: str) -> bool:
        text = (out / entry["truth_file"]).read_text(encoding="utf-8")
        return any(
            line.startswith(f"{kind},") and not line.endswith(",0.00") for line in text.splitlines()[1:]
        )

    picked: dict[str, Report] = {}
    for name, kind in (("sc", "state_capital"), ("gf", "gov_fund")):
        entry = next(e for e in manifest if printed(e, kind) and e["template"] != "shanghai2024")
        picked[name] = parse_report(out / entry["file"])
    # `bud`: a clean factory budget (部门预算, Word style: 上年预算数 / 增减 beside 本年预算数) for the budget rules
    from juesuan.budgets.factory import budget_from_final, write_budget
    from juesuan.factory.generate import build_spec, plan_corpus

    plan = plan_corpus(7, 1, 1, (2024,), ("central2024",), 0.0)[0]
    budget = write_budget(budget_from_final(build_spec(plan, 7, None)[0], style="word"), out)
    picked["bud"] = parse_report(out / str(budget["file"]))
    assert picked["bud"].kind == "budget"
    # `bud_x`: the same budget in 西安's layouts (three-panel summary, per-unit tables, 基本支出 by function code)
    from juesuan.budgets.layouts import multi_panel_summary, unit_codes

    spec = budget_from_final(build_spec(plan, 7, None)[0], style="word")
    spec.doc_id += "-x"
    multi_panel_summary(spec, seed=7)
    unit_codes(spec, seed=7)
    picked["bud_x"] = parse_report(out / str(write_budget(spec, out)["file"]))
    # `bud_j`: 江苏 2019's layouts (summary with a 支出用途 panel, 收入 as a tree of funds, one-row 支出预算总表;
    # 财政拨款 tables by code, 机关运行经费, one-row 三公 in white-padded cells)
    from juesuan.budgets.layouts import (
        appropriation_with_use,
        fund_tree,
        padded_cells,
        panels_with_use,
        single_row_totals,
    )

    spec = budget_from_final(build_spec(plan, 7, None)[0], style="word")
    spec.doc_id += "-j"
    for layout in (panels_with_use, fund_tree, single_row_totals, appropriation_with_use, padded_cells):
        layout(spec, seed=7)
    picked["bud_j"] = parse_report(out / str(write_budget(spec, out)["file"]))
    return picked


# ---- mutations -----------------------------------------------------------------------------------------


def _row(report: Report, kind: str, key: str | None = None, level: int | None = None) -> Row:
    for row in report.tables[kind].rows:
        if key == "" or (key is not None and key in (row.subject_code, row.line_item)):
            return row
        leaf = key is None and level is not None and row.subject_code and len(row.subject_code) == level
        if leaf and any(c.amount_yuan for c in row.cells):
            return row
    raise AssertionError(f"no row {key or level} in {kind}")


def bump(kind: str, key: str | None = None, measure: str | None = None, level: int | None = None):
    """Add 100 万元 to one printed cell (the row's first measure unless named)."""

    def apply(report: Report) -> tuple[str, str]:
        row = _row(report, kind, key, level)
        cell = next(c for c in row.cells if measure is None or c.measure == measure)
        cell.amount_yuan += BUMP
        return kind, row.subject_code or row.line_item or ""

    return apply


def fact_where(report: Report, pred: Callable[[NarrativeFact], bool]) -> NarrativeFact:
    return next(f for f in report.narrative if pred(f))


def wrong_amount(report: Report) -> tuple[str, str]:
    f = fact_where(report, lambda f: f.label == "人员经费" and f.kind == "amount")
    f.value += 100
    return "basic_expenditure", "personnel_total"


def wrong_share(report: Report) -> tuple[str, str]:
    f = fact_where(report, lambda f: f.kind == "percent" and f.label == "人员经费")
    f.value += 5
    return "narrative", ""


def growth_elsewhere(report: Report) -> tuple[str, str]:
    """自评-style: 一般公共预算财政拨款支出 X 万元，较上年增长了 R% — the change stated in 情况说明 — and R wrong."""
    label = "一般公共预算财政拨款支出"
    change = fact_where(report, lambda f: f.label == label and f.kind == "amount" and f.change)
    level = fact_where(report, lambda f: f.label == label and f.kind == "amount" and not f.change)
    verb = "增长" if change.change == "increase" else "下降"
    sentence = f"本年度一般公共预算财政拨款支出 {level.text} 万元，较上年{verb}了 0.01%。"
    for value, text, kind, unit in (
        (level.value, level.text, "amount", "万元"),
        (D("0.01"), "0.01%", "percent", "%"),
    ):
        report.narrative.append(
            NarrativeFact(
                kind=kind,  # type: ignore[arg-type]
                value=value,
                text=text,
                sentence=sentence,
                unit=unit,
                label=label,
                section="performance",
                change=change.change if kind == "percent" else None,
            )
        )
    return "narrative", ""


def wrong_subject_name(report: Report) -> tuple[str, str]:
    f = fact_where(
        report, lambda f: f.subject is not None and f.kind == "amount" and "决算" in (f.label or "")
    )
    cls, kuan, xiang = f.subject.split("|")
    for g in report.narrative:
        if g.sentence == f.sentence:
            g.subject = f"{cls}|{kuan}|另一名称{xiang}"
    return "general_budget", ""


def three_public_item_off(report: Report) -> tuple[str, str]:
    """公务接待费 stated 10 万元 above what the 三公 total it is a part of allows."""
    f = fact_where(report, lambda f: (f.label or "").startswith("公务接待费") and f.kind == "amount")
    f.value += 10
    return "narrative", "three_public"


def sme_beyond_procurement(report: Report) -> tuple[str, str]:
    """授予中小企业合同金额 stated 100 万元 above the 政府采购 total stated before it."""
    total = fact_where(report, lambda f: f.label == "政府采购支出总额" and f.kind == "amount")
    sme = fact_where(report, lambda f: f.label == "授予中小企业合同金额" and f.kind == "amount")
    sme.value = total.value + 100
    return "narrative", "sme"


def placeholder_left(report: Report) -> tuple[str, str]:
    para = next(p for p in report.paragraphs if not p.is_heading and p.section == "explanation")
    para.text = para.text.replace("主要", "XX主要", 1) if "主要" in para.text else para.text + "XX"
    return "document", "placeholder"


def last_years_title(report: Report) -> tuple[str, str]:
    report.tables["summary"].title = f"{(report.year or 2024) - 1}年度收入支出决算总表"
    return "document", "year"


def says_none_but_printed(report: Report) -> tuple[str, str]:
    report.paragraphs.append(
        ProseParagraph(
            text="本部门本年度没有使用国有资本经营预算财政拨款安排的支出。",
            page=20,
            section="explanation",
            heading="九、国有资本经营预算财政拨款支出决算情况说明",
        )
    )
    return "state_capital", "said_none"


def wrong_direction(report: Report) -> tuple[str, str]:
    """比上年决算数 P 万元增加 D 万元 — the word turned round (减少) while this year's figure is above P."""
    sentence = next(f.sentence for f in report.narrative if "比上年决算数" in f.sentence)
    for f in report.narrative:
        if f.sentence == sentence and f.change:
            f.change = "decrease" if f.change == "increase" else "increase"
    return "narrative", "direction"


def orphan_code(report: Report) -> tuple[str, str]:
    report.tables["general_budget"].rows.append(
        Row(
            label="孤立科目",
            subject_code="2999901",
            cells=[Cell(measure="total", text="0.00", value=D(0), amount_yuan=D(0))],
        )
    )
    return "general_budget", "2999901"


def repeat_row(report: Report) -> tuple[str, str]:
    row = _row(report, "general_budget", level=3)
    report.tables["general_budget"].repeated_rows.append(copy.deepcopy(row))
    return "general_budget", row.subject_code or ""


def rename(report: Report) -> tuple[str, str]:
    row = _row(report, "income", level=5)
    row.label = "改写的名称"
    return "income", row.subject_code or ""


def drop_table(report: Report) -> tuple[str, str]:
    del report.tables["three_public"]
    return "three_public", ""


def fill_empty_fund(report: Report) -> tuple[str, str]:
    """The state-capital table prints amounts the appropriation summary's column does not have."""
    for row in report.tables["appropriation_summary"].rows:
        for c in row.cells:
            if c.measure == "state_capital" or (row.line_item or "").endswith("state_capital"):
                c.amount_yuan = D(0)
    return "state_capital", ""


def reception_beyond_three_public(report: Report) -> tuple[str, str]:
    row = _row(report, "basic_expenditure", "30217")
    row.cells[0].amount_yuan += BUMP
    return "three_public", ""


@dataclass(frozen=True)
class Example:
    base: str  # "sc" or "gf"
    mutate: Callable[[Report], tuple[str, str]]
    at_code: bool = True  # the finding names the mutated row's code / line (else only its table)
    at: tuple[str, str] | None = None  # where the finding is reported when not at the mutated cell
    outcome: str = "fail"


def bump_unit(report: Report) -> tuple[str, str]:
    """Add 100 万元 to the first budget unit's row of a per-unit 收入总表."""
    row = next(r for r in report.tables["income"].rows if (r.line_item or "").startswith("unit:"))
    row.cells[0].amount_yuan += BUMP
    return "income", row.line_item or ""


def budget_prose_off(report: Report) -> tuple[str, str]:
    """The 预算情况说明 says the “三公” budget changed by 1 万元 more than the 三公 table's 本年 − 上年."""
    f = fact_where(report, lambda f: f.kind == "amount" and f.change and "三公" in (f.label or ""))
    f.value += 1
    return "three_public", ""


#: Budget (部门预算) rules, on the factory budget `bud`.
BUDGET_EXAMPLES: dict[str, Example] = {
    "budget_summary_balance": Example(
        "bud", bump("summary", "income.grand_total", "amount"), at=("summary", "expenditure.grand_total")
    ),
    "budget_cross_expenditure_total": Example("bud", bump("summary", "expenditure.total", "amount")),
    "budget_total_equals_sum_of_classes": Example("bud", bump("general_budget", "total", "total")),
    "budget_class_equals_sum_of_kuan": Example("bud", bump("general_budget", level=3, measure="total")),
    "budget_kuan_equals_sum_of_xiang": Example("bud", bump("general_budget", level=5, measure="total")),
    "budget_economic_total_sum": Example("bud", bump("basic_expenditure", "total", "total")),
    "budget_economic_class_sum": Example("bud", bump("basic_expenditure", level=3, measure="total")),
    "budget_row_split": Example("bud", bump("general_budget", level=7, measure="total")),
    "budget_basic_split": Example("bud", bump("basic_expenditure", level=5, measure="total")),
    "budget_three_public_sums": Example("bud", bump("three_public", "", "budget.total"), False),
    "budget_cross_general_budget_basic": Example("bud", bump("general_budget", "total", "basic")),
    "budget_unit_sum": Example("bud", bump_unit, at=("income", "total")),
    "budget_narrative_amounts": Example("bud", budget_prose_off),
    "budget_procurement_row_split": Example("bud", bump("procurement", "total", "total")),
    "budget_prior_plus_change": Example("bud", bump("general_budget", "total", "change.total")),
    "budget_cross_general_budget_project": Example(
        "bud", bump("project_economic", "total", "total"), at=("general_budget", "total")
    ),
    "budget_cross_basic_function": Example("bud_x", bump("basic_function", level=7, measure="total")),
    "budget_summary_panels": Example("bud_x", bump("summary", "expenditure.economic.basic", "amount")),
    "budget_admin_operation_within_basic": Example(
        "bud_j", bump("admin_operation", level=5, measure="total")
    ),
    "budget_summary_use_split": Example(
        "bud_j", bump("summary", "expenditure.reserve", "amount"), at=("summary", "expenditure.total")
    ),
    "budget_summary_classes": Example("bud", bump("summary", level=3), at=("summary", "expenditure.total")),
    "budget_income_fund_tree": Example("bud_j", bump("income", "total", "general_budget.appropriation")),
    "budget_cross_appropriation_by_fund": Example(
        "bud_j", bump("appropriation_expenditure", level=7, measure="total")
    ),
    "budget_cross_appropriation_basic": Example(
        "bud_j", bump("appropriation_basic", level=5, measure="total")
    ),
    "budget_cross_appropriation_summary_totals": Example(
        "bud_j",
        bump("appropriation_expenditure", "total", "total"),
        at=("appropriation_summary", "expenditure.total"),
    ),
    "budget_appropriation_balance": Example(
        "bud",
        bump("appropriation_summary", "income.grand_total", "amount"),
        at=("appropriation_summary", "expenditure.grand_total"),
    ),
    "budget_appropriation_row_sum": Example("bud", bump("appropriation_summary", level=3, measure="total")),
    "budget_cross_appropriation_summary_funds": Example(
        "bud", bump("appropriation_summary", level=3, measure="general_budget")
    ),
}

#: Final-account rules (and a second example for some budget rules), on the factory reports above.
EXAMPLES: dict[str, Example] = {
    "appropriation_balance": Example(
        "sc",
        bump("appropriation_summary", "income.grand_total"),
        at=("appropriation_summary", "expenditure.grand_total"),
    ),
    "appropriation_expenditure_side": Example(
        "sc", bump("appropriation_summary", "expenditure.grand_total", "total")
    ),
    "appropriation_income_side": Example("sc", bump("appropriation_summary", "income.general_budget"), False),
    "appropriation_row_sum": Example("sc", bump("appropriation_summary", "expenditure.total", "total")),
    "basic_class_sum": Example("sc", bump("basic_expenditure", "301")),
    # budgets (部门预算): the rules scoped to document_kind budget, on the factory's budget
    "budget_basic_split": Example("bud", bump("basic_expenditure", "total", "personnel"), False),
    "budget_class_equals_sum_of_kuan": Example("bud", bump("general_budget", level=3, measure="total")),
    "budget_cross_expenditure_total": Example(
        "bud", bump("expenditure", "total", "total"), at=("summary", "expenditure.total")
    ),
    "budget_cross_general_budget_basic": Example("bud", bump("general_budget", "total", "basic"), False),
    "budget_economic_class_sum": Example("bud", bump("basic_expenditure", "301", "total")),
    "budget_economic_total_sum": Example("bud", bump("basic_expenditure", "total", "total"), False),
    "budget_kuan_equals_sum_of_xiang": Example("bud", bump("general_budget", level=5, measure="total")),
    "budget_row_split": Example("bud", bump("general_budget", level=7, measure="total")),
    "budget_summary_balance": Example("bud", bump("summary", "income.grand_total"), False),
    "budget_three_public_sums": Example("bud", bump("three_public", "", "budget.total"), False),
    "budget_total_equals_sum_of_classes": Example("bud", bump("general_budget", "total", "total")),
    "budget_unit_sum": Example("bud", bump("income", "total", "total"), False),
    "basic_personnel_total": Example("sc", bump("basic_expenditure", "personnel_total")),
    "basic_public_total": Example("sc", bump("basic_expenditure", "public_total")),
    "class_equals_sum_of_kuan": Example("sc", bump("general_budget", level=3, measure="total")),
    "code_hierarchy": Example("sc", orphan_code),
    "cross_appropriation_general_budget": Example(
        "sc", bump("appropriation_summary", level=3, measure="general_budget")
    ),
    "cross_general_budget_basic_split": Example("sc", bump("general_budget", "total", "basic"), False),
    "cross_gov_fund_appropriation": Example("gf", bump("gov_fund", "total", "total"), False),
    "cross_state_capital_appropriation": Example("sc", bump("state_capital", "total", "total"), False),
    "cross_summary_classes": Example("sc", bump("summary", level=3)),
    "cross_summary_expenditure_total": Example(
        "sc", bump("expenditure", "total", "total"), at=("summary", "expenditure.total")
    ),
    "cross_summary_income_lines": Example("sc", bump("summary", "income.general_budget"), False),
    "cross_summary_income_total": Example(
        "sc", bump("income", "total", "total"), at=("summary", "income.total")
    ),
    "document_identity": Example("sc", last_years_title),
    "duplicated_rows": Example("sc", repeat_row),
    "expenditure_row_sum": Example("sc", bump("expenditure", level=7, measure="total")),
    "fund_continuity": Example(
        "sc",
        bump("appropriation_summary", "expenditure.closing_balance", "general_budget"),
        at=("appropriation_summary", "expenditure.closing_balance"),
    ),
    "fund_tables_emptiness": Example("sc", fill_empty_fund),
    "general_budget_row_sum": Example("sc", bump("general_budget", level=7, measure="total")),
    "gov_fund_row_sum": Example("gf", bump("gov_fund", level=7, measure="total")),
    "income_row_sum": Example("sc", bump("income", level=7, measure="total")),
    "kuan_equals_sum_of_xiang": Example("sc", bump("general_budget", level=5, measure="total")),
    "naming_consistency": Example("sc", rename),
    "narrative_amounts": Example("sc", wrong_amount),
    "narrative_growth_stated_elsewhere": Example("sc", growth_elsewhere),
    "narrative_empty_tables": Example("sc", says_none_but_printed),
    "narrative_list_sums": Example("sc", three_public_item_off),
    "narrative_parts_within_whole": Example("sc", sme_beyond_procurement),
    "narrative_percentages": Example("sc", wrong_share),
    "narrative_subject_names": Example("sc", wrong_subject_name, False),
    "narrative_wording": Example("sc", wrong_direction),
    # a required table missing from a parsed document is the parser's failure to find it, never the report's
    "required_tables": Example("sc", drop_table, outcome="parse_error"),
    "state_capital_row_sum": Example("sc", bump("state_capital", level=7, measure="total")),
    "summary_balance": Example(
        "sc", bump("summary", "income.grand_total"), at=("summary", "expenditure.grand_total")
    ),
    "summary_expenditure_grand_total": Example("sc", bump("summary", "expenditure.grand_total")),
    "summary_expenditure_total": Example("sc", bump("summary", "expenditure.total")),
    "summary_income_grand_total": Example("sc", bump("summary", "income.grand_total")),
    "summary_income_total": Example("sc", bump("summary", "income.total")),
    "template_residue": Example("sc", placeholder_left),
    "three_public_inclusion": Example("sc", reception_beyond_three_public, False),
    "three_public_sums": Example("sc", bump("three_public", "", "actual.total"), False),
    "total_equals_sum_of_classes": Example("sc", bump("general_budget", "total", "total")),
}


def _fails(report: Report, rule_id: str, outcome: str = "fail") -> list:
    [rule] = [r for r in load_catalogue() if r.id == rule_id]
    results = check_report(report, rules=[rule], runner="duckdb")
    unresolved = {"execution_error", "parse_error", "insufficient_data"} - {outcome}
    assert not [r for r in results if r.outcome in unresolved], results
    return [r for r in results if r.outcome == outcome]


def rule_severity(rule_id: str) -> str:
    return next(r.severity for r in load_catalogue() if r.id == rule_id)


#: Every example, each under its own test id: a rule with an example in both lists runs both (a dict merge
#: would keep one and drop the other unseen).
CASES: dict[str, tuple[str, Example]] = {
    **{f"{rule_id}[budget]": (rule_id, ex) for rule_id, ex in BUDGET_EXAMPLES.items()},
    **{rule_id: (rule_id, ex) for rule_id, ex in EXAMPLES.items()},
}


def test_every_rule_has_an_example():
    assert set(EXAMPLES) | set(BUDGET_EXAMPLES) == {r.id for r in load_catalogue()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires_on_its_example_and_not_on_the_good_report(good: dict[str, Report], case: str):
    rule_id, example = CASES[case]
    base = good[example.base]
    assert not _fails(base, rule_id, example.outcome), f"{rule_id} fails on the known-good report"
    report = copy.deepcopy(base)
    table, key = example.mutate(report)
    fails = _fails(report, rule_id, example.outcome)
    assert fails, f"{rule_id} did not fire on its example"
    assert {r.severity for r in fails} == {
        "error" if example.outcome == "parse_error" else rule_severity(rule_id)
    }
    where = {(r.table_kind or "", r.subject_code or r.line_item or "") for r in fails}
    if example.at is not None:
        assert example.at in where, (rule_id, where)
    elif example.at_code:
        assert (table, key) in where, (rule_id, where)
    else:
        assert table in {t for t, _ in where}, (rule_id, where)
