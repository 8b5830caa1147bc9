"""Reports published as workbooks and HTML articles: the same cells as the PDF, checked and published the same way.

The factory draws one report of each template as PDF, .xlsx and HTML from the same grids, so the report's truth CSV
is the truth of all three. Each variant must give exactly the truth's cells (keys and amounts), with a provenance
that points at the value in the source, and the same rule outcomes as the PDF.
"""

from __future__ import annotations

import io
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from juesuan.factory.document import render_document
from juesuan.factory.formats import write_html, write_xlsx
from juesuan.factory.generate import _synthetic_prior, build_spec, plan_corpus
from juesuan.factory.spec import TEMPLATES, ReportSpec
from juesuan.model import Report, read_gold_csv
from juesuan.parsing import parse_report
from juesuan.parsing.document import NotAFinalAccount

SEED = 7


def _specs() -> list[ReportSpec]:
    """One report per template (the first year), from a small plan that covers every template."""
    out: dict[str, ReportSpec] = {}
    for plan in plan_corpus(SEED, 2, 3, (2023, 2024), tuple(TEMPLATES), 0.3):
        spec, _ = build_spec(plan, SEED, _synthetic_prior(SEED, plan))
        out.setdefault(spec.template, spec)
    return [out[t] for t in TEMPLATES if t in out]


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[ReportSpec, dict[str, Path]]]:
    out = tmp_path_factory.mktemp("formats")
    made = []
    for spec in _specs():
        pdf = out / f"{spec.doc_id}.pdf"
        render_document(spec, pdf)
        made.append(
            (
                spec,
                {
                    "pdf": pdf,
                    "xlsx": write_xlsx(spec, out / f"{spec.doc_id}.xlsx"),
                    "html": write_html(spec, out / f"{spec.doc_id}.html"),
                },
            )
        )
    return made


@pytest.fixture(scope="module")
def reports(variants: list) -> dict[tuple[str, str], tuple[Report, float]]:
    """Each variant parsed once: (report, seconds) by (template, format)."""
    out = {}
    for spec, files in variants:
        for fmt, path in files.items():
            t0 = time.perf_counter()
            report = parse_report(path)
            out[(spec.template, fmt)] = (report, time.perf_counter() - t0)
    return out


def _cells(report: Report) -> dict[tuple[str, str, str, str], Decimal]:
    return {
        (t.kind, r.subject_code or "", r.line_item or "", c.measure): c.amount_yuan
        for t, r, c in report.iter_cells()
    }


def test_factory_covers_every_template(variants: list) -> None:
    assert {spec.template for spec, _ in variants} == set(TEMPLATES)


def test_workbook_and_html_give_exactly_the_pdf_truth(variants: list, reports: dict, record_property) -> None:
    lines = []
    for spec, files in variants:
        truth = {g.key: g.amount_yuan for g in read_gold_csv(spec.truth_csv().splitlines())}
        for fmt in files:
            report, seconds = reports[(spec.template, fmt)]
            got = _cells(report)
            matched = sum(1 for k, v in truth.items() if got.get(k) == v)
            lines.append(
                f"{spec.template:13} {fmt:4} {matched}/{len(truth)} cells, {len(got)} read, {seconds:.3f} s"
            )
            assert got == truth, f"{spec.template} {fmt}: {matched}/{len(truth)} truth cells"
            assert report.source is not None and report.source.format == fmt
            assert (report.department, report.year) == (spec.department, spec.year), fmt
            assert not [p for p in report.problems if p.severity == "error"], fmt
            statuses = {k: t.status for k, t in report.tables.items()}
            if fmt != "pdf":
                pdf_statuses = {k: t.status for k, t in reports[(spec.template, "pdf")][0].tables.items()}
                assert statuses == pdf_statuses, fmt
    record_property("formats", "\n".join(lines))
    print("\n" + "\n".join(lines))


def test_workbook_cells_point_at_their_sheet_cell(variants: list, reports: dict) -> None:
    from openpyxl import load_workbook

    for spec, files in variants:
        report = reports[(spec.template, "xlsx")][0]
        wb = load_workbook(files["xlsx"], read_only=True)
        sheets = {name: {(c.coordinate): c.value for row in wb[name].iter_rows() for c in row if c.value is not None
                         and hasattr(c, "coordinate")} for name in wb.sheetnames}  # fmt: skip
        for _, _, cell in report.iter_cells():
            assert cell.sheet in sheets and cell.address and cell.bbox is None
            value = sheets[cell.sheet][cell.address]
            if isinstance(value, float):  # some tables store unrounded values under a 0.00 format
                shown = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            else:
                shown = Decimal(str(value).replace(",", ""))
            assert shown == cell.value, (cell.sheet, cell.address, value)


