"""One test per DOMAIN.md section 5 quirk the real PDFs (or synthetic ruled pages) show, plus the CLI."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from test_parse_tables_support import ruled_page

from juesuan.model import CELL_CSV_HEADER, Report
from juesuan.parsing import parse_report
from juesuan.parsing.tables import classify_title, tables_from_pages


@pytest.fixture(params=["pdfium", "pdfplumber"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a PDF-reading test under both geometry engines, chosen the way a deployment does ($ENV)."""
    from juesuan.parsing import ENGINE_ENV

    monkeypatch.setenv(ENGINE_ENV, request.param)
    return request.param


@pytest.fixture(scope="module")
def putuo(real_corpus: Path) -> Report:
    return parse_report(real_corpus / "putuo-finance-2024.pdf")


@pytest.fixture(scope="module")
def petition(real_corpus: Path) -> Report:
    return parse_report(real_corpus / "national-petition-bureau-2024.pdf")


def _row(report: Report, kind: str, code: str | None = None, item: str | None = None):
    row = report.tables[kind].find(subject_code=code, line_item=item)
    assert row is not None, (kind, code, item)
    return row


# ---- real PDFs ----------------------------------------------------------------------------------------------


def test_split_codes_are_joined_to_full_codes(putuo: Report) -> None:
    # printed 201 | 06 | 01 in three cells
    row = _row(putuo, "income", "2010601")
    assert row.label == "行政运行"
    assert row.cell("total").value == Decimal("1511.90")
    assert _row(putuo, "basic_expenditure", "30101").label == "基本工资"  # economic 301 | 01


def test_wrapped_names_are_joined(putuo: Report) -> None:
    assert _row(putuo, "income", "2080505").label == "机关事业单位基本养老保险缴费支出"
    assert _row(putuo, "basic_expenditure", "30108").label == "机关事业单位基本养老保险缴费"
    row = _row(putuo, "appropriation_summary", item="income.gov_fund")
    assert row.label == "二、政府性基金预算财政拨款"


def test_letter_spaced_labels_lose_their_spaces(putuo: Report) -> None:
    assert _row(putuo, "basic_expenditure", "30299").label == "其他商品和服务支出"
    assert _row(putuo, "basic_expenditure", "30212").label == "因公出国（境）费用"


def test_thousands_separators(petition: Report) -> None:
    cell = _row(petition, "summary", item="income.general_budget").cell("amount")
    assert cell.text == "19,572.91"
    assert cell.value == Decimal("19572.91")
    assert cell.amount_yuan == Decimal("195729100.00")


def test_row_numbers_are_not_amounts(petition: Report) -> None:
    # 行次 1..64 and 栏次 1..12 are printed beside the amounts; none may become a cell
    for kind in ("summary", "appropriation_summary", "income", "three_public"):
        for row in petition.tables[kind].rows:
            for cell in row.cells:
                assert "." in cell.text, (kind, row.label, cell.text)
    assert len(_row(petition, "summary", item="income.total").cells) == 1


def test_two_and_three_panel_tables(petition: Report, putuo: Report) -> None:
    summary = petition.tables["summary"]
    assert _row(petition, "summary", item="income.grand_total").cell("amount").value == Decimal("22066.59")
    assert _row(petition, "summary", item="expenditure.grand_total").cell("amount").value == Decimal(
        "22066.59"
    )
    assert _row(petition, "summary", "221").cell("amount").value == Decimal("980.85")
    assert summary.status == "parsed"
    # basic_expenditure: three panels (301/303 | 302 | 307/310/399), footers under panel 1 and spanning 2-3
    assert _row(petition, "basic_expenditure", "31002").cell("amount").value == Decimal("24.67")
    assert _row(petition, "basic_expenditure", item="personnel_total").cell("amount").value == Decimal(
        "7967.72"
    )
    assert _row(petition, "basic_expenditure", item="public_total").cell("amount").value == Decimal("2266.65")
    assert _row(putuo, "basic_expenditure", item="public_total").cell("amount").value == Decimal("184.65")
    # appropriation_summary sub-line under 年初财政拨款结转和结余
    assert _row(petition, "appropriation_summary", item="income.opening_balance.general_budget").cell(
        "amount"
    ).value == Decimal("1154.62")
    # three_public: one row, budget.* and actual.* measures
    tp = petition.tables["three_public"]
    assert len(tp.rows) == 1
    got = {c.measure: c.value for c in tp.rows[0].cells}
    assert got["budget.vehicle_total"] == Decimal("40.63") and got["actual.reception"] == Decimal("0.90")


