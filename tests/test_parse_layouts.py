"""Layouts real portals print, imitated by the factory with truth and read exactly under both geometry engines;
and no printed amount the parser saw is lost quietly.

Continuation pages: the title block repeated (as is, （续）, 续表), neither title nor header, the 合计 row
repeated at the top. A small corpus per layout keeps this fast; the per-layout figures are printed at the end.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from test_parse_tables_support import gold_keys, report_keys, ruled_page, score

from juesuan.model import read_gold_csv
from juesuan.parsing.tables import parse_tables, tables_from_pages

ENGINES = ("pdfium", "pdfplumber")
LAYOUT_SCORES: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)


@pytest.fixture(scope="module", autouse=True)
def _print_layout_scores(request: pytest.FixtureRequest):
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None or not LAYOUT_SCORES:
        return
    with capture.global_and_fixture_disabled():
        print()
        for (layout, engine), rows in sorted(LAYOUT_SCORES.items()):
            tp_r = sum(r * n for r, _, n in rows) / max(1, sum(n for *_, n in rows))
            print(f"layout {layout} [{engine}]: {len(rows)} reports, recall {tp_r:.2%}, "
                  f"precision {min(p for _, p, _ in rows):.2%} (worst)")  # fmt: skip


def _score(name: str, layout: str, engine: str, tables: dict, truth: Path) -> None:
    cells = read_gold_csv(truth)
    recall, precision, missing, extra = score(gold_keys(cells), report_keys(tables))
    LAYOUT_SCORES[(layout, engine)].append((recall, precision, sum(1 for c in cells if c.amount_yuan)))
    assert not missing, f"{name} [{engine}]: {len(missing)} truth cells not read, e.g. {missing[:3]}"
    assert not extra, f"{name} [{engine}]: {len(extra)} cells not in the truth, e.g. {extra[:3]}"


CONTINUATION_LAYOUTS = (
    "title",
    "title_cont",
    "xubiao",
    "bare",
    "total",
    "title_total",
    "bare_total",
    "header",
)


@pytest.fixture(scope="module")
def continuation_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    from juesuan.factory import generate_corpus

    out = tmp_path_factory.mktemp("continuations")
    generate_corpus(
        out,
        seed=777,
        regions=4,
        departments_per_region=2,
        years=(2024,),
        defect_rate=0,
        continuations=CONTINUATION_LAYOUTS,
    )
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _page_text(pdf: Path, page: int) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return "".join(doc[page - 1].get_textpage().get_text_range().split())
    finally:
        doc.close()


def test_factory_prints_each_continuation_layout(continuation_corpus: tuple[Path, list[dict]]) -> None:
    """The layouts are really there: tables span pages, and continuation pages print what the layout says."""
    out, manifest = continuation_corpus
    assert {e["continuation"] for e in manifest} == set(CONTINUATION_LAYOUTS)
    for e in manifest:
        pdf = out / e["file"]
        spans = {k: p for k, p in e["table_pages"].items() if len(p) > 1 and k in ("income", "expenditure")}
        assert spans, f"{e['doc_id']}: no coded table runs over two pages"
        pages = next(iter(spans.values()))
        second = _page_text(pdf, pages[1])
        layout = e["continuation"]
        titled = layout in ("title", "title_cont", "xubiao", "title_total")
        assert ("决算表" in second) == titled, (e["doc_id"], layout, second[:80])
        if layout == "title_cont":
            assert "（续）" in second
        if layout == "xubiao":
            assert "续表" in second
        if layout in ("bare", "bare_total") or (layout == "total" and e["template"] == "hunan2020"):
            assert "科目名称" not in second, (e["doc_id"], layout)
        if layout.endswith("total") and e["template"] != "central2024":
            assert second.count("合计") >= 1


@pytest.mark.parametrize("engine", ENGINES)
def test_continuation_layouts_cell_exact(continuation_corpus: tuple[Path, list[dict]], engine: str) -> None:
    out, manifest = continuation_corpus
    for e in manifest:
        result = parse_tables(out / e["file"], engine=engine)
        name = f"{e['doc_id']} ({e['template']}, {e['continuation']})"
        _score(name, f"continuation:{e['continuation']}", engine, result.tables, out / e["truth_file"])
        errors = [p for t in result.tables.values() for p in t.problems if p.severity == "error"]
        errors += [p for p in result.problems if p.severity == "error"]
        assert not errors, (name, engine, errors)
        codes = {p.code for p in result.problems} | {
            p.code for t in result.tables.values() for p in t.problems
        }
        assert "duplicate_table" not in codes and "repeated_rows" not in codes, (name, codes)
        assert all(t.status in ("parsed", "empty", "absent") for t in result.tables.values())


# ---- other layouts: one small corpus each -----------------------------------------------------------------

#: layout name → generate_corpus arguments (two reports each)
LAYOUTS: dict[str, dict] = {
    "guangdong2018": {"templates": ("guangdong2018",), "years": (2018,)},
    "sichuan_extra_tables": {"options": ("extra_tables",)},
    "annex_tables": {"options": ("annex_tables",)},
    "shaanxi_meetings": {"options": ("meetings",)},
    "summary_report": {"options": ("summary_report",), "departments_per_region": 1},
    "rotated": {"options": ("rotated",)},
    "serif": {"options": ("serif",)},
    "column_split": {"options": ("column_split",), "continuations": ("title_total", "bare")},
    "column_split_bare": {"options": ("column_split_bare",), "continuations": ("bare_total", "xubiao")},
}


@pytest.fixture(scope="module")
def layout_corpora(tmp_path_factory: pytest.TempPathFactory):
    """Built on first use per layout: (out dir, manifest)."""
    from juesuan.factory import generate_corpus

    built: dict[str, tuple[Path, list[dict]]] = {}

    def get(layout: str) -> tuple[Path, list[dict]]:
        if layout not in built:
            out = tmp_path_factory.mktemp(layout)
            kw = {"regions": 1, "departments_per_region": 2, "years": (2024,), **LAYOUTS[layout]}
            generate_corpus(out, seed=4242, defect_rate=0, **kw)
            built[layout] = (out, json.loads((out / "manifest.json").read_text(encoding="utf-8")))
        return built[layout]

    return get


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_cell_exact_and_fully_read(layout_corpora, layout: str, engine: str) -> None:
    from juesuan.parsing import parse_report

    out, manifest = layout_corpora(layout)
    assert len(manifest) >= 2
    for e in manifest:
        report = parse_report(out / e["file"], engine=engine)
        name = f"{e['doc_id']} ({layout})"
        _score(name, layout, engine, report.tables, out / e["truth_file"])
        errors = [p for p in report.problems if p.severity == "error"]
        assert not errors, (name, engine, errors)
        printed = set(e["table_pages"])
        assert {k for k, t in report.tables.items() if t.status != "absent"} == printed, name
        assert report.year == e["year"] and report.department == e["department"]


def test_guangdong2018_prints_the_older_wording(layout_corpora) -> None:
    out, manifest = layout_corpora("guangdong2018")
    e = manifest[0]
    assert "state_capital" not in e["table_pages"] and len(e["table_pages"]) == 8
    gb = _page_text(out / e["file"], e["table_pages"]["general_budget"][0])
    assert gb.startswith("公共财政拨款支出决算表附表5")
    summary = _page_text(out / e["file"], e["table_pages"]["summary"][0])
    assert "事业单位经营收入" in summary and "用事业基金弥补收支差额" in summary


def test_sichuan_extra_tables_are_recognised_and_skipped_with_a_note(layout_corpora) -> None:
    from juesuan.parsing import parse_report

    out, manifest = layout_corpora("sichuan_extra_tables")
    for e in manifest:
        report = parse_report(out / e["file"])
        skipped = [p.message for p in report.problems if p.code == "table_skipped"]
        assert len(skipped) == 3 and all(
            p.severity == "info" for p in report.problems if p.code == "table_skipped"
        )
        for title in ("项目支出决算表", "政府采购情况表", "国有资产占用情况表"):
            assert any(title in m for m in skipped), (title, skipped)
        # 项目支出决算表 is printed between the expenditure and appropriation tables: neither is disturbed
        assert report.tables["expenditure"].status == "parsed"


def test_annex_tables_are_skipped_with_a_note(layout_corpora) -> None:
    from juesuan.parsing import parse_report

    out, manifest = layout_corpora("annex_tables")
    report = parse_report(out / manifest[0]["file"])
    assert [p.code for p in report.problems if "绩效自评表" in p.message] == ["table_skipped"]


def test_shaanxi_meeting_and_training_columns_are_read(layout_corpora) -> None:
    from juesuan.parsing import parse_report

    out, manifest = layout_corpora("shaanxi_meetings")
    report = parse_report(out / manifest[0]["file"])
    measures = {c.measure for r in report.tables["three_public"].rows for c in r.cells}
    assert {"budget.meeting", "budget.training", "actual.meeting", "actual.training"} <= measures


def test_department_summary_report_and_unit_report_stay_two_departments(layout_corpora) -> None:
    from juesuan.parsing import parse_report
    from warehouse.naming import department_name_key

    out, manifest = layout_corpora("summary_report")
    assert [e["doc_id"].endswith("-bj") for e in manifest] == [False, True]
    reports = [parse_report(out / e["file"]) for e in manifest]
    consolidated, own = reports
    assert consolidated.department.endswith("（汇总）") and own.department.endswith("本级")
    assert consolidated.year == own.year
    keys = {department_name_key(r.department, r.region) for r in reports}
    assert len(keys) == 2, keys


def test_rotated_and_serif_layouts_are_really_printed(layout_corpora) -> None:
    import pypdfium2 as pdfium

    out, manifest = layout_corpora("rotated")
    e = manifest[0]
    doc = pdfium.PdfDocument(str(out / e["file"]))
    try:
        page = doc[e["table_pages"]["income"][0] - 1]
        assert page.get_rotation() == 90 and page.get_size()[0] > page.get_size()[1]  # shown landscape
    finally:
        doc.close()
    raw = (out / e["file"]).read_bytes()
    assert b"/Rotate 90" in raw and b"/MediaBox [ 0 0 841.8898 595.2756 ]" not in raw  # stored portrait
    out, manifest = layout_corpora("serif")
    assert b"UMing" in (out / manifest[0]["file"]).read_bytes()


def test_column_split_really_prints_the_measures_after_the_rows(layout_corpora) -> None:
    for layout, names_repeated in (("column_split", True), ("column_split_bare", False)):
        out, manifest = layout_corpora(layout)
        e = manifest[0]
        pages = e["table_pages"]["income"]
        texts = [_page_text(out / e["file"], p) for p in pages]
        first = next(i for i, t in enumerate(texts) if "其他收入" in t)
        assert first > 0 and "其他收入" not in texts[0] and "本年收入合计" in texts[0], layout
        assert ("科目名称" in texts[first]) == names_repeated, layout


# ---- no silent loss ---------------------------------------------------------------------------------------

_HEADER = ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"]


def test_continuation_page_repeating_the_title_is_one_table() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    p1 = ruled_page(1, [(title, [_HEADER, ["", "合计", "10.00", "6.00", "4.00"], ["201", "一般公共服务支出", "6.00", "6.00", ""]])])  # fmt: skip
    p2 = ruled_page(2, [(["一般公共预算财政拨款支出决算表（续）", "单位：万元"], [_HEADER, ["", "合计", "10.00", "6.00", "4.00"], ["205", "教育支出", "4.00", "", "4.00"]])])  # fmt: skip
    result = tables_from_pages([p1, p2])
    t = result.tables["general_budget"]
    assert t.status == "parsed"
    assert [r.subject_code for r in t.rows if r.subject_code] == ["201", "205"]
    assert t.pages == [1, 2]
    assert [p.code for p in t.problems] == ["repeated_total_row"]
    assert not t.repeated_rows
    assert not [p for p in result.problems if p.code == "duplicate_table"]


def test_untitled_grid_after_a_gap_is_an_error_on_the_table_it_follows() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    p1 = ruled_page(1, [(title, [_HEADER, ["", "合计", "10.00", "6.00", "4.00"]])])
    p2 = ruled_page(2, [(["本页为说明"], [])])
    p3 = ruled_page(3, [([], [["205", "教育支出", "4.00", "", "4.00"]])])  # no title, not the next page
    result = tables_from_pages([p1, p2, p3])
    t = result.tables["general_budget"]
    assert t.status == "parse_error"
    lost = [p for p in t.problems if p.code == "unplaced_cells"]
    assert (
        lost and lost[0].severity == "error" and lost[0].page == 3 and "2 printed amounts" in lost[0].message
    )


def test_second_table_of_a_kind_with_other_cells_is_an_error_not_a_warning() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    p1 = ruled_page(1, [(title, [_HEADER, ["", "合计", "10.00", "6.00", "4.00"]])])
    p3 = ruled_page(3, [(title, [_HEADER, ["", "合计", "99.00", "90.00", "9.00"]])])  # not a continuation
    t = tables_from_pages([p1, ruled_page(2, []), p3]).tables["general_budget"]
    assert t.status == "parse_error"
    dup = [p for p in t.problems if p.code == "duplicate_table"]
    assert dup and dup[0].severity == "error"


def test_same_table_printed_twice_is_counted_once_with_a_warning() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    rows = [_HEADER, ["", "合计", "10.00", "6.00", "4.00"]]
    result = tables_from_pages(
        [ruled_page(1, [(title, rows)]), ruled_page(2, []), ruled_page(3, [(title, rows)])]
    )
    assert result.tables["general_budget"].status == "parsed"
    assert [(p.code, p.severity) for p in result.problems] == [("duplicate_table", "warning")]


def test_table_that_is_not_public_is_skipped_with_a_note_and_its_next_page_too() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    p1 = ruled_page(1, [(title, [_HEADER, ["", "合计", "10.00", "6.00", "4.00"]])])
    p2 = ruled_page(
        2, [(["项目支出绩效自评表"], [["指标", "年度目标", "实际完成值"], ["资金", "12.00", "11.50"]])]
    )
    p3 = ruled_page(3, [([], [["资金2", "3.00", "2.50"]])])
    result = tables_from_pages([p1, p2, p3])
    assert result.tables["general_budget"].status == "parsed"
    skipped = [p for p in result.problems if p.code == "table_skipped"]
    assert [p.page for p in skipped] == [2, 3] and all(p.severity == "info" for p in skipped)


def test_amount_in_a_row_without_a_key_makes_the_table_a_parse_error() -> None:
    title = ["一般公共预算财政拨款支出决算表", "单位：万元"]
    page = ruled_page(1, [(title, [_HEADER, ["", "合计", "10.00", "6.00", "4.00"], ["", "某某杂项", "1.00", "1.00", ""]])])  # fmt: skip
    t = tables_from_pages([page]).tables["general_budget"]
    assert t.status == "parse_error"
    assert any(p.code == "unknown_row" and p.severity == "error" for p in t.problems)


# ---- documents with scanned pages ------------------------------------------------------------------------


def test_notice_with_a_scanned_signature_page_is_refused_not_nine_parse_errors(tmp_path: Path) -> None:
    from test_document import _pdf

    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount

    notice = ["关于公开2024年度部门决算的通知", "各单位：", "现将有关事项通知如下，请按要求做好公开工作。"]
    pdf = _pdf(tmp_path / "notice.pdf", [notice, []], image_pages={1})
    with pytest.raises(NotAFinalAccount) as info:
        parse_report(pdf)
    assert info.value.code == "no_tables"
    assert "page 2 is scanned" in info.value.reason and "关于公开2024年度部门决算的通知" in info.value.reason


def test_report_whose_table_pages_are_scanned_says_so_per_table(tmp_path: Path) -> None:
    from test_document import _pdf

    from juesuan.parsing import parse_report

    cover = ["2024年度", "某某县财政局", "部门决算"]
    pdf = _pdf(tmp_path / "scanned-tables.pdf", [cover, [], []], image_pages={1, 2})
    report = parse_report(pdf)
    assert {t.status for t in report.tables.values()} == {"parse_error"}
    assert {p.code for t in report.tables.values() for p in t.problems} == {"no_text_layer"}


# ---- juesuan parse --explain -----------------------------------------------------------------------------


def test_parse_explain_says_per_page_what_was_read(
    continuation_corpus: tuple[Path, list[dict]], capsys: pytest.CaptureFixture[str]
) -> None:
    from juesuan.cli import main

    out, manifest = continuation_corpus
    e = next(e for e in manifest if e["continuation"] == "title_cont")
    assert main(["parse", "--explain", str(out / e["file"])]) == 0
    text = capsys.readouterr().out
    income = e["table_pages"]["income"]
    assert f"page {income[1]} (" in text
    assert "title '收入决算表（续）' -> income" in text
    assert "-> continues income (its title repeated on the next page)" in text
    assert "not read as a table" in text  # the prose pages
    assert "  income: parsed '收入决算表' pages " in text
    assert text.rstrip().endswith("verdict: every public table it prints was read")


def test_parse_explain_explains_a_refusal(real_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from juesuan.cli import main

    assert (
        main(
            [
                "parse",
                "--explain",
                str(real_corpus / "not-final-accounts" / "scanned-budget-beijing-govdata-2026.pdf"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "refused (no_text_layer): " in text
