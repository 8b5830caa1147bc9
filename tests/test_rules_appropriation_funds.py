"""财政拨款 = 一般公共预算 + 政府性基金 + 国有资本经营 by code (budget_cross_appropriation_by_fund) and the
财政拨款基本支出 = 一般公共预算基本支出 + the funds' basic expenditure (budget_cross_appropriation_basic): when a fund
counts 0, when it counts its printed rows, and when the rule cannot say (not evaluated, never a failure); and the
财政拨款收支总表 by fund column (budget_appropriation_row_sum, budget_cross_appropriation_summary_funds).

Small budgets built by hand in 万元 (江苏 2019's 财政拨款 tables), checked by the DuckDB pass alone: milliseconds.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from expectations import check_report, load_catalogue
from juesuan.model import Cell, Column, Report, Row, RuleResult, Table

D = Decimal
BY_FUND = "budget_cross_appropriation_by_fund"
BASIC = "budget_cross_appropriation_basic"

#: 一般公共预算支出表 (万元): code -> (合计, 基本支出, 项目支出)
GENERAL = {
    None: ("27488.23", "17279.29", "10208.94"),
    "204": ("27488.23", "17279.29", "10208.94"),
    "20405": ("27488.23", "17279.29", "10208.94"),
    "2040501": ("17279.29", "17279.29", ""),
    "2040502": ("10208.94", "", "10208.94"),
}
#: 政府性基金预算支出表 with money: 229 其他支出 / 22960 彩票公益金安排的支出 / 2296002 用于社会福利的彩票公益金支出
FUND = {
    None: ("120.50", "20.50", "100.00"),
    "229": ("120.50", "20.50", "100.00"),
    "22960": ("120.50", "20.50", "100.00"),
    "2296002": ("120.50", "20.50", "100.00"),
}
#: 一般公共预算基本支出表 (经济分类): code -> 合计
BASIC_ECONOMIC = {
    None: "17279.29",
    "301": "15000.00",
    "30101": "15000.00",
    "302": "2279.29",
    "30201": "2279.29",
}


def _cell(measure: str, text: str) -> Cell:
    value = D(text)
    return Cell(measure=measure, text=text, value=value, amount_yuan=value * 10000)


def _row(code: str | None, cells: list[Cell]) -> Row:
    return Row(label="合计" if code is None else f"科目{code}", subject_code=code,
               line_item="total" if code is None else None, cells=cells)  # fmt: skip


def _function_table(kind: str, rows: dict) -> Table:
    table = Table(kind=kind, title=kind)
    for code, amounts in rows.items():
        cells = [_cell(m, a) for m, a in zip(("total", "basic", "project"), amounts, strict=True) if a]
        table.rows.append(_row(code, cells))
    return table


def _add(a: dict, b: dict) -> dict:
    """Row-wise sum of two function tables' amounts (blank where both are blank)."""
    out = {}
    for code in {**a, **b}:
        pa, pb = a.get(code, ("", "", "")), b.get(code, ("", "", ""))
        out[code] = tuple(
            "" if not x and not y else str(D(x or 0) + D(y or 0)) for x, y in zip(pa, pb, strict=True)
        )
    return out


def _summary(**income: str) -> Table:
    """财政拨款收支总表's income side: 一、一般公共预算 … (a fund listed with "" is printed blank)."""
    table = Table(kind="appropriation_summary", title="财政拨款收支预算总表")
    for fund, text in income.items():
        table.rows.append(
            Row(label=fund, line_item=f"income.{fund}", cells=[_cell("amount", text)] if text else [])
        )
    return table


def budget(
    fund: dict | None = None, state_capital: str = "empty", summary: Table | None = None, gov_fund: str = ""
) -> Report:
    """A 江苏-style budget whose 财政拨款 tables are right: 财政拨款 = 一般公共预算 (+ `fund` as 政府性基金).

    `gov_fund` overrides the 政府性基金 table's status ("" → parsed with `fund`, else empty); `state_capital` is
    the 国有资本经营 table's status ("absent": not in the document)."""
    report = Report(department="某部门", year=2019, kind="budget")
    appropriation = _add(GENERAL, fund or {})
    tables = [
        _function_table("general_budget", GENERAL),
        _function_table("appropriation_expenditure", appropriation),
    ]
    gf = _function_table("gov_fund", fund or {})
    gf.status = gov_fund or ("parsed" if fund else "empty")  # type: ignore[assignment]
    tables.append(gf)
    if state_capital != "absent":
        tables.append(Table(kind="state_capital", status=state_capital, note="本部门无国有资本经营预算拨款，故本表无数据"))  # type: ignore[arg-type]  # fmt: skip
    fund_basic = D((fund or {}).get(None, ("", "0", ""))[1] or 0)
    for kind, extra in (("basic_expenditure", D(0)), ("appropriation_basic", fund_basic)):
        t = Table(kind=kind, title=kind)
        for code, text in BASIC_ECONOMIC.items():
            t.rows.append(_row(code, [_cell("total", str(D(text) + (extra if code is None else 0)))]))
        tables.append(t)
    if summary is not None:
        tables.append(summary)
    report.tables = {t.kind: t for t in tables}
    return report


