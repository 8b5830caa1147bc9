"""The seed's known inconsistencies (seed findings.md) are each reported by the rule that names them.

The gold has no narrative and excludes table 05's repeated rows, so this fixture adds them BY HAND from the
seed text and its findings: the repeated rows of table 05 and the narrative facts of 情况说明 / 自评 that the
findings discuss (test fixtures, not parser output).
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import blocking, check_report
from juesuan.model import Cell, NarrativeFact, Report, Row, SourceInfo, read_gold_csv, report_from_gold

D = Decimal


def fact(kind, value, text, sentence, label=None, unit="万元", subject=None, change=None, section=None):
    return NarrativeFact(
        kind=kind,
        value=D(value),
        text=text,
        sentence=sentence,
        label=label,
        unit=unit if kind == "amount" else "%",
        subject=subject,
        change=change,
        section=section,
    )


S_INCOME_TOTAL = "2020年度收入总计679.72万元(收入总计含使用非财政拨款结余53.17万元)"
S_INCOME_GROWTH = "与上年相比,增加25.3万元,增长3.72%,主要是因为财政拨款收入增加"
S_SHARES = (
    "本年收入合计626.55万元,其中:财政拨款收入463.48万元,占73.97%;上级补助收入0万元,占0.0%;"
    "其他收入163.06万元,占26.03%"
)
S_FISCAL = "2020年度财政拨款收、支总计463.48万元,与上年相比,增加117.65万元,增长25.38%,主要是因为增加发放荷塘区工业企业担保费补贴"
S_GB_SHARE = (
    "2020年度一般公共预算财政拨款支出463.48万元，占本年支出合计的76.27%，与上年相比，一般公共预算财政拨款支出"
    "增加117.65万元，增长25.38%，主要是因为增加发放荷塘区工业企业担保费补贴，产业链工作经费支出、单位组织培训增加等。"
)
S_PERSONNEL = "人员经费125.38万元，主要包括基本工资62.37万元、其他社会保障缴费5.65万元、住房公积金11.02万元"
S_RECEPTION = (
    "公务接待费支出预算为6万元，支出决算为0.08万元，完成预算的1.33%，决算数小于预算数的主要原因是严格控制接待范围，"
    "与上年相比增加0.08万元，增长100.0%"
)
S_SELF = (
    "2020 年度总收入 679.72 万元，其中：财政拨款收入 463.48 万元，其他收入 163.06 万元，年初结转和结余 53.17 万元。"
    "2020 年度，本年度总支出 6 万元，其中：基本支出 607.68 万元"
)


# 自评 (二): a growth rate with no change amount in its sentence; the change is the one of S_GB_SHARE
S_SELF_GROWTH = (
    "2020 年度一般公共预算财政拨款支出 463.48 万元，较上年增加了 25.38%，主要原因是年中新增临时性项目支出；"
    "发放荷塘区工业企业担保费补贴，产业链工作经费支出、单位组织培训增加等。"
)


S_ITEM1 = "年初预算为0万元，支出决算为16.74万元，决算数大于年初预算数的主要原因是：增加了发放单位服务专员2020年1-2月份工资"
S_ITEM6 = "年初预算为0万元，支出决算为39.96万元，决算数大于年初预算数的主要原因是：增加了小程序软件开发服务费"
S_ITEM8 = "年初预算为0万元，支出决算为9.32万元，决算数大于年初预算数的主要原因是：增加了产业链宣传片视频拍摄节目制作宣传费"


def seed_narrative() -> list[NarrativeFact]:
    return [
        # 情况说明 五(三), items 1, 6 and 8: "X（类）Y（款）Z（项）。年初预算为…，支出决算为…"
        fact(
            "amount",
            "16.74",
            "16.74",
            S_ITEM1,
            "支出决算",
            subject="一般公共服务|政府办公厅（室）及相关机构事务|行政运行",
        ),
        fact(
            "amount",
            "39.96",
            "39.96",
            S_ITEM6,
            "支出决算",
            subject="科学技术支出|技术与研究与开发|其他技术与研究与开发支出",
        ),
        fact(
            "amount",
            "9.32",
            "9.32",
            S_ITEM8,
            "支出决算",
            subject="资源勘探信息等支出|工业和信息产业监督|其他工业和信息产业监督支出",
        ),
        fact("amount", "679.72", "679.72", S_INCOME_TOTAL, "收入总计"),
        fact("amount", "53.17", "53.17", S_INCOME_TOTAL, "使用非财政拨款结余"),
        # a change carries the subject of the amount it changes (as the parser labels it)
        fact("amount", "25.3", "25.3", S_INCOME_GROWTH, "收入总计", change="increase"),
        fact("percent", "3.72", "3.72%", S_INCOME_GROWTH, "收入总计", change="increase"),
        fact("amount", "626.55", "626.55", S_SHARES, "本年收入合计"),
        fact("amount", "463.48", "463.48", S_SHARES, "财政拨款收入"),
        fact("percent", "73.97", "73.97%", S_SHARES),
        fact("amount", "0", "0", S_SHARES, "上级补助收入"),
        fact("percent", "0.0", "0.0%", S_SHARES),
        fact("amount", "163.06", "163.06", S_SHARES, "其他收入"),
        fact("percent", "26.03", "26.03%", S_SHARES),
        fact("amount", "463.48", "463.48", S_FISCAL, "财政拨款收、支总计"),
        fact("amount", "117.65", "117.65", S_FISCAL, "财政拨款收、支总计", change="increase"),
        fact("percent", "25.38", "25.38%", S_FISCAL, "财政拨款收、支总计", change="increase"),
        fact("amount", "463.48", "463.48", S_GB_SHARE, "一般公共预算财政拨款支出"),
        fact("percent", "76.27", "76.27%", S_GB_SHARE),
        fact("amount", "117.65", "117.65", S_GB_SHARE, "一般公共预算财政拨款支出", change="increase"),
        fact("percent", "25.38", "25.38%", S_GB_SHARE, "增长"),
        fact("amount", "125.38", "125.38", S_PERSONNEL, "人员经费"),
        fact("amount", "62.37", "62.37", S_PERSONNEL, "基本工资"),
        fact("amount", "5.65", "5.65", S_PERSONNEL, "其他社会保障缴费"),
        fact("amount", "11.02", "11.02", S_PERSONNEL, "住房公积金"),
        fact("amount", "6", "6", S_RECEPTION, "公务接待费支出预算"),
        fact("amount", "0.08", "0.08", S_RECEPTION, "公务接待费支出决算"),
        fact("percent", "1.33", "1.33%", S_RECEPTION, "完成预算"),
        fact("amount", "0.08", "0.08", S_RECEPTION, "公务接待费支出决算", change="increase"),
        fact("percent", "100.0", "100.0%", S_RECEPTION, "公务接待费支出决算", change="increase"),
        fact("amount", "679.72", "679.72", S_SELF, "总收入"),
        fact("amount", "53.17", "53.17", S_SELF, "年初结转和结余"),
        fact("amount", "6", "6", S_SELF, "本年度总支出"),
        fact("amount", "607.68", "607.68", S_SELF, "基本支出"),
        fact("amount", "463.48", "463.48", S_SELF_GROWTH, "一般公共预算财政拨款支出"),
        fact("percent", "25.38", "25.38%", S_SELF_GROWTH, "增加"),
    ]


def seed_repeated_rows() -> list[Row]:
    """Table 05's tail repeats rows 201 and 20103 (seed findings 1)."""

    def row(code, label, total, basic, project):
        cells = [
            Cell(measure=m, text=v, value=D(v), amount_yuan=D(v) * 10000)
            for m, v in (("total", total), ("basic", basic), ("project", project))
        ]
        return Row(label=label, subject_code=code, cells=cells)

    return [
        row("201", "一般公共服务支出", "268.47", "268.47", "0.00"),
        row("20103", "政府办公厅（室）及相关机构事务", "267.42", "267.42", "0.00"),
    ]


