"""The dashboard in a real browser (Debian's chromium driven by Playwright) against a warehouse ingested from a
small factory corpus: every page renders without a Python error and without any request leaving 127.0.0.1, the
numbers shown equal SQL on the same file, a figure's source view shows the right page with the right box, and a
publish that swaps the file is picked up by the next interaction.

Screenshots go under the test's tmp folder; with JUESUAN_SCREENSHOTS=docs/screenshots (make screenshots) they
are also written there for the README.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import duckdb
import pytest

from juesuan.budgets.factory import REAL_LAYOUT_PAIRS, STYLES
from juesuan.dashboard import data
from juesuan.dashboard.launch import command, start

pytestmark = [pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
FACTORY_SEED = 3  # two regions (上海市徐汇区, 湖南省永州市江华瑶族自治县), two quarantined reports
SHANGHAI = "上海市"


@dataclass
class Built:
    root: Path
    published: Path
    corpus: Path


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build(tmp: Path, seed: int, regions: int, per_region: int, years: tuple[int, ...], root: Path) -> Path:
    from juesuan.factory import generate_corpus
    from warehouse.ingest import default_checker, ingest_dir

    corpus = tmp / f"corpus-{seed}"
    generate_corpus(corpus, seed=seed, regions=regions, departments_per_region=per_region, years=years)
    summary = ingest_dir(corpus, root, checker=default_checker("duckdb"))
    assert summary.publication is not None
    return corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("dashboard")
    root = tmp / "warehouse"
    corpus = _build(tmp, FACTORY_SEED, 2, 3, (2023, 2024), root)
    return Built(root, root / "juesuan.duckdb", corpus)


def _start(published: Path, data_root: Path) -> Server:
    port = _free_port()
    log = data_root / f"dashboard-{port}.log"
    data_root.mkdir(parents=True, exist_ok=True)
    env_data = {"JUESUAN_DATA": str(data_root)}
    old = {k: os.environ.get(k) for k in env_data}
    os.environ.update(env_data)
    try:
        proc = start(published, port, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return Server(url, proc, log)
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.terminate()
    raise AssertionError(f"dashboard did not start: {log.read_text(errors='replace')[-2000:]}")


def _stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="module")
def server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = _start(built.published, tmp_path_factory.mktemp("dashdata"))
    yield s
    _stop(s)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@dataclass
class Tab:
    page: object
    external: list[str]


@pytest.fixture
def tab(browser: object) -> Iterator[Tab]:
    """A page whose every request to anything but 127.0.0.1 is recorded and refused (an offline intranet)."""
    context = browser.new_context(viewport={"width": 1800, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    external: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()  # type: ignore[attr-defined]
        else:
            external.append(url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    yield Tab(page, external)
    assert external == [], f"requests left 127.0.0.1: {external}"
    context.close()


# ---------------------------------------------------------------------------------------------- helpers


def assert_no_python_error(page: object) -> None:
    """Fail when the page shows a Python exception (the server's error box or a traceback) or a chart that could
    not be drawn."""
    for selector in ('[data-testid="python-error"]', '[data-testid="chart-error"]'):
        shown = page.locator(selector)  # type: ignore[attr-defined]
        if shown.count():
            raise AssertionError(f"page shows a Python error: {shown.first.text_content()[:2000]}")
    body = page.locator("body").text_content() or ""  # type: ignore[attr-defined]
    if "Traceback (most recent call last)" in body:
        raise AssertionError("page shows a Python traceback")


def open_page(tab: Tab, url: str) -> None:
    response = tab.page.goto(url)  # type: ignore[attr-defined]
    wait_ready(tab)
    assert response is not None and response.status < 500, f"{url}: HTTP {response and response.status}"


def wait_ready(tab: Tab) -> None:
    """The page is loaded, its charts drawn and images decoded (app.js sets data-ready), and shows no error."""
    page = tab.page
    page.get_by_test_id("footer").wait_for(timeout=60000)  # type: ignore[attr-defined]
    page.wait_for_function("() => document.documentElement.dataset.ready", timeout=60000)  # type: ignore[attr-defined]
    assert_no_python_error(page)


def _field(tab: Tab, label: str) -> object:
    return tab.page.locator("label.field").filter(  # type: ignore[attr-defined]
        has=tab.page.locator("span", has_text=re.compile(f"^{re.escape(label)}$"))  # type: ignore[attr-defined]
    )


def choose(tab: Tab, label: str, option: str, *, by_value: bool = False) -> None:
    """Pick `option` in the drop-down labelled `label`: the page reloads with the filter in its URL."""
    select = _field(tab, label).locator("select").first  # type: ignore[attr-defined]
    with tab.page.expect_navigation():  # type: ignore[attr-defined]
        select.select_option(value=option) if by_value else select.select_option(label=option)
    wait_ready(tab)


def click_radio(tab: Tab, option: str) -> None:
    with tab.page.expect_navigation():  # type: ignore[attr-defined]
        tab.page.get_by_label(option, exact=True).check()  # type: ignore[attr-defined]
    wait_ready(tab)


def grid(tab: Tab, index: int = 0) -> list[dict[str, str]]:
    """Rows of the index-th table on the page as shown, by header; a link cell gives its href."""
    return tab.page.evaluate(  # type: ignore[attr-defined]
        """i => {
            const t = document.querySelectorAll('table.data')[i];
            const head = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
            return [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries([...tr.children].map(
                (td, j) => [head[j], td.querySelector('a') ? td.querySelector('a').getAttribute('href')
                                                            : td.textContent.trim()])));
        }""",
        index,
    )


def wan(v: Decimal | None) -> str:
    """Yuan -> 万元 rounded half-up to 0.01, as the tables print it (thousands grouped)."""
    return "" if v is None else f"{(Decimal(v) / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def sql(built: Built, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(built.published), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def screenshot(tab: Tab, name: str, tmp_path: Path) -> Path:
    page = tab.page
    page.set_viewport_size({"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # charts re-fit the new width
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)  # type: ignore[attr-defined]
    target = os.environ.get("JUESUAN_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(target) / out.name)
    return out


# ---------------------------------------------------------------------------------------------- fast checks


def test_server_command_binds_localhost_only_by_default() -> None:
    from juesuan.cli import build_parser

    args = build_parser().parse_args(["dashboard"])
    assert args.address == "127.0.0.1"
    cmd = command(8501)
    assert cmd[cmd.index("--address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8501"


def test_wan_rounds_half_up_exactly() -> None:
    assert data.to_wan(Decimal("12345.00")) == Decimal("1.23")
    assert data.to_wan(Decimal("12350.00")) == Decimal("1.24")
    assert data.to_wan(Decimal("-12350.00")) == Decimal("-1.24")
    assert data.to_wan(None) is None


def test_data_docs_page_is_stripped_of_everything_fetched_from_a_cdn() -> None:
    from juesuan.dashboard.gxdocs import offline

    html = (
        '<link rel="stylesheet" href="https://cdn.example/bootstrap.css"><script src="https://cdn.example/x.js">'
        '</script><img src="https://s3.example/logo.png"><a href="https://greatexpectations.io">GX</a>'
        "<script>var local = 1;</script><table><tr><td>income_row_sum</td></tr></table>"
    )
    out = offline(html)
    assert "cdn.example" not in out and "s3.example" not in out
    assert '<a href="https://greatexpectations.io">' in out and "income_row_sum" in out and "var local" in out


def test_error_detector_fails_on_a_page_showing_a_python_error(browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.set_content(
        '<div class="py-error" data-testid="python-error">ZeroDivisionError: division by zero</div>'
    )
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        assert_no_python_error(page)
    page.set_content("<pre>Traceback (most recent call last):\n  File x</pre>")
    with pytest.raises(AssertionError, match="traceback"):
        assert_no_python_error(page)
    page.close()


def test_reader_picks_up_a_swapped_file_and_keeps_user_text_out_of_sql(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "juesuan.duckdb"
    shutil.copy(built.published, path)
    reader = data.WarehouseReader(path)
    reader.refresh()
    first = reader.generation
    hostile = data.RegionFilter("上海市' OR 1=1 --", None, None)
    assert data.documents_by_region_year(reader, hostile).empty
    nxt = tmp_path / "next.duckdb"
    shutil.copy(built.published, nxt)
    con = duckdb.connect(str(nxt))
    con.execute("UPDATE core.publication SET generation = generation + 1")
    con.close()
    os.replace(nxt, path)
    assert reader.refresh() is True
    assert reader.generation == first + 1
    assert reader.refresh() is False
    reader.close()


# ---------------------------------------------------------------------------------------------- browser


PAGES = [
    ("overview", ""),
    ("compare", "compare"),
    ("department", "department"),
    ("functions", "functions"),
    ("quality", "quality"),
    ("source", None),  # filled in with a real figure
    ("data_docs", "data_docs"),
]


@pytest.mark.browser
def test_every_page_renders_offline_without_python_errors(
    server: Server, built: Built, tab: Tab, tmp_path: Path
) -> None:
    sha = sql(
        built,
        "SELECT document_sha256 FROM mart.department_year ORDER BY expenditure_total DESC LIMIT 1",
    )[0][0]
    titles = {"overview": "概览", "compare": "对比", "department": "部门档案", "functions": "功能分类钻取",
              "quality": "数据质量", "source": "原文核对", "data_docs": "GX Data Docs"}  # fmt: skip
    for name, path in PAGES:
        if path is None:
            path = f"source?sha={sha}&metric=expenditure_total"
        open_page(tab, f"{server.url}/{path}")
        assert tab.page.locator("h1").first.text_content().strip() == titles[name]  # type: ignore[attr-defined]
        assert "万元" in (tab.page.locator("body").text_content() or "")  # type: ignore[attr-defined]
        if name != "data_docs":
            screenshot(tab, name, tmp_path)


@pytest.mark.browser
def test_compare_shows_the_sql_figures_for_the_chosen_filters(server: Server, built: Built, tab: Tab) -> None:
    open_page(tab, f"{server.url}/compare")
    choose(tab, "省级", SHANGHAI)
    choose(tab, "指标", "基本支出与项目支出")
    tab.page.get_by_text(f"{SHANGHAI} · 2023–2024 年").wait_for()  # type: ignore[attr-defined]
    assert f"province={quote(SHANGHAI)}" in tab.page.url  # type: ignore[attr-defined]  # the view is a bookmark
    shown = grid(tab)
    expected = sql(
        built,
        """SELECT department, year, basic_expenditure, project_expenditure, document_sha256
        FROM mart.department_year WHERE province = ? AND basic_expenditure IS NOT NULL
        ORDER BY basic_expenditure DESC""",
        [SHANGHAI],
    )
    assert len(shown) == len(expected) > 0
    for row, (dept, year, basic, project, sha) in zip(shown, expected, strict=True):
        assert row["部门"] == dept and row["年度"] == str(year)
        assert row["基本支出（万元）"] == wan(basic)
        assert row["项目支出（万元）"] == wan(project)
        assert parse_qs(urlparse(row["原文"]).query)["sha"] == [sha]

    # year-over-year change in percent, from mart.year_over_year
    choose(tab, "指标", "本年支出合计")
    click_radio(tab, "同比增减率（%）")
    tab.page.get_by_text("单位：%").wait_for()  # type: ignore[attr-defined]
    shown = grid(tab)
    expected = sql(
        built,
        """SELECT department, year, change_pct FROM mart.year_over_year
        WHERE metric = 'expenditure_total' AND province = ? AND change IS NOT NULL ORDER BY change_pct DESC""",
        [SHANGHAI],
    )
    assert [(r["部门"], r["年度"], r["增减率（%）"]) for r in shown] == [
        (d, str(y), f"{p:,.2f}") for d, y, p in expected
    ]
    assert_no_python_error(tab.page)


@pytest.mark.browser
def test_compare_csv_download_has_the_rows_of_the_table(
    server: Server, built: Built, tab: Tab, tmp_path: Path
) -> None:
    import csv

    open_page(tab, f"{server.url}/compare")
    choose(tab, "部门类型（规范化名称）", "教育局")
    tab.page.get_by_text("· 教育局 ·").wait_for()  # type: ignore[attr-defined]
    with tab.page.expect_download() as dl:  # type: ignore[attr-defined]
        tab.page.get_by_role("link", name="下载 CSV").first.click()  # type: ignore[attr-defined]
    path = tmp_path / "compare.csv"
    dl.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    expected = sql(
        built,
        """SELECT dy.department, dy.year, dy.expenditure_total FROM mart.department_year AS dy
        JOIN core.departments AS d USING (department_id) WHERE d.name_key = '教育局' ORDER BY dy.expenditure_total DESC""",
    )
    assert [(r["部门"], r["年度"], r["本年支出合计（万元）"]) for r in rows] == [
        (d, str(y), wan(v).replace(",", "")) for d, y, v in expected
    ]
    assert all(r["原文"].startswith("http://127.0.0.1:") and "/source?sha=" in r["原文"] for r in rows)


@pytest.mark.browser
def test_a_figure_opens_its_source_page_with_the_cell_boxed(server: Server, built: Built, tab: Tab) -> None:
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops

    open_page(tab, f"{server.url}/compare")
    top = grid(tab)[0]
    open_page(tab, server.url + top["原文"])  # the link of the ranked figure: what a click opens
    sha = parse_qs(urlparse(top["原文"]).query)["sha"][0]
    page_no, bbox, text, raw_path, src = sql(
        built,
        """SELECT f.page, f.bbox, f.published_text, d.raw_path, d.source FROM core.facts AS f
        JOIN core.documents AS d USING (document_sha256)
        WHERE f.document_sha256 = ? AND f.table_kind = 'summary' AND f.line_item = 'expenditure.total'""",
        [sha],
    )[0]
    body = tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    assert sha in body and src in body and f"第 {page_no} 页" in body and text in body
    # the full page image (the second image; the first is the close-up of the row)
    img = tab.page.locator("#page-image")  # type: ignore[attr-defined]
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    png = tab.page.request.get(server.url + img.get_attribute("src")).body()  # type: ignore[attr-defined]
    shown = Image.open(io.BytesIO(png)).convert("RGB")
    pdf = pdfium.PdfDocument(raw_path)
    try:
        mine = pdf[page_no - 1].render(scale=data.RENDER_SCALE).to_pil().convert("RGB")
        other = pdf[page_no % len(pdf)].render(scale=data.RENDER_SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    assert shown.size == mine.size
    x0, top_, x1, bottom = (v * data.RENDER_SCALE for v in bbox)
    # the red outline sits just outside the printed cell's box
    pad = 3 * data.RENDER_SCALE
    edge = shown.getpixel((int((x0 + x1) / 2), int(top_ - pad)))
    assert edge[0] > 180 and edge[1] < 80 and edge[2] < 100, edge

    # the rest of the page is the source page, not another one
    def far_from_box(img: Image.Image) -> Image.Image:
        masked = img.copy()
        masked.paste((255, 255, 255), (int(x0 - 20), int(top_ - 20), int(x1 + 20), int(bottom + 20)))
        return masked

    same = ImageChops.difference(far_from_box(shown), far_from_box(mine)).getbbox()
    assert same is None, f"page image differs from page {page_no} of the raw file at {same}"
    if other.size == mine.size:
        assert ImageChops.difference(far_from_box(shown), far_from_box(other)).getbbox() is not None


@pytest.mark.browser
def test_a_quarantined_figure_is_boxed_from_the_raw_file(server: Server, built: Built, tab: Tab) -> None:
    first = sql(
        built,
        """SELECT document_sha256 FROM mart.documents WHERE status = 'quarantined' AND is_current
        ORDER BY province, department, year LIMIT 1""",
    )[0][0]
    kind, actual = sql(
        built,
        """SELECT r.table_kind, r.actual FROM mart.rule_results AS r
        WHERE r.document_sha256 = ? AND r.outcome = 'fail' AND r.severity = 'error'
          AND (r.subject_code IS NOT NULL OR r.line_item IS NOT NULL) AND r.measure IS NOT NULL
        ORDER BY r.severity, r.rule_id, r.table_kind, r.subject_code LIMIT 1""",
        [first],
    )[0]
    open_page(tab, f"{server.url}/quality")
    results = grid(tab, 4)  # the failing checks of the report chosen (the first one)
    link = next(r["原文"] for r in results if f"sha={first}" in r["原文"] and f"kind={kind}" in r["原文"])
    open_page(tab, server.url + link)
    body = tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    assert "已隔离" in body and "重新解析" in body
    shown = (Decimal(actual) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert f"折合 {shown} 万元" in body.replace(",", "")


@pytest.mark.browser
def test_department_profile_equals_sql(server: Server, built: Built, tab: Tab) -> None:
    dept_id, name = sql(
        built,
        "SELECT department_id, department FROM mart.departments WHERE len(years) = 2 ORDER BY 2 LIMIT 1",
    )[0]
    open_page(tab, f"{server.url}/department?dept={dept_id}")
    assert tab.page.locator("h2").first.text_content().startswith(f"{name} · ")  # type: ignore[attr-defined]
    headline = {r["指标"]: r for r in grid(tab, 0)}
    expected = sql(
        built,
        """SELECT year, income_total, expenditure_total, basic_expenditure, headcount_actual, document_sha256
        FROM mart.department_year WHERE department_id = ? ORDER BY year""",
        [dept_id],
    )
    for year, income, expenditure, basic, headcount, sha in expected:
        assert headline["本年收入合计（万元）"][f"{year} 年"] == wan(income)
        assert headline["本年支出合计（万元）"][f"{year} 年"] == wan(expenditure)
        assert headline["基本支出（万元）"][f"{year} 年"] == wan(basic)
        assert headline["实有人数（人）"][f"{year} 年"] == str(headcount)
        assert f"sha={sha}" in headline["本年支出合计（万元）"][f"原文 {year}"]
    functions = grid(tab, 2)  # income sources, then expenditure by function class
    fn_expected = sql(
        built,
        """SELECT year, class_code, sum(total) FROM mart.expenditure_by_function WHERE department_id = ?
        GROUP BY ALL ORDER BY year, class_code""",
        [dept_id],
    )
    assert [(r["年度"], r["科目编码"], r["合计（万元）"]) for r in functions] == [
        (str(y), c, wan(t)) for y, c, t in fn_expected
    ]


@pytest.mark.browser
def test_function_drilldown_sums_leaves_without_double_counting(
    server: Server, built: Built, tab: Tab
) -> None:
    open_page(tab, f"{server.url}/functions")
    choose(tab, "省级", SHANGHAI)
    choose(tab, "年度", "2023")
    (total,) = sql(
        built,
        "SELECT sum(total) FROM mart.expenditure_by_function WHERE province = ? AND year = 2023",
        [SHANGHAI],
    )[0]
    metric = tab.page.locator(".metric-value").first.text_content()  # type: ignore[attr-defined]
    assert metric == wan(total)
    classes = sql(
        built,
        """SELECT class_code, sum(total) FROM mart.expenditure_by_function WHERE province = ? AND year = 2023
        GROUP BY 1 ORDER BY 1""",
        [SHANGHAI],
    )
    assert [(r["科目编码"], r["本年支出合计（万元）"]) for r in grid(tab)] == [
        (c, wan(t)) for c, t in classes
    ]
    top_class = max(classes, key=lambda c: c[1])[0]
    choose(tab, "类", top_class, by_value=True)
    tab.page.get_by_text(f"{top_class} 各部门明细").wait_for()  # type: ignore[attr-defined]
    kuans = sql(
        built,
        """SELECT coalesce(kuan_code, ''), sum(total) FROM mart.expenditure_by_function
        WHERE province = ? AND year = 2023 AND class_code = ? GROUP BY 1 ORDER BY 1""",
        [SHANGHAI, top_class],
    )
    assert [(r["科目编码"], r["本年支出合计（万元）"]) for r in grid(tab, 0)] == [
        (k, wan(t)) for k, t in kuans
    ]
    deps = sql(
        built,
        """SELECT department, sum(total) FROM mart.expenditure_by_function
        WHERE province = ? AND year = 2023 AND class_code = ? GROUP BY 1 ORDER BY 2 DESC""",
        [SHANGHAI, top_class],
    )
    assert [(r["部门"], r["本年支出合计（万元）"]) for r in grid(tab, 1)] == [(d, wan(t)) for d, t in deps]
    assert_no_python_error(tab.page)


@pytest.mark.browser
def test_quality_lists_each_quarantined_report_with_its_failing_rules(
    server: Server, built: Built, tab: Tab
) -> None:
    open_page(tab, f"{server.url}/quality")
    body = tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    quarantined = sql(
        built,
        "SELECT department, year, failing_rule_ids FROM mart.documents WHERE status = 'quarantined' AND is_current",
    )
    assert quarantined
    assert "已隔离的报告" in body
    counts = sql(
        built,
        """SELECT r.rule_id, count(DISTINCT r.document_sha256) FROM mart.rule_results AS r
        JOIN mart.documents AS d USING (document_sha256)
        WHERE d.is_current AND r.outcome IN ('fail', 'parse_error', 'execution_error') GROUP BY 1""",
    )
    shown = {r["规则"]: r["文档数"] for r in grid(tab, 0)}
    assert shown == {rule: str(n) for rule, n in counts}
    listed = grid(tab, 3)
    assert sorted((r["部门"], r["年度"], r["未通过的规则"]) for r in listed) == sorted(
        (d, str(y), ", ".join(rules)) for d, y, rules in quarantined
    )
    assert all(r["Data Docs"].startswith("/data_docs?sha=") for r in listed)


@pytest.mark.browser
def test_hostile_query_parameters_show_a_message_not_an_error(server: Server, tab: Tab) -> None:
    open_page(tab, f"{server.url}/source?sha=%27%20OR%201%3D1%20--&row=abc&kind=summary")
    assert "仓库中没有这份文档" in tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    open_page(tab, f"{server.url}/department?dept=%27%3B%20DROP%20TABLE%20core.facts%3B%20--")
    assert_no_python_error(tab.page)
    # every filter of every page given text that is no option: the defaults are shown, nothing is echoed as HTML
    script = quote("<script>window.__xss = 1</script>")
    for path in ("/", "/compare", "/functions", "/quality", "/budget", "/department", "/source"):
        junk = "&".join(
            f"{k}={script}"
            for k in ("province", "city", "county", "y0", "y1", "type", "measure", "mode", "year", "cls", "kuan",
                      "level", "report", "dept", "table", "csv", "doc")
        )  # fmt: skip
        open_page(tab, f"{server.url}{path}?{junk}")
        assert tab.page.evaluate("() => window.__xss") is None  # type: ignore[attr-defined]
    open_page(tab, f"{server.url}/source?sha={script}&kind={script}&page=-1")
    assert "仓库中没有这份文档" in tab.page.locator("body").text_content()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_data_docs_page_shows_the_rule_results_offline(
    server: Server, built: Built, tab: Tab, tmp_path: Path
) -> None:
    """The 数据质量 page's GX link opens the document's great-expectations validation page, readable offline
    (CDN tags removed; `tab` refuses and records every request leaving 127.0.0.1). Takes 10–35 s: the page is
    built on demand by parsing the raw file again and running the GX suite."""
    sha, rules = sql(
        built,
        """SELECT document_sha256, failing_rule_ids FROM mart.documents WHERE status = 'quarantined'
        AND is_current ORDER BY province, department, year LIMIT 1""",
    )[0]
    open_page(tab, f"{server.url}/quality")
    link = next(r["Data Docs"] for r in grid(tab, 3) if sha in r["Data Docs"])
    open_page(tab, server.url + link)
    frame = tab.page.frame_locator("iframe.docs")  # type: ignore[attr-defined]
    frame.locator("body").get_by_text(rules[0]).first.wait_for(timeout=120000)
    text = frame.locator("body").text_content()
    assert rules[0] in text
    assert frame.locator(".fa-times").count() > 0  # failed expectations, marked by the local style (✘ 未通过)
    screenshot(tab, "data_docs", tmp_path)


@pytest.mark.browser
def test_a_publish_is_picked_up_by_the_next_interaction(built: Built, tab: Tab, tmp_path: Path) -> None:
    """A real publish (ingest of one more report) swaps the file under a running dashboard."""
    from warehouse.ingest import default_checker, ingest_dir

    root = tmp_path / "warehouse"
    shutil.copytree(built.root, root)
    server = _start(root / "juesuan.duckdb", tmp_path / "data")
    try:
        open_page(tab, f"{server.url}/")
        sidebar = tab.page.get_by_test_id("sidebar")  # type: ignore[attr-defined]
        assert "第 1 代发布" in sidebar.text_content()
        extra = tmp_path / "extra"
        from juesuan.factory import generate_corpus

        generate_corpus(extra, seed=11, regions=1, departments_per_region=1, years=(2025,))
        summary = ingest_dir(extra, root, checker=default_checker("duckdb"))
        assert summary.publication is not None and summary.publication.generation == 2
        docs = summary.publication.document_count
        choose(tab, "省级", SHANGHAI)  # the next interaction
        assert "第 2 代发布" in sidebar.text_content()
        assert "数据已更新：第 2 代发布" in tab.page.get_by_test_id("notice").text_content()  # type: ignore[attr-defined]
        open_page(tab, f"{server.url}/")
        values = [m.text_content() for m in tab.page.locator(".metric-value").all()]  # type: ignore[attr-defined]
        assert values[0] == "2" and values[2] == str(docs)
    finally:
        _stop(server)


# ---------------------------------------------------------------------------------------------- budget vs actual

#: The 预算执行 page's figures: (table_kind, measure) as the page offers them.
BVA_FIGURES = [(t, m) for t in data.BVA_TABLES.values() for m in data.BVA_MEASURES.values()]
BVA_VARIANTS = tuple((style, ()) for style in STYLES) + REAL_LAYOUT_PAIRS
BVA_DEPARTMENTS = len(BVA_VARIANTS)


@pytest.fixture(scope="module")
def budget_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Final accounts and budgets (部门预算) of the same departments and year (the budgets factory), ingested: the
    budgets in the plain styles and in the real layouts (per-unit blocks, crossed codes, 西安's unit codes)."""
    from juesuan.budgets.factory import generate_pairs
    from warehouse.ingest import default_checker, ingest_dir

    tmp = tmp_path_factory.mktemp("dashboard_budgets")
    corpus, root = tmp / "corpus", tmp / "warehouse"
    pairs = generate_pairs(corpus, departments=BVA_DEPARTMENTS, years=(2024,), variants=BVA_VARIANTS)
    summary = ingest_dir(corpus, root, checker=default_checker("duckdb"))
    assert summary.publication is not None and summary.publication.document_count == 2 * len(pairs)
    return Built(root, root / "juesuan.duckdb", corpus)


def _bva_sql(built: Built, where: str, params: list) -> list[tuple]:
    return sql(
        built,
        f"""SELECT department_id, subject_code, budget_yuan, actual_yuan, difference_yuan, execution_rate_pct,
            budget_document_sha256, actual_document_sha256
        FROM mart.budget_vs_actual WHERE budget_source = 'budget' AND {where}""",
        params,
    )


def test_budget_page_figures_equal_sql_and_link_both_source_cells(budget_built: Built) -> None:
    reader = data.WarehouseReader(budget_built.published)
    try:
        assert data.budget_years(reader) == [2024]
        resolved = summed = nulls = 0
        for table_kind, measure in BVA_FIGURES:
            deps = data.budget_departments(reader, data.RegionFilter(), 2024, table_kind, measure)
            expected = _bva_sql(
                budget_built,
                "table_kind = ? AND measure = ? AND line_item = 'total' AND year = 2024",
                [table_kind, measure],
            )
            assert len(deps) == len(expected) == BVA_DEPARTMENTS
            rates = [r for r in deps.execution_rate_pct if r is not None]
            assert rates == sorted(rates), "ranked by execution rate, lowest first"
            assert list(deps["rank"]) == list(range(1, BVA_DEPARTMENTS + 1))
            by_id = {e[0]: e for e in expected}
            for row in deps.itertuples():
                _, _, b, a, diff, rate, b_sha, a_sha = by_id[row.department_id]
                assert (row.budget, row.actual, row.difference) == (
                    data.to_wan(b),
                    data.to_wan(a),
                    data.to_wan(diff),
                )
                assert row.execution_rate_pct == rate and isinstance(rate, Decimal | None)
                if b is None:  # 西安's 支出总表 by fund source prints no 基本 / 项目 columns: no budget there
                    assert (table_kind, measure) in {("expenditure", "basic"), ("expenditure", "project")}
                    nulls += 1
                    continue
                # both links open the printed cell of their own document, holding the figure shown
                # (a figure summed from several cells: its table, saying so: 西安's 基本支出 as 人员经费 + 公用经费)
                basis = row.budget_basis if isinstance(row.budget_basis, str) else ""
                for link, sha, amount in ((row.budget_source, b_sha, b), (row.actual_source, a_sha, a)):
                    params = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
                    assert params["sha"] == sha
                    cell = data.resolve_cell(reader, params)
                    if link == row.budget_source and basis.startswith("sum_of_"):
                        assert (
                            cell is not None and cell.bbox is None and cell.note == data.SUMMED_NOTES[basis]
                        )
                        resolved += 1
                        continue
                    assert cell is not None and cell.bbox is not None and cell.note is None, (link, cell)
                    assert cell.amount_yuan == amount
                    resolved += 1
            for dept_id in by_id:
                for level in ("类", "款"):
                    rows = data.budget_functions(reader, dept_id, 2024, table_kind, measure, level)
                    exp = _bva_sql(
                        budget_built,
                        "table_kind = ? AND measure = ? AND department_id = ? AND year = 2024 AND subject_level = ?"
                        " ORDER BY subject_code",
                        [table_kind, measure, dept_id, level],
                    )
                    assert [
                        (r.subject_code, r.budget, r.actual, r.difference, r.execution_rate_pct)
                        for r in rows.itertuples()
                    ] == [
                        (c, data.to_wan(b), data.to_wan(a), data.to_wan(d), p)
                        for _, c, b, a, d, p, _, _ in exp
                    ]
                    if measure == "total":
                        assert len(rows) > 0
                    for r in rows.itertuples():  # the budget link: its own cell, or its table for a sum
                        if r.budget_yuan is None:
                            continue
                        params = {k: v[0] for k, v in parse_qs(urlparse(r.budget_source).query).items()}
                        cell = data.resolve_cell(reader, params)
                        assert cell is not None, r.budget_source
                        if not isinstance(r.budget_basis, str):  # not printed: 0, its table shown
                            assert cell.bbox is None and r.budget_yuan == 0
                        elif r.budget_basis.startswith("sum_of_"):
                            assert cell.bbox is None and cell.note == data.SUMMED_NOTES[r.budget_basis]
                            summed += 1
                        else:
                            assert cell.bbox is not None and cell.amount_yuan == r.budget_yuan, (
                                r.budget_source
                            )
        assert resolved == 2 * (BVA_DEPARTMENTS * len(BVA_FIGURES) - nulls) and nulls == 2
        assert summed > 0, "a budget printed per unit only: its figures by code are sums"
        # a class row links to its own code in each document
        rows = data.budget_functions(
            reader, deps.department_id.iloc[0], 2024, "general_budget", "total", "类"
        )
        top = rows.iloc[0]
        params = {k: v[0] for k, v in parse_qs(urlparse(top.budget_source).query).items()}
        cell = data.resolve_cell(reader, params)
        assert cell is not None and cell.amount_yuan == top.budget_yuan and cell.bbox is not None
        info = data.document_info(reader, params["sha"])
        assert info is not None and info["report_kind"] == "budget"
        with pytest.raises(ValueError):
            data.budget_departments(reader, data.RegionFilter(), 2024, "summary; DROP TABLE x", "total")
    finally:
        reader.close()


@pytest.fixture(scope="module")
def budget_server(budget_built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = _start(budget_built.published, tmp_path_factory.mktemp("dashdata_budgets"))
    yield s
    _stop(s)


@pytest.mark.browser
def test_budget_page_shows_the_sql_figures_and_opens_the_budget_cell(
    budget_server: Server, budget_built: Built, tab: Tab, tmp_path: Path
) -> None:
    open_page(tab, f"{budget_server.url}/budget")
    assert tab.page.locator("h1").first.text_content().strip() == "预算执行"  # type: ignore[attr-defined]
    shown = grid(tab, 0)
    expected = sql(
        budget_built,
        """SELECT department, budget_yuan, actual_yuan, execution_rate_pct, budget_document_sha256
        FROM mart.budget_vs_actual WHERE budget_source = 'budget' AND table_kind = 'general_budget'
          AND measure = 'total' AND line_item = 'total' AND year = 2024
        ORDER BY execution_rate_pct NULLS LAST, department""",
    )
    assert [(r["部门"], r["预算数（万元）"], r["决算数（万元）"], r["执行率（%）"]) for r in shown] == [
        (d, wan(b), wan(a), f"{p:,.2f}") for d, b, a, p, _ in expected
    ]
    screenshot(tab, "budget", tmp_path)
    # the budget figure's link opens the 部门预算's page with that cell
    open_page(tab, budget_server.url + shown[0]["预算原文"])
    sha = expected[0][4]
    text = sql(
        budget_built,
        """SELECT published_text FROM core.facts WHERE document_sha256 = ? AND table_kind = 'general_budget'
        AND line_item = 'total' AND measure = 'total'""",
        [sha],
    )[0][0]
    body = tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    assert "年预算" in body and sha in body and text in body
    # a budget printed only per unit (深圳): the department's plan by class is summed over the units' blocks,
    # and its link shows the table, saying so, rather than one unit's cell
    dept_id, dept = sql(
        budget_built,
        """SELECT DISTINCT department_id, department FROM mart.budget_vs_actual
        WHERE table_kind = 'general_budget' AND budget_basis = 'sum_of_unit_blocks' AND subject_level = '类'""",
    )[0]
    open_page(tab, f"{budget_server.url}/budget?year=2024&dept={dept_id}")
    rows = grid(tab, 1)
    plan = sql(
        budget_built,
        """SELECT subject_code, budget_yuan, budget_basis FROM mart.budget_vs_actual
        WHERE budget_source = 'budget' AND table_kind = 'general_budget' AND measure = 'total'
          AND department_id = ? AND subject_level = '类' ORDER BY subject_code""",
        [dept_id],
    )
    assert [(r["科目编码"], r["预算数（万元）"], r["预算数读法"]) for r in rows] == [
        (c, wan(b), data.BASIS_LABELS[basis]) for c, b, basis in plan
    ], dept
    summed = next(r for r, (_, _, basis) in zip(rows, plan, strict=True) if basis == "sum_of_unit_blocks")
    screenshot(tab, "budget_unit_blocks", tmp_path)
    open_page(tab, budget_server.url + summed["预算原文"])
    body = tab.page.locator("body").text_content()  # type: ignore[attr-defined]
    assert data.SUMMED_NOTES["sum_of_unit_blocks"] in body
    screenshot(tab, "budget_unit_blocks_source", tmp_path)
    # the overview counts budgets and final accounts apart, labelled by kind
    open_page(tab, f"{budget_server.url}/")
    kinds = sql(
        budget_built,
        """SELECT coalesce(report_kind, 'final_account'), count(*) FROM core.documents
        WHERE status = 'published' GROUP BY 1""",
    )
    shown: dict[str, int] = {}
    for r in grid(tab, 0):
        shown[r["文档类型"]] = shown.get(r["文档类型"], 0) + int(r["已发布"])
    assert (
        shown
        == {{"final_account": "决算", "budget": "预算"}[k]: n for k, n in kinds}
        == {"决算": BVA_DEPARTMENTS, "预算": BVA_DEPARTMENTS}
    )


@pytest.mark.browser
def test_budget_page_without_budgets_says_so(server: Server, tab: Tab) -> None:
    """A warehouse of final accounts only: the page explains there is nothing to compare, without an error."""
    open_page(tab, f"{server.url}/budget")
    assert "没有同时发布了部门预算和部门决算的部门" in tab.page.locator("body").text_content()  # type: ignore[attr-defined]