def results(report: Report, rule_id: str) -> list[RuleResult]:
    [rule] = [r for r in load_catalogue() if r.id == rule_id]
    return check_report(report, rules=[rule], runner="duckdb")


def outcomes(report: Report, rule_id: str) -> set[str]:
    return {r.outcome for r in results(report, rule_id)}


def fails(report: Report, rule_id: str) -> set[tuple[str | None, str | None, str | None]]:
    return {(r.subject_code, r.line_item, r.measure) for r in results(report, rule_id) if r.outcome == "fail"}


def _bump(report: Report, kind: str, code: str | None, measure: str, by: str = "1.00") -> None:
    row = next(r for r in report.tables[kind].rows if r.subject_code == code)
    cell = row.cell(measure)
    assert cell is not None
    cell.amount_yuan += D(by) * 10000


def test_empty_funds_make_appropriation_equal_the_general_budget_code_by_code():
    report = budget()
    res = results(report, BY_FUND)
    assert {r.outcome for r in res} == {"pass"}
    # every code and the 合计, for 合计 / 基本支出 / 项目支出 where printed
    assert {(r.subject_code, r.measure) for r in res} >= {
        (None, "total"),
        ("2040502", "project"),
        ("204", "basic"),
    }
    _bump(report, "appropriation_expenditure", "2040502", "project")
    assert fails(report, BY_FUND) == {("2040502", None, "project")}


def test_a_fund_with_money_is_added_code_by_code():
    report = budget(fund=FUND)
    res = results(report, BY_FUND)
    assert {r.outcome for r in res} == {"pass"}
    total = next(r for r in res if r.line_item == "total" and r.measure == "total")
    assert total.actual == total.expected == D("27608.73") * 10000
    # the 财政拨款 table leaves out the fund's project: its codes and the 合计 fail, the 一般公共预算 codes do not
    for code in (None, "229", "22960", "2296002"):
        _bump(report, "appropriation_expenditure", code, "project", "-100.00")
        _bump(report, "appropriation_expenditure", code, "total", "-100.00")
    bad = fails(report, BY_FUND)
    assert bad == {(c, li, m) for c, li in ((None, "total"), ("229", None), ("22960", None), ("2296002", None))
                   for m in ("total", "project")}  # fmt: skip


def test_a_code_missing_from_a_printed_table_counts_zero():
    report = budget(fund=FUND)
    table = report.tables["appropriation_expenditure"]
    table.rows = [r for r in table.rows if r.subject_code != "2296002"]
    assert ("2296002", None, "total") in fails(report, BY_FUND)


def test_an_absent_state_capital_table_needs_the_summary_to_say_it_is_no_fund_source():
    # 江苏 2019: no 国有资本经营 table; its 财政拨款收支总表 lists 一般公共预算 and 政府性基金 (blank) only
    listed = budget(state_capital="absent", summary=_summary(general_budget="27488.23", gov_fund=""))
    assert outcomes(listed, BY_FUND) == {"pass"}
    assert outcomes(listed, BASIC) == {"pass"}
    _bump(listed, "appropriation_expenditure", "204", "total")
    assert fails(listed, BY_FUND) == {("204", None, "total")}
    # no summary: the state capital money is unknown, nothing is compared (and nothing fails)
    unknown = budget(state_capital="absent")
    _bump(unknown, "appropriation_expenditure", "204", "total")
    assert outcomes(unknown, BY_FUND) == {"not_applicable"}
    assert outcomes(unknown, BASIC) == {"not_applicable"}
    # the summary gives 国有资本经营 money but no table prints it by code: not evaluated either
    funded = budget(
        state_capital="absent", summary=_summary(general_budget="27488.23", state_capital="50.00")
    )
    _bump(funded, "appropriation_expenditure", "204", "total")
    assert outcomes(funded, BY_FUND) == {"not_applicable"}