def test_tables_continue_across_pages(putuo: Report) -> None:
    summary = putuo.tables["summary"]
    assert summary.pages == [6, 7]
    assert _row(putuo, "summary", item="income.grand_total").page == 7
    assert putuo.tables["income"].pages == [8, 9]
    # no header row of the first page became a data row, and nothing was counted twice
    assert not putuo.tables["income"].repeated_rows


def test_empty_spill_page_is_skipped(putuo: Report) -> None:
    t = putuo.tables["appropriation_summary"]
    assert 14 in t.pages  # the page holding only one empty bordered row belongs to the table …
    assert all(c.page != 14 for r in t.rows for c in r.cells)  # … and adds nothing
    assert putuo.tables["general_budget"].pages == [15]


def test_empty_tables_keep_their_note(putuo: Report, petition: Report) -> None:
    for report in (putuo, petition):
        for kind in ("gov_fund", "state_capital"):
            t = report.tables[kind]
            assert t.status == "empty"
            assert t.note and "本表无数据" in t.note
            assert not list(c for r in t.rows for c in r.cells)


def test_pages_after_the_tables_are_not_public_tables(petition: Report) -> None:
    # pages 30-36 (绩效自评表) and 44-50 (annex) are ruled tables too; none may leak into the public tables
    assert all(p <= 15 for t in petition.tables.values() for p in t.pages)


# ---- synthetic ruled pages (quirks the two real PDFs do not show) --------------------------------------------

_GB_HEADER = [["项目", "", "本年支出", "", ""], ["科目编码", "科目名称", "小计", "基本支出", "项目支出"]]


def test_rows_repeated_at_a_page_break_are_counted_once() -> None:
    p1 = ruled_page(
        1,
        [
            (
                ["一般公共预算财政拨款支出决算表", "单位：万元"],
                [
                    *_GB_HEADER,
                    ["", "合计", "463.48", "463.48", "0.00"],
                    ["201", "一般公共服务支出", "268.47", "268.47", "0.00"],
                ],
            )
        ],
    )
    p2 = ruled_page(
        2,
        [
            (
                [],
                [
                    ["20103", "政府办公厅事务", "267.42", "267.42", "0.00"],
                    ["201", "一般公共服务支出", "268.47", "268.47", "0.00"],
                ],
            )
        ],
    )
    t = tables_from_pages([p1, p2]).tables["general_budget"]
    assert t.status == "parsed"
    assert [r.subject_code for r in t.rows if r.subject_code] == ["201", "20103"]
    assert [r.subject_code for r in t.repeated_rows] == ["201"]
    assert [p.code for p in t.problems] == ["repeated_rows"]


def test_yuan_and_wanyuan_tables_in_one_document() -> None:
    page = ruled_page(
        1,
        [
            (
                ["收入决算表", "单位：万元"],
                [
                    ["科目编码", "科目名称", "本年收入合计", "财政拨款收入"],
                    ["", "合计", "2,946.25", "2,940.05"],
                ],
            ),
            (
                ["一般公共预算财政拨款“三公”经费支出决算表", "单位：元"],
                [
                    ["预算数", None, "决算数", None],
                    ["合计", "公务接待费", "合计", "公务接待费"],
                    ["9500.00", "9500.00", "812.30", "812.30"],
                ],
            ),
        ],
    )
    tables = tables_from_pages([page]).tables
    assert tables["income"].unit == "万元"
    assert _cell(tables["income"].rows[0], "total").amount_yuan == Decimal("29462500.00")
    tp = tables["three_public"]
    assert tp.unit == "元"
    assert _cell(tp.rows[0], "actual.reception").amount_yuan == Decimal("812.30")
    assert _cell(tp.rows[0], "budget.total").amount_yuan == Decimal("9500.00")


def _cell(row, measure):
    cell = row.cell(measure)
    assert cell is not None, (row.label, measure, [c.measure for c in row.cells])
    return cell