@pytest.fixture(scope="session")
def seed_report(seed_dir: Path) -> Report:
    report = report_from_gold(
        read_gold_csv(seed_dir / "hetang-industrial-service-center-2020.gold.csv"),
        department="株洲市荷塘区产业服务中心",
        year=2020,
    )
    for kind in ("gov_fund", "state_capital"):
        report.tables[kind].note = "本单位无相关收支，故本表无数据"
    report.tables["general_budget"].repeated_rows = seed_repeated_rows()
    report.narrative = seed_narrative()
    return report


@pytest.fixture(scope="session")
def seed_results(seed_report: Report):
    return check_report(seed_report, runner="duckdb")


def findings(results, rule_id):
    return [r for r in results if r.rule_id == rule_id and r.outcome == "fail"]


def test_seed_publishes_with_warnings(seed_results):
    assert not blocking(seed_results)
    assert not [r for r in seed_results if r.outcome in ("execution_error", "parse_error")]
    assert {r.severity for r in seed_results if r.outcome == "fail"} == {"warning"}


def test_seed_rounding_notes_are_the_twelve_of_the_findings(seed_results):
    notes = {
        (r.rule_id, r.table_kind, r.subject_code or r.line_item, r.measure)
        for r in seed_results
        # exact rates (to 0.0001) of correctly rounded printed percentages are rounding notes of their own
        if r.within_rounding and not r.rule_id.startswith("narrative_")
    }
    assert notes == {
        ("income_row_sum", "income", "total", "total"),
        ("summary_income_total", "summary", "income.total", "amount"),
        ("summary_expenditure_total", "summary", "expenditure.total", "amount"),
        ("total_equals_sum_of_classes", "expenditure", "total", "total"),
        ("total_equals_sum_of_classes", "expenditure", "total", "basic"),
        ("total_equals_sum_of_classes", "income", "total", "fiscal_appropriation"),
        ("total_equals_sum_of_classes", "general_budget", "total", "total"),
        ("total_equals_sum_of_classes", "general_budget", "total", "basic"),
        ("appropriation_expenditure_side", "appropriation_summary", "expenditure.total", "total"),
        ("appropriation_expenditure_side", "appropriation_summary", "expenditure.total", "general_budget"),
        ("basic_class_sum", "basic_expenditure", "301", "amount"),
        ("basic_class_sum", "basic_expenditure", "302", "amount"),
    }
    assert all(r.severity == "warning" and r.outcome == "pass" for r in seed_results if r.within_rounding)