def test_an_unreadable_fund_table_is_a_parse_error_never_the_reports_failure():
    report = budget(fund=FUND, gov_fund="parse_error")
    for table in ("appropriation_expenditure",):
        _bump(report, table, "2040501", "total")
    for rule_id in (BY_FUND, BASIC):
        res = results(report, rule_id)
        assert "fail" not in {r.outcome for r in res}
        assert [(r.outcome, r.severity, r.table_kind) for r in res if r.outcome == "parse_error"] == [
            ("parse_error", "error", "gov_fund")
        ]


def test_a_fund_printed_without_the_measure_leaves_that_measure_unevaluated():
    fund_total_only = {code: (amounts[0], "", "") for code, amounts in FUND.items()}
    report = budget(fund=fund_total_only)
    res = results(report, BY_FUND)
    assert {r.measure for r in res} == {"total"}
    assert {r.outcome for r in res} == {"pass"}
    assert outcomes(report, BASIC) == {"not_applicable"}  # the fund's 基本支出 is unknown


def test_a_fund_column_printed_blank_in_every_row_counts_zero():
    """政府性基金 with 项目支出 only: its 基本支出 column is printed, blank in every row (no cell): 0, not unknown."""
    project_only = {code: (amounts[2], "", amounts[2]) for code, amounts in FUND.items()}
    report = budget(fund=project_only)
    report.tables["gov_fund"].columns = [Column(m, h) for m, h in (("total", "合计"), ("basic", "基本支出"), ("project", "项目支出"))]  # fmt: skip
    res = results(report, BY_FUND)
    assert {r.measure for r in res} == {"total", "basic", "project"}
    assert {r.outcome for r in res} == {"pass"}
    # no fund basic expenditure: the economic codes are compared one by one
    assert {r.subject_code for r in results(report, BASIC)} == set(BASIC_ECONOMIC)


def test_basic_by_economic_code_with_and_without_fund_basic_expenditure():
    # no fund money: every economic code is compared
    plain = budget()
    res = results(plain, BASIC)
    assert {r.outcome for r in res} == {"pass"}
    assert {r.subject_code for r in res} == set(BASIC_ECONOMIC)
    _bump(plain, "appropriation_basic", "30201", "total")
    assert fails(plain, BASIC) == {("30201", None, "total")}
    # 政府性基金 basic expenditure 20.50 万元 (not printed by economic code): only the 合计 is compared, with it
    funded = budget(fund=FUND)
    res = results(funded, BASIC)
    assert [(r.line_item, r.outcome, r.actual) for r in res] == [("total", "pass", D("17299.79") * 10000)]
    _bump(funded, "appropriation_basic", None, "total", "-20.50")  # 财政拨款基本支出 without the fund's
    assert fails(funded, BASIC) == {(None, "total", "total")}


@pytest.mark.parametrize("off, outcome", [("0.01", "pass"), ("0.02", "fail")])
def test_rounding_envelope_of_the_sum(off: str, outcome: str):
    """The 合计 adds two printed 万元 terms (一般公共预算 + 政府性基金): the printed 财政拨款 may miss their sum by
    (2 + 1) × 0.005 万元, a rounding note, never more."""
    report = budget(fund=FUND)
    _bump(report, "appropriation_expenditure", None, "total", off)
    [res] = [r for r in results(report, BY_FUND) if r.line_item == "total" and r.measure == "total"]
    assert (res.outcome, res.within_rounding, res.tolerance) == (outcome, outcome == "pass", D("150.000"))