def test_html_cells_point_at_their_table_row_and_column(variants: list, reports: dict) -> None:
    import lxml.html

    for spec, files in variants:
        report = reports[(spec.template, "html")][0]
        root = lxml.html.document_fromstring(files["html"].read_text(encoding="utf-8"))
        grids = [_expand(t) for t in root.xpath("//table")]
        for _, _, cell in report.iter_cells():
            assert cell.table_index and cell.address and cell.sheet is None
            r, c = (int(x) for x in cell.address[1:].split("C"))
            grid = grids[cell.table_index - 1]
            assert Decimal(grid[(r - 1, c - 1)].replace(",", "")) == cell.value


def _expand(table) -> dict[tuple[int, int], str]:  # type: ignore[no-untyped-def]
    taken: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = "".join(td.text_content().split()) if (dr, dc) == (0, 0) else ""
            c += cs
    return taken


def _outcomes(report: Report) -> dict[str, str]:
    from expectations import check_report, rule_summary

    frame = rule_summary(check_report(report, runner="duckdb"))
    return dict(zip(frame["rule_id"], frame["outcome"], strict=True))


def test_rules_judge_every_variant_as_they_judge_the_pdf(variants: list, reports: dict) -> None:
    """Same verdict per rule; a workbook carries no prose, so the rules that read it have nothing to check."""
    from expectations import load_catalogue

    reads_prose = {r.id for r in load_catalogue() if r.needs_narrative}
    for spec, _ in variants:
        pdf = _outcomes(reports[(spec.template, "pdf")][0])
        assert _outcomes(reports[(spec.template, "html")][0]) == pdf, spec.template
        xlsx = _outcomes(reports[(spec.template, "xlsx")][0])
        prose = {rid for rid, o in xlsx.items() if o != pdf.get(rid)}
        assert prose <= reads_prose, (spec.template, prose - reads_prose)
        assert all(xlsx[rid] in ("not_applicable", "insufficient_data") for rid in prose), spec.template


@pytest.mark.slow
def test_workbook_and_html_reports_ingest_and_publish(variants: list, tmp_path: Path) -> None:
    import duckdb

    from expectations import check_report
    from warehouse.ingest import ingest_dir

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # two different reports, one as a workbook and one as an HTML page
    (inbox / "report.xlsx").write_bytes(variants[0][1]["xlsx"].read_bytes())
    (inbox / "article.html").write_bytes(variants[1][1]["html"].read_bytes())
    summary = ingest_dir(inbox, tmp_path / "wh", checker=lambda r: check_report(r, runner="duckdb"))
    assert {o.status for o in summary.outcomes} == {"published"}, summary.render()
    con = duckdb.connect(str(summary.publication.path), read_only=True)
    try:
        rows = con.execute(
            "SELECT source_format, count(*), count(sheet), count(table_index), count(cell_address), count(page) "
            "FROM mart.report_amounts GROUP BY ALL ORDER BY 1"
        ).fetchall()
        html, xlsx = rows
        assert html[0] == "html" and html[1] == html[3] == html[4] == html[5] and html[2] == 0
        assert xlsx[0] == "xlsx" and xlsx[1] == xlsx[2] == xlsx[4] == xlsx[5] and xlsx[3] == 0
        assert con.execute("SELECT count(bbox) FROM core.facts").fetchone() == (0,)
        sample = con.execute(
            "SELECT sheet, cell_address FROM mart.report_amounts WHERE source_format = 'xlsx' "
            "AND table_kind = 'income' AND line_item = 'total' AND measure = 'total'"
        ).fetchone()
        assert sample[0].endswith("收入决算表") and sample[1][0] in "CDE"
        n = con.execute("SELECT count(*) FROM mart.report_amounts").fetchone()[0]
        truth = sum(len(read_gold_csv(v[0].truth_csv().splitlines())) for v in variants[:2])
        assert n == truth
    finally:
        con.close()


# ---- refusals and quirks -----------------------------------------------------------------------------------


def _workbook(
    rows: list[list[object]], *, title: str = "Sheet1", hidden: list[list[object]] | None = None
) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if hidden is not None:
        hs = wb.create_sheet("隐藏")
        for row in hidden:
            hs.append(row)
        hs.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_workbook_without_a_final_account_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(_workbook([["姓名", "电话"], ["张三", "12345678"]]))
    with pytest.raises(NotAFinalAccount) as info:
        parse_report(path)
    assert info.value.code == "no_tables"
    assert "workbook (1 sheets: Sheet1)" in info.value.reason


