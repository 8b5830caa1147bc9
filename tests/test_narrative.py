"""Numbers stated in the prose: labels, bases, changes, sections, pages, and what must be skipped."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.model import NarrativeFact, Report
from juesuan.parsing.document import open_document
from juesuan.parsing.narrative import NarrativeExtract, classify_page, extract_narrative

SEED_TEXT = "hetang-industrial-service-center-2020.txt"


def _one(extract: NarrativeExtract, label: str, text: str, **where: object) -> NarrativeFact:
    hits = [
        f
        for f in extract.facts
        if f.label == label and f.text == text and all(getattr(f, k) == v for k, v in where.items())
    ]
    assert len(hits) == 1, (
        label,
        text,
        where,
        [(f.label, f.text, f.section) for f in extract.facts if f.text == text],
    )
    return hits[0]


# ---- the seed (a text rendering: one "page") ------------------------------------------------------------


@pytest.fixture(scope="session")
def seed_extract(seed_dir: Path) -> NarrativeExtract:
    return extract_narrative([(seed_dir / SEED_TEXT).read_text(encoding="utf-8")])


def test_seed_headcount(seed_extract: NarrativeExtract) -> None:
    assert (seed_extract.headcount_authorized, seed_extract.headcount_actual) == (8, 24)
    assert _one(seed_extract, "编制人数", "8", section="overview").kind == "count"
    assert _one(seed_extract, "实有人数", "24").unit == "人"


def test_seed_income_shares(seed_extract: NarrativeExtract) -> None:
    total = _one(seed_extract, "本年收入合计", "626.55")
    assert (total.kind, total.value, total.unit, total.section) == (
        "amount",
        Decimal("626.55"),
        "万元",
        "explanation",
    )
    assert total.heading == "二、收入决算情况说明"
    assert total.sentence.startswith("本年收入合计626.55万元,其中:财政拨款收入463.48万元,占73.97%")
    fiscal = _one(seed_extract, "财政拨款收入", "463.48", section="explanation")
    share = _one(seed_extract, "财政拨款收入", "73.97%")
    assert (share.kind, share.value, share.unit, share.base_label) == (
        "percent",
        Decimal("73.97"),
        "%",
        "本年收入合计",
    )
    assert fiscal.sentence == share.sentence
    other = _one(seed_extract, "其他收入", "26.03%")
    assert other.base_label == "本年收入合计"


def test_seed_growth_on_wrong_base_is_extracted_as_printed(seed_extract: NarrativeExtract) -> None:
    # 收入总计679.72万元 …。与上年相比,增加25.3万元,增长3.72% (the rate uses the wrong base; rules decide)
    rise = _one(seed_extract, "收入总计", "25.3")
    assert (rise.change, rise.base_label, rise.value) == ("increase", "上年", Decimal("25.3"))
    rate = _one(seed_extract, "收入总计", "3.72%")
    assert (rate.kind, rate.change) == ("percent", "increase")
    assert _one(seed_extract, "支出总计", "3.72%").change == "increase"
    assert _one(seed_extract, "财政拨款收支总计", "25.38%").change == "increase"
    assert _one(seed_extract, "公务接待费支出决算", "100.0%", change="increase").base_label is None


def test_seed_self_assessment_is_marked(seed_extract: NarrativeExtract) -> None:
    six = _one(seed_extract, "本年度总支出", "6")
    assert (six.section, six.kind, six.value, six.unit) == ("performance", "amount", Decimal("6"), "万元")
    # 其他社会保障缴费 5.65 (the table calls it 公务员医疗补助缴费): stated in 情况说明 and again in the self-assessment
    assert {f.section for f in seed_extract.find("其他社会保障缴费")} == {"explanation", "performance"}
    assert _one(seed_extract, "年初结转和结余", "53.17", section="performance")
    assert (
        _one(seed_extract, "一般公共预算财政拨款支出", "25.38%", section="performance").base_label == "上年"
    )


def test_seed_items_carry_their_subject(seed_extract: NarrativeExtract) -> None:
    item = _one(seed_extract, "支出决算", "250.68", section="explanation")
    assert item.subject == "一般公共服务|政府办公厅（室）及相关机构事务|机关服务"
    rate = _one(seed_extract, "支出决算", "151.38%", section="explanation")
    assert rate.base_label == "年初预算"
    # an item heading cut by a page break (…一般行 / 政管理事务（项）) still names its item
    assert _one(seed_extract, "支出决算", "130.74", section="performance").subject == (
        "科学技术支出|科学技术管理事务|一般行政管理事务"
    )


def test_seed_skips_tables_and_glossary(seed_extract: NarrativeExtract) -> None:
    sections = {f.section for f in seed_extract.facts}
    assert sections <= {"overview", "explanation", "performance"}
    # 626.55 is printed in two tables and once in the prose: only the prose one is a fact
    assert [f.text for f in seed_extract.facts if f.value == Decimal("626.55")] == ["626.55"]
    # thresholds and targets are not stated figures (单位价值50万元以上通用设备)
    assert not [f for f in seed_extract.facts if f.value == Decimal("50") and f.unit == "万元"]
    assert not seed_extract.problems


def test_seed_labels_are_clean(seed_extract: NarrativeExtract) -> None:
    labels = {f.label for f in seed_extract.facts if f.kind == "amount" and f.label}
    assert {
        "一般公共服务支出",
        "科学技术支出",
        "资源勘探工业信息等支出",
        "人员经费",
        "公用经费",
        "结余分配",
    } <= labels
    assert "使用非财政拨款结余" in labels  # from (收入总计含使用非财政拨款结余53.17万元)
    for label in labels:
        assert not label.startswith(("其中", "一、", "（", "2020")), label
        assert not any(ch in label for ch in "，,：:；;、“”"), label


# ---- real PDFs ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_extracts(real_corpus: Path) -> dict[str, NarrativeExtract]:
    out = {}
    for pdf in sorted(real_corpus.glob("*.pdf")):
        doc = open_document(pdf)
        out[pdf.stem] = extract_narrative(doc.page_texts, department=doc.department)
    return out


def test_npb_growth_rate_and_separator_free_amounts(real_extracts: dict[str, NarrativeExtract]) -> None:
    x = real_extracts["national-petition-bureau-2024"]
    total = _one(x, "收支总计", "22066.59")
    assert (total.page, total.section, total.value) == (17, "explanation", Decimal("22066.59"))
    rise = _one(x, "收支总计", "5834.37")
    assert (rise.change, rise.base_label) == ("increase", "2023年")
    rate = _one(x, "收支总计", "35.74%")  # the findings: it should be 35.94%
    assert (rate.change, rate.page, rate.value) == ("increase", 17, Decimal("35.74"))
    drop = _one(x, "年初结转和结余", "31.85%")
    assert drop.change == "decrease"  # 降低 31.85%
    share = _one(x, "一般公共预算财政拨款收入", "95.7％")  # full-width percent sign as printed
    assert (share.value, share.unit, share.base_label, share.page) == (
        Decimal("95.7"),
        "%",
        "本年收入合计",
        19,
    )
    # a share in a new sentence (按经济分类划分为基本支出…) still knows its total
    assert _one(x, "基本支出", "75.99%").base_label == "本年支出合计"
    assert _one(x, "财政拨款支出", "94.24%").base_label == "总支出"


def test_npb_skips_table_pages_and_glossary(real_extracts: dict[str, NarrativeExtract]) -> None:
    x = real_extracts["national-petition-bureau-2024"]
    pages = {f.page for f in x.facts}
    assert not pages & set(range(7, 16))  # the nine public tables
    assert not pages & set(range(30, 37))  # project 绩效自评表 pages
    assert not pages & set(range(37, 41))  # 名词解释
    assert {f.section for f in x.facts if f.page and f.page >= 27} == {"performance"}  # 十一、…绩效 and 附件
    assert _one(x, "涉及资金", "5105.75").section == "performance"
    # unit on the next line (…年末实际保有量为 15 / 辆)
    assert _one(x, "年末实际保有量", "15").unit == "辆"
    # targets in embedded tables (≥99.5%) are skipped
    assert not [f for f in x.facts if f.value == Decimal("99.5")]


def test_putuo_statements_found_by_the_findings(real_extracts: dict[str, NarrativeExtract]) -> None:
    x = real_extracts["putuo-finance-2024"]
    wrong = _one(x, "财政拨款收入支出总计", "0.3")
    assert (wrong.page, wrong.section, wrong.value) == (21, "explanation", Decimal("0.3"))
    share = _one(x, "一般公共服务支出", "71.73%")
    assert (share.base_label, share.page) == ("一般公共预算财政拨款支出", 21)
    assert _one(x, "一般公共服务支出", "2106.66").kind == "amount"
    fall = _one(x, "收入支出总计", "1.87%")
    assert fall.change == "decrease"
    assert _one(x, "一般公共预算财政拨款支出", "2.10%").change == "decrease"
    assert _one(x, "支出决算", "1511.89").subject == "一般公共服务支出|财政事务|行政运行"
    assert _one(x, "机关运行经费支出", "2.55").base_label == "2023年度"
    assert _one(x, "政府采购金额", "251.25").page == 24  # (以合同签订为准) dropped from the label
    assert {f.page for f in x.facts} <= {21, 22, 23, 24}
    budgets = [f for f in x.facts if f.label == "涉及预算金额"]
    assert [(f.text, f.page, f.section) for f in budgets] == [("598.42", 23, "performance")] * 3
    assert {f.section for f in x.facts if f.heading == "十、预算绩效管理情况"} == {"performance"}
    assert (x.headcount_authorized, x.headcount_actual) == (None, None)  # not printed in this report


# ---- synthetic quirks -----------------------------------------------------------------------------------

TABLE_PAGE = "收入决算表\n单位：万元\n项目 本年收入合计 财政拨款收入\n合计 626.55 463.48\n201 一般公共服务支出 268.47 268.47"


def test_detached_numbers_are_put_back_in_order() -> None:
    page = (
        "二、收入决算情况说明\n"
        "本年收入合计万元，其中：财政拨款收入万元，占%；其他收入万元，占%。\n"
        "626.55 463.48 73.97 163.06 26.03\n"
    )
    x = extract_narrative([TABLE_PAGE, page])
    assert [(f.label, f.text) for f in x.facts] == [
        ("本年收入合计", "626.55"),
        ("财政拨款收入", "463.48"),
        ("财政拨款收入", "73.97%"),
        ("其他收入", "163.06"),
        ("其他收入", "26.03%"),
    ]
    assert x.facts[2].base_label == "本年收入合计"
    assert all(f.page == 2 for f in x.facts)
    assert [p.severity for p in x.problems] == ["info"]


def test_detached_numbers_that_do_not_fit_are_reported_not_guessed() -> None:
    page = "本年收入合计万元，其中：财政拨款收入万元，占%。\n626.55 463.48\n"
    x = extract_narrative([TABLE_PAGE, page])
    assert x.facts == []
    assert [(p.code, p.severity) for p in x.problems] == [("narrative_detached_numbers", "warning")]
    assert "3 amounts/percentages" in x.problems[0].message


def test_wrapped_lines_page_breaks_and_separators() -> None:
    pages = [
        "第三部分 情况说明\n一、收入支出决算总体情况说明\n"
        "上海市普陀区财政局2024年度收入支出总计2,995.39万元。与2023年度相比，收入\n"
        "支出总计减少56.95万元，下降1.87%。\n"
        "五、一般公共预算财政拨款支出决算情况说明\n"
        "6、社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位基本养老保险缴费支出（项）。年初预算为\n",
        "21\n161.62万元，支出决算为160.75万元。\n",
    ]
    x = extract_narrative(pages, department="上海市普陀区财政局")
    total = _one(x, "收入支出总计", "2,995.39")
    assert (total.value, total.page) == (Decimal("2995.39"), 1)
    down = _one(x, "收入支出总计", "56.95")
    assert (down.change, down.base_label) == ("decrease", "2023年度")
    assert _one(x, "收入支出总计", "1.87%").change == "decrease"
    budget = _one(x, "年初预算", "161.62")
    assert budget.page == 2  # the number is on the next page, after its page number
    assert budget.heading == "五、一般公共预算财政拨款支出决算情况说明"
    assert budget.subject == "社会保障和就业支出|行政事业单位养老支出|机关事业单位基本养老保险缴费支出"
    assert _one(x, "支出决算", "160.75").subject == budget.subject
    assert not [f for f in x.facts if f.text == "21"]


def test_sections_glossary_excluded_and_table_like_lines_skipped() -> None:
    text = "\n".join(
        [
            "第一部分 某某局概况",
            "本部门共有编制人数 12 人，实有人数 11 人。",
            "第二部分 部门决算表",
            "收入支出决算总表 本年收入合计 100.00万元",
            "第三部分 部门决算情况说明",
            "一、收入支出决算总体情况说明",
            "本年收入合计 100.00 万元。",
            "决策 20 17.90 89.50%",
            "十、预算绩效情况说明",
            "绩效自评涉及资金 50 万元，执行率为 ≥95% 的项目 3 个。",
            "第四部分 名词解释",
            "一、财政拨款收入：指单位从同级财政部门取得的财政预算资金 10 万元。",
        ]
    )
    x = extract_narrative([text])
    assert (x.headcount_authorized, x.headcount_actual) == (12, 11)
    assert [(f.label, f.text, f.section) for f in x.facts] == [
        ("编制人数", "12", "overview"),
        ("实有人数", "11", "overview"),
        ("本年收入合计", "100.00", "explanation"),
        ("绩效自评涉及资金", "50", "performance"),
        ("项目", "3", "performance"),
    ]


def test_classify_page() -> None:
    assert classify_page("") == "blank"
    assert classify_page("目 录\n第一部分 概况") == "toc"
    assert classify_page(TABLE_PAGE) == "table"
    assert (
        classify_page("一级指标 分值 得分\n决策 20 17.90 89.50%\n过程 20 17.99 89.95%\n合计 100 85.19")
        == "table"
    )
    assert classify_page("本年收入合计626.55万元，其中：财政拨款收入463.48万元，占73.97%。") == "prose"


def test_new_fact_fields_survive_json_round_trip() -> None:
    fact = NarrativeFact(
        kind="percent",
        value=Decimal("3.72"),
        text="3.72%",
        sentence="与上年相比,增加25.3万元,增长3.72%",
        page=3,
        unit="%",
        label="收入总计",
        section="explanation",
        heading="一、收入支出决算总体情况说明",
        base_label="上年",
        change="increase",
    )
    report = Report(department="x", year=2020, narrative=[fact])
    assert Report.from_dict(report.to_dict()).narrative == [fact]
    # facts written before these fields existed still load
    old = {"kind": "amount", "value": "1.00", "text": "1", "sentence": "s"}
    assert Report.from_dict({"department": "x", "narrative": [old]}).narrative[0].section is None


def test_prose_part_starting_on_a_table_page_is_read() -> None:
    last_table = (
        "国有资本经营预算财政拨款支出决算表\n单位：万元\n项目 合计 基本支出 项目支出\n合计 0.00 0.00 0.00\n"
        "注：本单位没有国有资本经营预算财政拨款支出，故本表无数据。\n"
        "第三部分 2024年度部门决算情况说明\n一、收入支出决算总体情况说明\n"
        "2024年度收入、支出总计 1,234.50 万元。\n"
    )
    x = extract_narrative([TABLE_PAGE, last_table])
    assert [(f.label, f.text, f.page, f.section) for f in x.facts] == [
        ("收入支出总计", "1,234.50", 2, "explanation")
    ]


def test_department_is_removed_from_labels(
    real_extracts: dict[str, NarrativeExtract], real_corpus: Path
) -> None:
    doc = open_document(real_corpus / "national-petition-bureau-2024.pdf")
    # without the department argument, the cover names it
    x = extract_narrative(doc.page_texts)
    assert _one(x, "车辆", "15").page == 26  # 截至…，国家信访局共有车辆 15 辆
    assert [(f.label, f.text) for f in x.facts] == [
        (f.label, f.text) for f in real_extracts["national-petition-bureau-2024"].facts
    ]


def test_nested_list_does_not_become_the_base_of_later_shares() -> None:
    text = (
        "因公出国（境）费支出决算为0.00万元，占0.00%；公务用车购置及运行维护费支出决算为89.40万元，占74.79%，"
        "其中：公务用车购置费0.00万元，公务用车运行维护费89.40万元；公务接待费支出决算为30.14万元，占25.21%。"
    )
    x = extract_narrative([text])
    assert _one(x, "公务接待费支出决算", "25.21%").base_label is None
    assert _one(x, "公务用车运行维护费", "89.40").kind == "amount"


def test_reports_without_part_headings_still_exclude_the_glossary() -> None:
    text = "\n".join(
        [
            "一、收入支出决算总体情况说明",
            "2024年度收入总计 300.00 万元。全年培训约 120 人。",
            "二、名词解释",
            "财政拨款收入：指单位从同级财政部门取得的财政预算资金，例如 10 万元。",
        ]
    )
    x = extract_narrative([text])
    assert [(f.label, f.text, f.section) for f in x.facts] == [
        ("收入总计", "300.00", None),
        ("培训", "120", None),
    ]  # 全年 and 约 are not the subject


# ---- factory reports: every template, checked against the truth the factory printed ------------------------


@pytest.fixture(scope="session")
def factory_docs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, Path]]:
    import json

    from juesuan.factory.generate import generate_corpus

    out = tmp_path_factory.mktemp("factory-narrative")
    generate_corpus(out, seed=7, regions=4, departments_per_region=1, years=(2024,), defect_rate=0.0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [(entry, out) for entry in manifest]


def _truth_wan(out: Path, entry: dict, table_kind: str, key: str, measure: str) -> Decimal:
    from juesuan.model import read_gold_csv

    for cell in read_gold_csv(out / entry["truth_file"]):
        if (
            cell.table_kind == table_kind
            and key in (cell.line_item, cell.subject_code)
            and cell.measure == measure
        ):
            return (cell.amount_yuan / 10000).quantize(Decimal("0.01"))
    raise AssertionError(f"{table_kind} {key} {measure} not in truth")


def test_factory_identity_and_narrative_against_truth(factory_docs: list[tuple[dict, Path]]) -> None:
    templates = set()
    for entry, out in factory_docs:
        templates.add(entry["template"])
        doc = open_document(out / entry["file"])
        assert (doc.department, doc.year, doc.kind) == (entry["department"], entry["year"], "final_account")
        expected_region = (entry["province"], entry["city"] or None, entry["county"] or None)
        assert (doc.region.province, doc.region.city, doc.region.county) == expected_region, entry["doc_id"]
        x = extract_narrative(doc.page_texts)
        assert not x.problems
        table_pages = {p for pages in entry["table_pages"].values() for p in pages}
        assert not [f for f in x.facts if f.page in table_pages], entry["doc_id"]
        assert all(f.label for f in x.facts if f.kind != "count"), entry["doc_id"]
        assert x.headcount_authorized is not None and x.headcount_actual is not None
        # the statements of 二、/三、 restate the summary and expenditure tables
        income = _one(x, "本年收入合计", _text_of(x, "本年收入合计"), section="explanation")
        assert income.value == _truth_wan(out, entry, "summary", "income.total", "amount")
        spending = _one(x, "本年支出合计", _text_of(x, "本年支出合计"), section="explanation")
        assert spending.value == _truth_wan(out, entry, "summary", "expenditure.total", "amount")
        # the 绩效自评 annex restates totals a second time, in the performance section
        annex = _one(x, "本年支出合计", spending.text, section="performance")
        assert annex.change is None and annex.page > spending.page
        for label, measure in (("基本支出", "basic"), ("项目支出", "project")):
            fact = _one(x, label, _text_of(x, label, "performance"), section="performance")
            assert fact.value == _truth_wan(out, entry, "expenditure", "total", measure)
        three = [f for f in x.facts if f.section == "performance" and "三公" in (f.label or "")]
        assert [f.value for f in three] == [_truth_wan(out, entry, "three_public", "", "actual.total")]
        # every year-over-year change the factory stated is read with its label and direction
        with (out / entry["narrative_file"]).open(encoding="utf-8") as fh:
            stated = [r for r in csv.DictReader(fh) if r["change"]]
        read = [(f.kind, f.value, f.change) for f in x.facts if f.change]
        assert read == [(r["kind"], Decimal(r["value"]), r["change"]) for r in stated], entry["doc_id"]
        rates = [f for f in x.facts if f.change and f.kind == "percent"]
        assert all(f.label for f in rates) and {f.section for f in rates} == {"explanation"}
        # every share with a base reproduces from the amounts of its own sentence (no defects injected here)
        shares = [f for f in x.facts if f.kind == "percent" and f.base_label and f.change is None]
        assert shares
        for share in shares:
            in_sentence = {
                f.label: f.value for f in x.facts if f.sentence == share.sentence and f.kind == "amount"
            }
            if (
                share.base_label in in_sentence
                and share.label in in_sentence
                and in_sentence[share.base_label]
            ):
                expected = (in_sentence[share.label] * 100 / in_sentence[share.base_label]).quantize(
                    Decimal("0.01")
                )
                assert abs(share.value - expected) <= Decimal("0.01"), (entry["doc_id"], share)
    assert templates == {"hunan2020", "shanghai2024", "central2024", "qinghai2016"}


def _text_of(x: NarrativeExtract, label: str, section: str = "explanation") -> str:
    hits = [f.text for f in x.facts if f.label == label and f.kind == "amount" and f.section == section]
    assert hits, label
    return hits[0]


def test_dashed_page_footer_between_number_and_unit() -> None:
    pages = [
        "六、一般公共预算财政拨款基本支出决算情况说明\n"
        "2024年度一般公共预算财政拨款基本支出 1423.13 万元，其中：人员经费 1148.41\n- 19 -",
        "万元，占基本支出的80.70%；公用经费 274.71 万元，占基本支出的19.30%。\n- 20 -",
    ]
    x = extract_narrative(pages)
    staff = _one(x, "人员经费", "1148.41")
    assert (staff.page, staff.unit) == (1, "万元")
    share = _one(x, "人员经费", "80.70%")
    assert (share.page, share.base_label) == (2, "一般公共预算财政拨款基本支出")
    assert not [f for f in x.facts if f.value in (Decimal(19), Decimal(20))]


def test_percentage_points_and_negative_amounts() -> None:
    x = extract_narrative(["执行率为 95.5%，比上年提高 3 个百分点；结余 -1,200.50 万元。"])
    assert [(f.label, f.text, f.value) for f in x.facts] == [
        ("执行率", "95.5%", Decimal("95.5")),
        ("结余", "-1,200.50", Decimal("-1200.50")),
    ]


def test_unit_words_are_not_missing_numbers() -> None:
    x = extract_narrative(["金额单位为万元，本表以万元为单位，涉及数百万元资金；本年收入合计 626.55 万元。"])
    assert [(f.label, f.text) for f in x.facts] == [("本年收入合计", "626.55")]
    assert not x.problems


_ITEMS_HEAD = (
    "第三部分 2024年度部门决算情况说明\n五、一般公共预算财政拨款支出决算情况说明\n"
    "（三）一般公共预算财政拨款支出决算具体情况。2024年度一般公共预算财政拨款支出年初预算为100万元，"
    "支出决算为90.5万元，完成年初预算的90.50%。其中：\n"
    "1、一般公共服务（类）人大事务（款）行政运行（项）。年初预算为50万元，支出决算为45万元，完成年初预算的90.00%。\n"
)


@pytest.mark.parametrize(
    "second_item",
    [
        "2、一般公共服务（类）人大事务（款）一般行政管理事务\n（项）。年初预算为50万元，支出决算为45.5万元。\n",
        "2、一般公共服务（类）人大事务\n（款）一般行政管理事务（项）。年初预算为50万元，支出决算为45.5万元。\n",
        "2、一般公共服务（类）人大事务（款）一般行政管理\n事务（项）：支出决算为45.5万元。\n",
        "（2）人大事务（款）一般行政管理事务\n（项）\n年初预算为50万元，支出决算为45.5万元。\n",
    ],
)
def test_item_name_wrapped_before_its_level_keeps_its_own_subject(second_item: str):
    """A name that breaks before （项）/（款） (or names no 类) is this item's, never the previous item's."""
    facts = extract_narrative([_ITEMS_HEAD + second_item], department="测试局").facts
    [f] = [f for f in facts if f.text == "45.5"]
    assert f.subject is not None and f.subject.endswith("|人大事务|一般行政管理事务")
    assert [g.subject for g in facts if g.text == "45"] == ["一般公共服务|人大事务|行政运行"]


def test_running_header_is_not_read_into_a_sentence_cut_by_the_page_break():
    header = "某某县教育局2024年度部门决算"
    pages = [
        f"{header}\n第三部分 2024年度部门决算情况说明\n一、收入支出决算总体情况说明\n2024年度收入、支出总计100万元。\n- 1 -",
        f"{header}\n九、其他重要事项的情况说明\n（一）机关运行经费支出情况。2024年度机关运行经费支出363.35万元，比上年决\n- 2 -",
        f"算数332.46万元增加30.89万元，增长9.29%。\n{header}\n- 3 -",
    ]
    facts = extract_narrative(pages).facts
    sentence = next(f.sentence for f in facts if f.text == "332.46")
    assert sentence == "2024年度机关运行经费支出363.35万元，比上年决算数332.46万元增加30.89万元，增长9.29%。"