def test_great_expectations_judges_the_same_rows_in_one_batch():
    """The catalogue's runner (GX) finds exactly the DuckDB pass's failures, the reports checked as one batch."""
    from expectations.engine import run_checks_batch

    wrong = budget(fund=FUND)
    _bump(wrong, "appropriation_expenditure", "22960", "total")
    _bump(wrong, "appropriation_basic", None, "total")
    reports = [
        wrong,
        budget(state_capital="absent", summary=_summary(general_budget="27488.23", gov_fund="")),
        budget(fund=FUND, gov_fund="parse_error"),
        budget(fund=FUND, summary=_fund_summary()),
    ]
    _bump(reports[-1], "appropriation_summary", "229", "gov_fund")
    rules = [r for r in load_catalogue() if r.id in (BY_FUND, BASIC, ROW_SUM, SUMMARY_FUNDS, TOTALS, BALANCE)]
    gx = run_checks_batch(reports, rules=rules, runner="gx")
    duck = run_checks_batch(reports, rules=rules, runner="duckdb")
    for g, d in zip(gx, duck, strict=True):
        assert "execution_error" not in {r.outcome for r in g.results}, g.results
        assert sorted(map(repr, g.results)) == sorted(map(repr, d.results))
    assert {(r.rule_id, r.subject_code, r.line_item) for r in gx[0].results if r.outcome == "fail"} == {
        (BY_FUND, "22960", None),
        (BASIC, None, "total"),
    }
    assert {(r.rule_id, r.subject_code) for r in gx[3].results if r.outcome == "fail"} == {
        (ROW_SUM, "229"),
        (SUMMARY_FUNDS, "229"),
    }


# ---- the 财政拨款收支总表 by fund column (烟台, 上海) ---------------------------------------------------------

ROW_SUM = "budget_appropriation_row_sum"
SUMMARY_FUNDS = "budget_cross_appropriation_summary_funds"


def _fund_summary(total: str = "amount") -> Table:
    """烟台-style 财政拨款收支总表: 支出预算数 总计 | 一般公共预算 | 政府性基金预算 | 国有资本经营预算 (国有资本经营
    blank in every row), the 一般公共预算 of GENERAL and the 政府性基金 of FUND."""
    table = _summary(general_budget="27488.23", gov_fund="120.50", state_capital="")
    table.columns = [Column(m, h) for m, h in ((total, "总计"), ("general_budget", "一般公共预算"), ("gov_fund", "政府性基金预算"), ("state_capital", "国有资本经营预算"))]  # fmt: skip
    for code, label, gb, gf in (
        ("204", "公共安全支出", "27488.23", ""),
        ("229", "其他支出", "", "120.50"),
        (None, "本年支出合计", "27488.23", "120.50"),
    ):
        cells = [_cell(total, str(D(gb or 0) + D(gf or 0)))]
        cells += [_cell(m, v) for m, v in (("general_budget", gb), ("gov_fund", gf)) if v]
        table.rows.append(
            Row(label=label, subject_code=code, line_item=None if code else "expenditure.total", cells=cells)
        )
    return table


def test_summary_lines_add_up_across_fund_columns():
    report = budget(fund=FUND, summary=_fund_summary())
    res = results(report, ROW_SUM)
    assert {(r.subject_code or r.line_item, r.outcome) for r in res} == {
        ("204", "pass"),
        ("229", "pass"),
        ("expenditure.total", "pass"),
    }
    _bump(report, "appropriation_summary", "229", "gov_fund")
    assert fails(report, ROW_SUM) == {("229", None, "amount")}
    # a summary printing one 预算数 column (no fund columns) is not evaluated
    plain = budget(summary=_summary(general_budget="27488.23"))
    assert outcomes(plain, ROW_SUM) == {"not_applicable"}


def test_summary_fund_columns_equal_the_fund_tables_class_by_class():
    report = budget(fund=FUND, summary=_fund_summary("total"))
    res = results(report, SUMMARY_FUNDS)
    assert {(r.measure, r.subject_code or r.line_item) for r in res} == {
        ("general_budget", "204"),
        ("general_budget", "expenditure.total"),
        ("gov_fund", "229"),
        ("gov_fund", "expenditure.total"),
    }  # 国有资本经营: its column is blank and its table empty, nothing printed to compare
    assert {r.outcome for r in res} == {"pass"}
    _bump(report, "gov_fund", "229", "total")  # the fund table's class no longer matches the column
    assert fails(report, SUMMARY_FUNDS) == {("229", None, "gov_fund")}


def test_summary_fund_column_without_its_table_is_not_compared():
    report = budget(fund=FUND, summary=_fund_summary())
    report.tables["gov_fund"].status = "parse_error"
    _bump(report, "appropriation_summary", "229", "gov_fund")
    res = results(report, SUMMARY_FUNDS)
    assert {r.measure for r in res if r.outcome == "pass"} == {"general_budget"}
    assert [(r.outcome, r.table_kind) for r in res if r.outcome != "pass"] == [("parse_error", "gov_fund")]
    # a fund table printed as a block per budget unit has no department-wide classes to compare
    blocks = budget(fund=FUND, summary=_fund_summary())
    for row in blocks.tables["gov_fund"].rows:
        row.line_item = "unit:某单位" if row.subject_code else row.line_item
    assert {r.measure for r in results(blocks, SUMMARY_FUNDS)} == {"general_budget"}