def test_budget_workbook_is_read_as_a_budget(tmp_path: Path) -> None:
    """A 部门预算 workbook is no longer refused: the budget family's reader keeps its cells with their address."""
    path = tmp_path / "b.xlsx"
    rows = [
        ["某某局2025年部门预算"],
        ["部门收支总表"],
        ["单位：万元"],
        ["项目", "预算数"],
        ["一般公共预算拨款收入", 12.5],
    ]
    path.write_bytes(_workbook(rows))
    report = parse_report(path)
    assert (report.kind, report.department, report.year) == ("budget", "某某局", 2025)
    [row] = report.tables["summary"].rows
    [cell] = row.cells
    assert (row.line_item, cell.measure, cell.value) == ("income.general_budget", "amount", Decimal("12.50"))
    assert (cell.sheet, cell.address) == ("Sheet1", "B5")


def test_broken_workbook_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml")
    with pytest.raises(NotAFinalAccount) as info:
        parse_report(path)
    assert info.value.code == "unreadable" and info.value.reason.startswith("unreadable workbook: ")


def test_numbers_stored_as_numbers_text_and_formula_noise(tmp_path: Path) -> None:
    """One income table: amounts as floats (one with binary noise), as text with separators; codes as numbers."""
    rows = [
        ["某某县教育局2023年度收入决算表"],
        ["部门：某某县教育局", None, None, "单位：万元"],
        ["项目", None, "本年收入合计", "财政拨款收入"],
        ["科目编码", "科目名称", None, None],
        [None, "合计", "1,234.50", 0.1 + 0.2],
        [205, "教育支出", 1234.5, 0.30000000000000004],
        [20501, "教育管理事务", 1234.5, 0.3],
    ]
    path = tmp_path / "income.xlsx"
    path.write_bytes(_workbook(rows, hidden=[["不应读取"]]))
    report = parse_report(path)
    income = report.tables["income"]
    assert income.status == "parsed", income.problems
    got = {(r.subject_code or r.line_item, c.measure): (c.text, c.amount_yuan, c.address) for r in income.rows
           for c in r.cells}  # fmt: skip
    assert got == {
        ("total", "total"): ("1,234.50", Decimal("12345000.00"), "C5"),
        ("total", "fiscal_appropriation"): ("0.30", Decimal("3000.00"), "D5"),
        ("205", "total"): ("1234.50", Decimal("12345000.00"), "C6"),
        ("205", "fiscal_appropriation"): ("0.30", Decimal("3000.00"), "D6"),
        ("20501", "total"): ("1234.50", Decimal("12345000.00"), "C7"),
        ("20501", "fiscal_appropriation"): ("0.30", Decimal("3000.00"), "D7"),
    }
    assert any(p.code == "hidden_sheet" for p in report.problems)
    assert (report.department, report.year) == ("某某县教育局", 2023)


def test_html_error_page_is_still_refused_as_not_a_pdf(tmp_path: Path) -> None:
    from juesuan.portal.documents import error_page

    path = tmp_path / "x.pdf"
    path.write_bytes(error_page("/a/b.pdf"))
    with pytest.raises(NotAFinalAccount) as info:
        parse_report(path)
    assert info.value.code == "not_pdf"