def test_seed_repeated_rows_reported_and_not_summed(seed_results):
    dup = findings(seed_results, "duplicated_rows")
    assert {(r.table_kind, r.subject_code) for r in dup} == {
        ("general_budget", "201"),
        ("general_budget", "20103"),
    }
    assert not findings(seed_results, "total_equals_sum_of_classes")


def test_seed_20604_named_two_ways(seed_results):
    names = findings(seed_results, "naming_consistency")
    assert "20604" in {r.subject_code for r in names}
    assert all(r.severity == "warning" for r in names)


def test_seed_narrative_disagreements(seed_results):
    amounts = {
        (r.message.split(":")[1].split(" ")[1], r.actual) for r in findings(seed_results, "narrative_amounts")
    }
    # 本年度总支出 6 万元; 年初结转和结余 53.17 (table 0); 5.65 is on 30111, 30112 其他社会保障缴费 is 0.00
    assert amounts == {
        ("本年度总支出", D("60000.00")),
        ("年初结转和结余", D("531700.00")),
        ("其他社会保障缴费", D("56500.00")),
    }
    rates = {(r.actual, r.expected) for r in findings(seed_results, "narrative_percentages")}
    # growth on the wrong base: 25.3/654.42 = 3.87%, 117.65/345.83 = 34.02%; 100% on a prior year of 0
    assert rates == {(D("3.72"), D("3.8660")), (D("25.38"), D("34.0196")), (D("100.0"), D("0"))}
    passed = {r.actual for r in seed_results if r.rule_id == "narrative_percentages" and r.outcome == "pass"}
    assert {D("73.97"), D("26.03"), D("76.27"), D("1.33")} <= passed