def test_printed_zeros_are_cells_blank_cells_are_not() -> None:
    page = ruled_page(
        1,
        [
            (
                ["支出决算表", "单位：万元"],
                [
                    ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
                    ["", "合计", "10.00", "10.00", "0.00"],
                    ["201", "一般公共服务支出", "10.00", "10.00", ""],
                ],
            )
        ],
    )
    t = tables_from_pages([page]).tables["expenditure"]
    assert [c.measure for c in t.find(line_item="total").cells] == ["total", "basic", "project"]
    assert [c.measure for c in t.find(subject_code="201").cells] == ["total", "basic"]


def test_unknown_header_is_a_parse_error_that_hides_nothing_else() -> None:
    page = ruled_page(
        1,
        [
            (
                ["支出决算表", "单位：万元"],
                [["科目编码", "科目名称", "神秘栏目"], ["201", "一般公共服务支出", "10.00"]],
            ),
            (
                ["收入决算表", "单位：万元"],
                [["科目编码", "科目名称", "本年收入合计"], ["201", "一般公共服务支出", "10.00"]],
            ),
        ],
    )
    tables = tables_from_pages([page]).tables
    assert tables["expenditure"].status == "parse_error"
    assert tables["expenditure"].problems[0].code == "unknown_header"
    assert "神秘栏目" in tables["expenditure"].problems[0].message
    assert tables["income"].status == "parsed"
    assert tables["summary"].status == "absent"


def test_unreadable_font_is_a_parse_error() -> None:
    page = ruled_page(
        1,
        [
            (
                ["收入决算表", "单位：万元"],
                [["科目编码", "科目名称", "本年收入合计"], ["201", "\ue001\ue002\ue003", "10.00"]],
            )
        ],
    )
    page.unreadable_chars = 40
    t = tables_from_pages([page]).tables["income"]
    assert t.status == "parse_error" and t.problems[0].code == "unreadable_font"


def test_child_only_codes_take_their_parent() -> None:
    page = ruled_page(
        1,
        [
            (
                ["一般公共预算财政拨款支出决算表", "单位：万元"],
                [
                    ["类", "款", "项", "科目名称", "合计", "基本支出", "项目支出"],
                    ["201", "", "", "一般公共服务支出", "5.00", "5.00", ""],
                    ["", "06", "", "财政事务", "5.00", "5.00", ""],
                    ["", "", "01", "行政运行", "5.00", "5.00", ""],
                ],
            )
        ],
    )
    t = tables_from_pages([page]).tables["general_budget"]
    assert [r.subject_code for r in t.rows] == ["201", "20106", "2010601"]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("收入支出决算总表", "summary"),
        ("财政拨款收入支出决算总表", "appropriation_summary"),
        ("一般公共预算财政拨款基本支出决算明细表", "basic_expenditure"),
        ("财政拨款 “ 三公 ” 经费支出决算表", "three_public"),
        ("政府性基金预算财政拨款收入支出决算表", "gov_fund"),
        ("国有资本经营预算财政拨款收入支出决算表", "state_capital"),
        ("一般公共预算财政拨款支出决算明细表", "other"),
        ("项目支出绩效自评表", "other"),
        ("公开05表", None),
        ("注：本表反映部门本年度各项支出情况。", None),
    ],
)
def test_tables_are_identified_by_title_text(title: str, kind: str | None) -> None:
    assert classify_title(title) == kind


# ---- CLI ----------------------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "juesuan.cli", "parse", *args], capture_output=True, text=True
    )


def test_cli_csv_on_real_pdf(real_corpus: Path) -> None:
    out = _cli(str(real_corpus / "national-petition-bureau-2024.pdf"), "--format", "csv")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ",".join(CELL_CSV_HEADER)
    assert (
        "summary,,income.general_budget,一、一般公共预算财政拨款收入,amount,195729100.00,19572.91,万元,7"
        in lines
    )
    assert len(lines) == 1 + 249  # this report leaves zeros blank: every printed cell is a gold cell


def test_cli_json_on_real_pdf(real_corpus: Path) -> None:
    import json

    out = _cli(str(real_corpus / "putuo-finance-2024.pdf"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["tables"]["gov_fund"]["status"] == "empty"
    assert data["source"]["page_count"] == 25
    assert Report.from_dict(data).tables["income"].find(subject_code="2010601") is not None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("html-page-named-pdf.pdf", "HTML"),
        ("scanned-budget-beijing-govdata-2026.pdf", "no text layer"),
    ],
)
def test_cli_refuses_non_final_accounts(real_corpus: Path, name: str, words: str) -> None:
    out = _cli(str(real_corpus / "not-final-accounts" / name), "--format", "csv")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr


@pytest.mark.parametrize("name", ["budget-jiangsu-high-court-2019.pdf", "budget-shenzhen-finance-2026.pdf"])
def test_cli_parses_budgets_as_budgets(real_corpus: Path, name: str) -> None:
    """Budgets are no longer refused: the CLI prints them as reports of kind budget."""
    import json

    out = _cli(str(real_corpus / "not-final-accounts" / name))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["kind"] == "budget"
    assert any(t["status"] == "parsed" for t in data["tables"].values())


def test_notice_beside_a_report_is_not_a_final_account(tmp_path: Path) -> None:
    """The portal's 关于公开部门决算的说明 talks about a 决算 but holds no table: refused, not published."""
    from juesuan.parsing.document import NotAFinalAccount
    from juesuan.portal.documents import notice_pdf

    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(notice_pdf("株洲市荷塘区", 2024))
    for eng in ("pdfium", "pdfplumber"):
        with pytest.raises(NotAFinalAccount) as exc:
            parse_report(pdf, engine=eng)
        assert exc.value.code == "no_tables"
        assert exc.value.reason == (
            "not a final-accounts report: no 决算 table found in 1 page (title: 关于公开部门决算的说明)"
        )
    out = _cli(str(pdf), "--format", "csv")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [f"{pdf}: {exc.value.reason}"]


def test_prose_pdf_with_a_year_and_决算_title_is_refused(tmp_path: Path) -> None:
    """A several-page text that reads like a report cover (2023年度部门决算) but prints no table."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from juesuan.parsing.document import NotAFinalAccount

    pdfmetrics.registerFont(TTFont("wqy", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
    pdf = tmp_path / "prose.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(595, 842))
    for page in range(3):
        c.setFont("wqy", 16)
        c.drawString(100, 780, "某某县教育局2023年度部门决算" if page == 0 else "第二部分 决算情况说明")
        c.setFont("wqy", 10)
        c.drawString(72, 740, "本部门2023年度收入合计1,234.56万元，支出合计1,200.00万元。")
        c.showPage()
    c.save()
    with pytest.raises(NotAFinalAccount) as exc:
        parse_report(pdf)
    assert exc.value.code == "no_tables"
    assert "in 3 pages (title: 某某县教育局2023年度部门决算)" in exc.value.reason


def test_report_with_some_tables_missing_still_parses(real_corpus: Path, tmp_path: Path, engine: str) -> None:
    """Only a document with no public table at all is refused; missing tables are the rules' business."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(real_corpus / "national-petition-bureau-2024.pdf"))
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, [0, 7])  # the cover and the income table only
    pdf = tmp_path / "income-only.pdf"
    dst.save(str(pdf))
    report = parse_report(pdf)
    statuses = {k: t.status for k, t in report.tables.items()}
    assert statuses.pop("income") == "parsed"
    assert set(statuses.values()) == {"absent"}
    assert not any(p.code == "no_tables" for p in report.problems)


def test_engine_is_chosen_by_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from juesuan.parsing import DEFAULT_ENGINE, ENGINE_ENV, resolve_engine

    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert resolve_engine() == DEFAULT_ENGINE
    monkeypatch.setenv(ENGINE_ENV, "pdfplumber")
    assert resolve_engine() == "pdfplumber"
    assert resolve_engine("pdfium") == "pdfium"
    monkeypatch.setenv(ENGINE_ENV, "camelot")
    with pytest.raises(ValueError, match="JUESUAN_PARSER_ENGINE"):
        resolve_engine()
    with pytest.raises(ValueError, match="unknown parser engine 'tabula'"):
        resolve_engine("tabula")


def test_cli_engine_option(real_corpus: Path) -> None:
    pdf = str(real_corpus / "putuo-finance-2024.pdf")
    a = _cli(pdf, "--format", "csv", "--engine", "pdfplumber")
    b = _cli(pdf, "--format", "csv", "--engine", "pdfium")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout and len(a.stdout.splitlines()) > 100