def test_html_page_with_only_a_layout_table_is_not_a_report(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>联系我们</title></head><body><table><tr><td>电话</td><td>0731-1234</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(NotAFinalAccount) as info:
        parse_report(path)
    assert info.value.code == "not_pdf" and "联系我们" in info.value.reason


def test_parse_cli_prints_cell_addresses_for_a_workbook(variants: list, capsys) -> None:
    from juesuan.cli import main

    assert main(["parse", str(variants[0][1]["xlsx"]), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(",page,sheet,table_index,address")
    assert len(out) - 1 == len(read_gold_csv(variants[0][0].truth_csv().splitlines()))


# ---- crawling: an article that prints the report inline ------------------------------------------------------


def test_crawler_keeps_an_inline_html_report_as_a_document(variants: list, tmp_path: Path) -> None:
    from juesuan.crawl import crawl, parse_sources
    from juesuan.portal import serve_portal
    from juesuan.rawstore import RawStore

    site = tmp_path / "site"
    d = site / "hn" / "yf" / "czyjs"
    (d / "202409").mkdir(parents=True)
    spec, files = variants[0]
    items = [
        ("./202409/t20240910_1.html", f"{spec.department}{spec.year}年度部门决算"),
        ("./202409/t20240910_2.html", "关于公开部门决算的说明"),
    ]
    lis = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in items)
    (d / "index.html").write_text(
        f'<html><head><meta charset="utf-8"><title>部门决算</title></head><body><ul class="list">{lis}</ul>'
        "</body></html>",
        encoding="utf-8",
    )
    inline = files["html"].read_bytes()
    (d / "202409" / "t20240910_1.html").write_bytes(inline)
    (d / "202409" / "t20240910_2.html").write_text(
        '<html><head><meta charset="utf-8"><title>说明</title></head><body><p>部门决算公开说明</p></body></html>',
        encoding="utf-8",
    )
    source = {
        "id": "hn-yf",
        "family": "trs_static",
        "region": {"province": "湖南省", "city": "衡阳市", "county": "雁峰区"},
        "listing": {"links": "ul.list li a"},
        "detail": {"attachments": "ul.attachments a"},
        "limits": {"rate_per_host": 1000, "backoff": 0.01, "retries": 3, "timeout": 5},
    }
    with serve_portal(site) as portal:
        source["start_urls"] = [f"{portal.url}/hn/yf/czyjs/index.html"]
        store = RawStore(tmp_path / "data")
        result = crawl(parse_sources({"sources": [source]}), store=store)
    docs = {doc.url.rsplit("/", 1)[-1]: doc for doc in result.documents}
    assert set(docs) == {"t20240910_1.html"}
    page = docs["t20240910_1.html"]
    assert page.kind == "html" and page.status == "new" and page.stated_year == spec.year
    assert [f.reason for f in result.failures] == ["no attachment on the detail page"]
    stored = store.get(page.sha256)
    assert stored is not None and stored.path.read_bytes() == inline
    report = parse_report(stored.path)
    truth = {g.key: g.amount_yuan for g in read_gold_csv(spec.truth_csv().splitlines())}
    assert _cells(report) == truth


@pytest.mark.slow
def test_a_workbook_beside_its_pdf_never_replaces_it(variants: list, tmp_path: Path) -> None:
    """Portals attach the tables as a workbook beside the report: one current document, the PDF."""
    import os

    import duckdb

    from expectations import check_report
    from warehouse.ingest import ingest_dir

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = variants[0][1]
    (inbox / "report.pdf").write_bytes(files["pdf"].read_bytes())
    (inbox / "tables.xlsx").write_bytes(files["xlsx"].read_bytes())
    os.utime(inbox / "tables.xlsx", (2_000_000_000, 2_000_000_000))  # fetched later than the PDF
    summary = ingest_dir(inbox, tmp_path / "wh", checker=lambda r: check_report(r, runner="duckdb"))
    assert [o.status for o in summary.outcomes] == ["published", "published"], summary.render()
    con = duckdb.connect(str(summary.publication.path), read_only=True)
    try:
        docs = dict(con.execute("SELECT source_format, is_current FROM mart.documents JOIN core.documents "
                                "USING (document_sha256)").fetchall())  # fmt: skip
        assert docs == {"pdf": True, "xlsx": False}
        formats = con.execute("SELECT DISTINCT source_format FROM mart.report_amounts").fetchall()
        assert formats == [("pdf",)]
    finally:
        con.close()


@pytest.mark.slow
def test_legacy_xls_gives_the_same_cells_as_the_xlsx(variants: list, tmp_path: Path) -> None:
    """.xls (BIFF8): PyPI has no maintained writer, so LibreOffice (make setup installs it) saves the factory's
    workbook as "MS Excel 97"; calamine reads it like the .xlsx, with the same sheets and cell addresses."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Calc is missing: make system-packages installs libreoffice-calc-nogui"
    spec, files = variants[1]
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xls",
         "--outdir", str(tmp_path), str(files["xlsx"])],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    xls = tmp_path / (files["xlsx"].stem + ".xls")
    assert xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: a real legacy workbook
    legacy = parse_report(xls)
    assert legacy.source is not None and legacy.source.format == "xls"

    def located(report: Report) -> dict:
        return {(t.kind, r.subject_code, r.line_item, c.measure): (c.amount_yuan, c.sheet, c.address)
                for t, r, c in report.iter_cells()}  # fmt: skip

    assert located(legacy) == located(parse_report(files["xlsx"]))
    truth = {g.key: g.amount_yuan for g in read_gold_csv(spec.truth_csv().splitlines())}
    assert _cells(legacy) == truth


def test_numbers_are_read_as_their_format_shows_them(tmp_path: Path) -> None:
    """决算 software exports unrounded 万元 values under a 0.00 format: the table shows, and adds up, 463.48."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in (
        ["某某县教育局2023年度收入决算表"],
        ["部门：某某县教育局", None, None, "单位：万元"],
        ["项目", None, "本年收入合计", "财政拨款收入"],
        ["科目编码", "科目名称", None, None],
        [None, "合计", 463.4812, 12.3456],
        ["205", "教育支出", 463.4812, 12.3456],
    ):
        ws.append(row)
    ws["C5"].number_format = ws["C6"].number_format = "#,##0.00"
    ws["D5"].number_format = "0.000"  # D6 stays General: the stored value is what the sheet shows
    path = tmp_path / "unrounded.xlsx"
    wb.save(path)
    raw = tmp_path / "9f86d081884c7d65"  # the raw store keeps files under their hash, without a name
    raw.write_bytes(path.read_bytes())
    report = parse_report(raw)
    assert not [p for p in report.problems if p.code == "number_formats_unread"]
    income = report.tables["income"]
    got = {
        (r.subject_code or r.line_item, c.address): (c.text, c.value) for r in income.rows for c in r.cells
    }
    assert got == {
        ("total", "C5"): ("463.48", Decimal("463.48")),
        ("total", "D5"): ("12.346", Decimal("12.346")),
        ("205", "C6"): ("463.48", Decimal("463.48")),
        ("205", "D6"): ("12.3456", Decimal("12.3456")),
    }


def test_gb2312_html_article_reads_like_utf8(variants: list, tmp_path: Path) -> None:
    """Older CMS pages declare gb2312 / gbk; the article reads the same."""
    spec, files = variants[2]
    text = files["html"].read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    path = tmp_path / "gbk.htm"
    path.write_bytes(text.encode("gb18030"))
    report = parse_report(path)
    truth = {g.key: g.amount_yuan for g in read_gold_csv(spec.truth_csv().splitlines())}
    assert _cells(report) == truth
    assert (report.department, report.year) == (spec.department, spec.year)


def test_hidden_sheet_with_a_public_table_is_a_warning(tmp_path: Path) -> None:
    rows = [
        ["某某县教育局2023年度收入决算表"],
        ["部门：某某县教育局", None, "单位：万元"],
        ["科目编码", "科目名称", "本年收入合计"],
        [None, "合计", "1.00"],
        ["205", "教育支出", "1.00"],
    ]
    path = tmp_path / "h.xlsx"
    path.write_bytes(_workbook(rows, hidden=[["支出决算表"], ["项目", "合计"]]))
    report = parse_report(path)
    hidden = [p for p in report.problems if p.code == "hidden_sheet"]
    assert [(p.severity, "支出决算表" in p.message) for p in hidden] == [("warning", True)]
    assert report.tables["income"].status == "parsed"


def test_html_caption_titles_its_table_and_layout_tables_are_skipped(tmp_path: Path) -> None:
    """A CMS page laid out with an outer table; the report table carries its title as <caption>."""
    page = (
        '<html><head><meta charset="utf-8"><title>某某县教育局2023年度部门决算</title></head><body>'
        "<table><tr><td><div>首页</div></td><td>"
        "<p>某某县教育局2023年度部门决算</p><p>部门：某某县教育局 单位：万元</p>"
        '<table border="1"><caption>收入决算表</caption>'
        "<thead><tr><th colspan=2>项目</th><th rowspan=2>本年收入合计</th></tr>"
        "<tr><th>科目编码</th><th>科目名称</th></tr></thead>"
        "<tbody><tr><td></td><td>合计</td><td>1,234.50</td></tr>"
        "<tr><td>205</td><td>教育支出</td><td>1,234.50</td></tr></tbody></table>"
        "</td></tr></table></body></html>"
    )
    path = tmp_path / "a.html"
    path.write_text(page, encoding="utf-8")
    report = parse_report(path)
    income = report.tables["income"]
    assert income.status == "parsed" and income.title == "收入决算表"
    got = {
        (r.subject_code or r.line_item, c.measure, c.table_index, c.address)
        for r in income.rows
        for c in r.cells
    }
    assert got == {("total", "total", 2, "R3C3"), ("205", "total", 2, "R4C3")}  # the layout table is table 1
    assert (report.department, report.year) == ("某某县教育局", 2023)