TOTALS = "budget_cross_appropriation_summary_totals"


def _use_summary(**lines: str) -> Table:
    """江苏 2019's 财政拨款收支预算总表: 收入 (一般公共预算, 政府性基金) beside 支出 by use, one 金额 column."""
    table = _summary(general_budget="27488.23", gov_fund="")
    for key, text in lines.items():
        table.rows.append(Row(label=key, line_item=f"expenditure.{key}", cells=[_cell("amount", text)] if text else []))  # fmt: skip
    return table


def test_summary_expenditure_equals_the_appropriation_tables_totals():
    report = budget(summary=_use_summary(basic="17279.29", project="10208.94", total="27488.23"))
    res = results(report, TOTALS)
    assert {(r.line_item, r.outcome, r.message.rsplit("= ", 1)[1]) for r in res} == {
        ("expenditure.total", "pass", "appropriation_expenditure 合计"),
        ("expenditure.basic", "pass", "appropriation_basic 合计"),
        ("expenditure.project", "pass", "appropriation_expenditure 合计.project"),
    }
    # without the 财政拨款基本支出表 the 基本支出 comes from the 财政拨款支出表's 合计 row
    report.tables["appropriation_basic"].status = "absent"
    _bump(report, "appropriation_expenditure", None, "basic")
    assert fails(report, TOTALS) == {(None, "expenditure.basic", "amount")}


def test_summary_grand_total_stands_for_the_year_only_without_carry_forward():
    report = budget(summary=_use_summary(grand_total="27488.23"))
    assert {r.line_item for r in results(report, TOTALS)} == {"expenditure.grand_total"}
    carried = budget(summary=_use_summary(carry_forward="10.00", grand_total="27498.23"))
    assert outcomes(carried, TOTALS) == {"not_applicable"}


def test_tables_keyed_differently_are_compared_by_their_total_alone():
    """一般公共预算支出表 printed per budget unit (深圳: codes keyed `unit:<name>`) beside a 财政拨款支出表 by code alone: the
    rows cannot be paired, so a mismatch there is no finding; the 合计 still is."""
    report = budget()
    for row in report.tables["general_budget"].rows:
        if row.subject_code:
            row.line_item = "unit:某单位"
    _bump(report, "appropriation_expenditure", "2040501", "total")
    res = results(report, BY_FUND)
    assert {(r.line_item, r.outcome) for r in res} == {("total", "pass")}
    _bump(report, "appropriation_expenditure", None, "total")
    assert fails(report, BY_FUND) == {(None, "total", "total")}
    # a fund table with money printed per budget unit: its money by code is unknown, nothing is compared
    blocks = budget(fund=FUND)
    for row in blocks.tables["gov_fund"].rows:
        if row.subject_code:
            row.line_item = "unit:某单位"
    assert outcomes(blocks, BY_FUND) == {"not_applicable"}
    # 烟台's 部门经济分类 × 政府经济分类 pairs in one economic table, codes alone in the other: the 合计 alone
    crossed = budget()
    for row in crossed.tables["basic_expenditure"].rows:
        if row.subject_code:
            row.line_item = "gov_economic:50101"
    assert {r.line_item for r in results(crossed, BASIC)} == {"total"}


BALANCE = "budget_appropriation_balance"


def test_summary_income_is_the_three_appropriations_and_balances():
    """江苏 2019's 财政拨款收支预算总表: 收入合计 = 一般公共预算 + 政府性基金 (blank) = 支出合计; 烟台's adds 国有资本经营."""
    report = budget(summary=_use_summary(basic="17279.29", project="10208.94", total="27488.23"))
    report.tables["appropriation_summary"].rows.append(
        Row(label="收入合计", line_item="income.total", cells=[_cell("amount", "27488.23")])
    )
    res = results(report, BALANCE)
    assert {(r.line_item, r.outcome) for r in res} == {
        ("income.total", "pass"),
        ("expenditure.total", "pass"),
    }
    _bump(report, "appropriation_summary", None, "amount")  # the first uncoded line: 一、一般公共预算
    assert fails(report, BALANCE) == {(None, "income.total", "amount")}