def test_seed_growth_rate_with_its_change_elsewhere(seed_results):
    """自评: 463.48 万元，较上年增加了 25.38% — the change is 情况说明's 增加117.65万元 for the same subject, so the
    prior year is 345.83 and the rate 34.02%; narrative_percentages leaves that rate alone (no change before it)."""
    [r] = [r for r in seed_results if r.rule_id == "narrative_growth_stated_elsewhere"]
    assert (r.outcome, r.severity, r.measure, r.expected, r.actual) == (
        "fail",
        "warning",
        "growth_rate",
        D("34.0196"),
        D("25.38"),
    )
    assert "较上年增加了 25.38%" in r.message and "增加117.65" in r.message
    pct = [r for r in seed_results if r.rule_id == "narrative_percentages" and "较上年增加了" in r.message]
    assert not pct


def _with_facts(seed_report: Report, *facts: NarrativeFact) -> list:
    report = copy.deepcopy(seed_report)
    report.narrative = [*report.narrative, *facts]
    return [
        r for r in check_report(report, runner="duckdb") if r.rule_id == "narrative_growth_stated_elsewhere"
    ]


S_OTHER = "与上年相比，一般公共预算财政拨款支出增加120万元，主要是项目支出增加"


def test_growth_elsewhere_disagreeing_changes_are_not_guessed(seed_report: Report):
    other = fact("amount", "120", "120", S_OTHER, "一般公共预算财政拨款支出", change="increase")
    [r] = _with_facts(seed_report, other)
    assert (r.outcome, r.expected, r.actual) == ("insufficient_data", None, D("25.38"))
    assert "2 different changes" in r.message


def test_growth_elsewhere_prefers_the_explanation(seed_report: Report):
    report = copy.deepcopy(seed_report)
    for f in report.narrative:
        if f.sentence == S_GB_SHARE:
            f.section = "explanation"
    other = fact(
        "amount", "120", "120", S_OTHER, "一般公共预算财政拨款支出", change="increase", section="performance"
    )
    [r] = _with_facts(report, other)
    assert (r.outcome, r.expected, r.actual) == ("fail", D("34.0196"), D("25.38"))


def test_growth_elsewhere_needs_the_same_subject(seed_report: Report):
    report = copy.deepcopy(seed_report)
    for f in report.narrative:
        if f.sentence == S_GB_SHARE and f.text == "117.65":
            f.label = "财政拨款支出"
    assert [r.outcome for r in _with_facts(report)] == ["not_applicable"]


def test_seed_growth_elsewhere_from_extracted_facts(seed_report: Report, seed_dir: Path):
    """End to end from the parser's facts of the seed text: the same finding, on the 情况说明 change."""
    from juesuan.parsing.narrative import extract_narrative

    report = copy.deepcopy(seed_report)
    text = (seed_dir / "hetang-industrial-service-center-2020.txt").read_text(encoding="utf-8")
    report.narrative = extract_narrative([text]).facts
    results = check_report(report, runner="duckdb")
    [r] = [r for r in results if r.rule_id == "narrative_growth_stated_elsewhere"]
    assert (r.outcome, r.expected, r.actual) == ("fail", D("34.0196"), D("25.38"))
    assert "较上年增加了 25.38%" in r.message


def test_seed_narrative_subject_names(seed_results):
    said = {r.subject_code for r in findings(seed_results, "narrative_subject_names")}
    # 技术与研究与开发 (table 技术与研究开发); 资源勘探信息等支出 / 工业和信息产业监督 (table …工业信息… / …监管)
    assert said == {"20604", "2060499", "215", "21505", "2150599"}


def test_seed_inclusion_and_emptiness_pass(seed_results):
    assert not findings(seed_results, "three_public_inclusion")
    assert not findings(seed_results, "fund_tables_emptiness")
    assert not findings(seed_results, "code_hierarchy")


def test_parse_error_is_not_the_reports_error(seed_report: Report):
    report = copy.deepcopy(seed_report)
    report.tables["basic_expenditure"].status = "parse_error"
    results = check_report(report, runner="duckdb")
    pe = [r for r in results if r.outcome == "parse_error"]
    assert {r.rule_id for r in pe} >= {
        "basic_class_sum",
        "basic_personnel_total",
        "cross_general_budget_basic_split",
    }
    assert all(r.severity == "error" for r in pe)
    assert not [r for r in results if r.outcome == "fail" and r.severity == "error"]
    assert blocking(results)