def _sideways_copy(src_pdf: Path, page_no: int, out: Path, rotation: int) -> None:
    """A one-page PDF drawing `page_no` sideways inside a form XObject, with /Rotate making it read upright."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(src_pdf))
    dst = pdfium.PdfDocument.new()
    w, h = src[page_no - 1].get_size()
    obj = src.page_as_xobject(page_no - 1, dst).as_pageobject()
    page = dst.new_page(h, w)
    matrix = pdfium.PdfMatrix(0, 1, -1, 0, h, 0) if rotation == 90 else pdfium.PdfMatrix(0, -1, 1, 0, 0, w)
    obj.set_matrix(matrix)
    page.insert_obj(obj)
    page.gen_content()
    page.set_rotation(rotation)
    dst.save(str(out))


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_pages_and_form_xobjects_read_as_displayed(
    real_corpus: Path, petition: Report, tmp_path: Path, rotation: int, engine: str
) -> None:
    pdf = tmp_path / f"rot{rotation}.pdf"
    _sideways_copy(real_corpus / "national-petition-bureau-2024.pdf", 8, pdf, rotation)
    income = tables_from_pages_of(pdf)["income"]
    expected = {
        (r.subject_code, r.line_item, c.measure, c.value)
        for r in petition.tables["income"].rows
        for c in r.cells
    }
    got = {(r.subject_code, r.line_item, c.measure, c.value) for r in income.rows for c in r.cells}
    assert got == expected and len(got) == 55


def tables_from_pages_of(pdf: Path) -> dict:
    from juesuan.parsing.tables import parse_tables

    return parse_tables(pdf).tables


def test_tables_missing_where_pages_are_scanned_are_parse_errors(
    real_corpus: Path, tmp_path: Path, engine: str
) -> None:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(real_corpus / "national-petition-bureau-2024.pdf"))
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, [0, 7, 8])  # cover, income, expenditure
    w, h = src[9].get_size()
    page = dst.new_page(w, h)  # page 10 (appropriation_summary) as a scanned image
    image = pdfium.PdfImage.new(dst)
    image.set_bitmap(src[9].render(scale=0.5))
    image.set_matrix(pdfium.PdfMatrix().scale(w, h))
    page.insert_obj(image)
    page.gen_content()
    pdf = tmp_path / "partly-scanned.pdf"
    dst.save(str(pdf))

    report = parse_report(pdf)
    assert report.source.text_layer_pages == [True, True, True, False]
    assert report.tables["income"].status == "parsed" and report.tables["expenditure"].status == "parsed"
    t = report.tables["appropriation_summary"]
    assert t.status == "parse_error"
    assert t.problems[0].code == "no_text_layer" and "[4]" in t.problems[0].message


def test_summary_title_variants() -> None:
    assert classify_title("部门收支决算总表") == "summary"
    assert classify_title("财政拨款收支决算总表") == "appropriation_summary"


def test_continuation_with_a_repeated_header() -> None:
    header = [["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"], ["栏次", "", "1", "2", "3"]]
    p1 = ruled_page(
        1,
        [
            (
                ["支出决算表", "单位：万元"],
                [
                    *header,
                    ["", "合计", "30.00", "20.00", "10.00"],
                    ["201", "一般公共服务支出", "20.00", "20.00", ""],
                ],
            )
        ],
    )
    p2 = ruled_page(2, [(["单位：万元"], [*header, ["205", "教育支出", "10.00", "", "10.00"]])])
    t = tables_from_pages([p1, p2]).tables["expenditure"]
    assert t.pages == [1, 2]
    assert [(r.subject_code, r.line_item) for r in t.rows] == [(None, "total"), ("201", None), ("205", None)]
    assert t.find(subject_code="205").cell("project").page == 2
    assert not t.problems


@pytest.mark.parametrize("keep_horizontal", [False, True], ids=["no-rules", "row-rules-only"])
def test_unruled_tables_are_read_from_the_text_layout(
    real_corpus: Path, tmp_path: Path, keep_horizontal: bool, engine: str
) -> None:
    from test_parse_tables_support import score_report, strip_rulings

    from juesuan.model import read_gold_csv

    pdf = tmp_path / "unruled.pdf"
    strip_rulings(real_corpus / "national-petition-bureau-2024.pdf", pdf, keep_horizontal)
    report = parse_report(pdf)
    gold = [g for g in read_gold_csv(real_corpus / "national-petition-bureau-2024.gold.csv")]
    _, precision, missing, extra = score_report(report, gold)
    assert not extra and precision == 1.0
    # every table but three_public (its two-level header cannot be placed without rulings) is cell-exact
    assert {m[0] for m in missing} == {"three_public"}
    tp = report.tables["three_public"]
    assert tp.status == "parse_error" and tp.problems[0].code == "unknown_header"
    assert report.tables["gov_fund"].status == "empty" and "本表无数据" in report.tables["gov_fund"].note
    assert report.tables["basic_expenditure"].find(line_item="public_total").cell("amount").value == Decimal(
        "2266.65"
    )


def test_three_public_with_meeting_and_training_columns() -> None:
    page = ruled_page(
        1,
        [
            (
                ["一般公共预算财政拨款“三公”经费及会议费、培训费支出决算表", "单位：万元"],
                [
                    ["预算数", None, None, None, "决算数", None, None, None],
                    ["合计", "公务接待费", "会议费", "培训费", "合计", "公务接待费", "会议费", "培训费"],
                    ["6.00", "6.00", "2.00", "1.50", "0.08", "0.08", "1.20", "0.90"],
                ],
            )
        ],
    )
    t = tables_from_pages([page]).tables["three_public"]
    got = {c.measure: c.value for c in t.rows[0].cells}
    assert got["budget.meeting"] == Decimal("2.00") and got["actual.training"] == Decimal("0.90")
    assert got["actual.reception"] == Decimal("0.08") and len(got) == 8


def test_three_public_transposed_with_budget_and_actual_rows() -> None:
    page = ruled_page(
        1,
        [
            (
                ["财政拨款“三公”经费支出决算表", "单位：万元"],
                [
                    ["项目", "合计", "因公出国（境）费", "公务接待费"],
                    ["预算数", "6.00", "1.00", "5.00"],
                    ["决算数", "4.50", "", "4.50"],
                ],
            )
        ],
    )
    t = tables_from_pages([page]).tables["three_public"]
    assert t.status == "parsed" and len(t.rows) == 1
    got = {c.measure: c.value for c in t.rows[0].cells}
    assert got == {
        "budget.total": Decimal("6.00"),
        "budget.overseas": Decimal("1.00"),
        "budget.reception": Decimal("5.00"),
        "actual.total": Decimal("4.50"),
        "actual.reception": Decimal("4.50"),
    }


def test_title_and_unit_drawn_inside_the_table_frame() -> None:
    page = ruled_page(
        1,
        [
            (
                [],
                [
                    ["一般公共预算财政拨款支出决算表", None, None],
                    ["单位：元", None, None],
                    ["科目编码", "科目名称", "合计"],
                    ["201", "一般公共服务支出", "1,234.50"],
                ],
            )
        ],
        col_width=120,
    )
    t = tables_from_pages([page]).tables["general_budget"]
    assert t.status == "parsed" and t.unit == "元"
    assert t.find(subject_code="201").cell("total").amount_yuan == Decimal("1234.50")


def test_empty_table_note_inside_the_frame() -> None:
    page = ruled_page(
        1,
        [
            (
                ["国有资本经营预算财政拨款支出决算表", "单位：万元"],
                [
                    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
                    ["", "合计", "", "", ""],
                    ["说明：本单位无国有资本经营预算财政拨款支出，故本表无数据。", None, None, None, None],
                ],
            ),
        ],
        col_width=150,
    )
    t = tables_from_pages([page]).tables["state_capital"]
    assert t.status == "empty"
    assert t.note == "说明：本单位无国有资本经营预算财政拨款支出，故本表无数据。"


def test_overprinted_fake_bold_text_is_read_once(tmp_path: Path, engine: str) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
    pdf = tmp_path / "bold.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(595, 842))

    def bold(x: float, y: float, text: str, size: float = 10) -> None:
        c.setFont("wqy", size)
        for dx in (0, 0.3, 0.6):  # WPS-style fake bold: the same glyphs drawn three times
            c.drawString(x + dx, y, text)

    bold(200, 780, "收入决算表", 16)
    c.setFont("wqy", 9)
    c.drawString(450, 760, "单位：万元")
    rows = [
        ("科目编码", "科目名称", "本年收入合计"),
        ("", "合计", "1,234.56"),
        ("201", "一般公共服务支出", "1,234.56"),
    ]
    xs, top = (50, 150, 330, 480), 750
    for r, row in enumerate(rows):
        y = top - 20 * (r + 1)
        for k, text in enumerate(row):
            (bold if r == 0 else lambda x, y, t: (c.setFont("wqy", 9), c.drawString(x, y, t)))(
                xs[k] + 4, y + 6, text
            )
    for r in range(len(rows) + 1):
        c.line(xs[0], top - 20 * r, xs[-1], top - 20 * r)
    for x in xs:
        c.line(x, top, x, top - 20 * len(rows))
    c.showPage()
    c.save()

    from juesuan.parsing.tables import parse_tables

    t = parse_tables(pdf).tables["income"]
    assert t.title == "收入决算表" and t.status == "parsed"
    assert t.find(subject_code="201").cell("total").value == Decimal("1234.56")
    assert t.columns[0].header == "本年收入合计"


def test_grid_drawn_as_polyline_paths_reads_the_same_in_both_engines(tmp_path: Path) -> None:
    """Rulings drawn as two long serpentine paths (not lines or rectangles): both engines walk the path
    segments (PDFium's path segments, pdfminer's LTCurve points) into the same grid."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from juesuan.parsing.tables import parse_tables

    pdfmetrics.registerFont(TTFont("wqy", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
    pdf = tmp_path / "polyline.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(595, 842))
    c.setFont("wqy", 16)
    c.drawString(200, 780, "支出决算表")
    c.setFont("wqy", 9)
    c.drawString(450, 760, "单位：万元")
    rows = [
        ("科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"),
        ("", "合计", "30.00", "20.00", "10.00"),
        ("201", "一般公共服务支出", "20.00", "20.00", ""),
        ("205", "教育支出", "10.00", "", "10.00"),
    ]
    xs, top, rh = (50, 120, 260, 350, 440, 530), 750, 20
    ys = [top - rh * r for r in range(len(rows) + 1)]
    for r, row in enumerate(rows):
        for k, text in enumerate(row):
            c.drawString(xs[k] + 4, ys[r + 1] + 6, text)
    rows_path = c.beginPath()  # every row rule and the side borders in one serpentine subpath
    rows_path.moveTo(xs[0], ys[0])
    for i, y in enumerate(ys):
        a, b = (xs[0], xs[-1]) if i % 2 == 0 else (xs[-1], xs[0])
        if i:
            rows_path.lineTo(a, y)
        rows_path.lineTo(b, y)
    cols_path = c.beginPath()  # every column rule, likewise
    cols_path.moveTo(xs[0], ys[0])
    for i, x in enumerate(xs):
        a, b = (ys[0], ys[-1]) if i % 2 == 0 else (ys[-1], ys[0])
        if i:
            cols_path.lineTo(x, a)
        cols_path.lineTo(x, b)
    c.drawPath(rows_path, stroke=1, fill=0)
    c.drawPath(cols_path, stroke=1, fill=0)
    c.showPage()
    c.save()

    by_engine = {e: parse_tables(pdf, engine=e).tables["expenditure"] for e in ("pdfium", "pdfplumber")}
    for engine, t in by_engine.items():
        assert t.status == "parsed", (engine, t.problems)
        assert t.find(subject_code="205").cell("project").value == Decimal("10.00"), engine
        assert [r.line_item or r.subject_code for r in t.rows] == ["total", "201", "205"], engine
    cells = {
        e: {(r.subject_code, r.line_item, c.measure, c.value, c.page) for r in t.rows for c in r.cells}
        for e, t in by_engine.items()
    }
    assert cells["pdfium"] == cells["pdfplumber"] and len(cells["pdfium"]) == 7


def test_dedupe_chars_drops_overprints_only() -> None:
    from juesuan.parsing.pdfgeom import Char, dedupe_chars

    chars = [
        Char("1", 100, 10, 103, 17),
        Char("1", 200, 10.2, 203, 17),
        Char("1", 101.0, 10.4, 104.0, 17.4),  # overprint 1 pt off: fake bold
        Char("1", 103.6, 10, 106.6, 17),  # the next digit of "11": kept
    ]
    assert [(c.x0, c.top) for c in dedupe_chars(chars)] == [(100, 10), (200, 10.2), (103.6, 10)]


def test_full_width_digits_and_dash_blanks() -> None:
    page = ruled_page(
        1,
        [
            (
                ["支出决算表", "单位：万元"],
                [
                    ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
                    ["", "合计", "１，２３４．５０", "1,234.50", "—"],
                ],
            )
        ],
    )
    t = tables_from_pages([page]).tables["expenditure"]
    row = t.find(line_item="total")
    assert row.cell("total").value == Decimal("1234.50") and row.cell("project") is None
    assert not t.problems