def test_absent_state_capital_is_not_applicable(seed_report: Report):
    report = copy.deepcopy(seed_report)
    del report.tables["state_capital"]
    results = check_report(report, runner="duckdb")
    sc = [r for r in results if r.rule_id == "state_capital_row_sum"]
    assert [r.outcome for r in sc] == ["not_applicable"]
    assert not findings(results, "fund_tables_emptiness")
    assert not blocking(results)


def test_cross_table_mismatch_found(seed_report: Report):
    report = copy.deepcopy(seed_report)
    report.tables["summary"].find(subject_code="206").cells[0].amount_yuan += D("100000.00")
    results = check_report(report, runner="duckdb")
    hits = {(r.rule_id, r.subject_code) for r in results if r.outcome == "fail" and r.severity == "error"}
    assert ("cross_summary_classes", "206") in hits
    assert blocking(results)


def test_missing_total_cell_is_insufficient_data(seed_report: Report):
    report = copy.deepcopy(seed_report)
    summary = report.tables["summary"]
    summary.rows = [r for r in summary.rows if r.line_item != "income.total"]
    results = check_report(report, runner="duckdb")
    outcomes = {r.outcome for r in results if r.rule_id == "summary_income_total"}
    assert outcomes == {"insufficient_data"}


def test_missing_required_table_is_a_parse_error(seed_report: Report):
    report = copy.deepcopy(seed_report)
    report.source = SourceInfo(sha256="0" * 64, path="hetang.pdf")
    assert not [
        r
        for r in check_report(report, runner="duckdb")
        if r.rule_id == "required_tables" and r.outcome != "pass"
    ]
    del report.tables["three_public"]
    results = check_report(report, runner="duckdb")
    missing = [r for r in results if r.rule_id == "required_tables"]
    assert [(r.outcome, r.severity, r.table_kind) for r in missing] == [
        ("parse_error", "error", "three_public")
    ]
    assert blocking(results)
    assert not [r for r in results if r.outcome == "fail" and r.severity == "error"]


def test_seed_from_its_text_raises_only_its_findings(seed_report: Report, seed_dir: Path):
    """The parser's facts and paragraphs of the seed text, through the whole catalogue: every failure is one of
    the seed's findings (no false alarm from the wording rules), and the item lists add up within rounding."""
    from juesuan.parsing.narrative import extract_narrative

    report = copy.deepcopy(seed_report)
    extract = extract_narrative(
        [(seed_dir / "hetang-industrial-service-center-2020.txt").read_text(encoding="utf-8")]
    )
    report.narrative, report.paragraphs = extract.facts, extract.paragraphs
    results = check_report(report, runner="duckdb")
    assert {r.rule_id for r in results if r.outcome == "fail"} == {
        "duplicated_rows",
        "naming_consistency",
        "narrative_amounts",
        "narrative_growth_stated_elsewhere",
        "narrative_percentages",
        "narrative_subject_names",
        # 自评: "本年度总支出 6 万元，其中：基本支出 607.68 万元" (findings 6): a part beyond its whole
        "narrative_parts_within_whole",
    }
    within = [r for r in results if r.rule_id == "narrative_parts_within_whole" and r.outcome == "fail"]
    assert [(r.expected, r.actual) for r in within] == [(D("6076800.00"), D("60000.00"))]
    # the 主要包括 lists of 人员经费 (a subtotal 对个人和家庭的补助 listed with its items) and 公用经费 stay within
    # their wholes (findings 6): 125.39 listed vs 125.38 is a rounding note, 338.08 vs 338.10 passes
    notes = {
        (r.expected, r.actual)
        for r in results
        if r.rule_id == "narrative_parts_within_whole" and r.within_rounding
    }
    assert (D("1253900.00"), D("1253800.00")) in notes
    assert (
        len([r for r in results if r.rule_id == "narrative_parts_within_whole" and r.outcome == "pass"]) >= 10
    )
    sums = [r for r in results if r.rule_id == "narrative_list_sums"]
    assert sums and all(r.outcome == "pass" for r in sums)
    assert {r.line_item for r in sums} == {"items_actual", "items_budget", "procurement"}
