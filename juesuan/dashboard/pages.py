"""The dashboard's pages. Each figure: a chart, its table, a CSV download, and links to the page it was printed on.

A page is a function of the request's query parameters (the filters live in the URL) building a `web.Page`;
all reading goes through `juesuan.dashboard.data` with the session's own reader (cached per publication).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import altair as alt
import pandas as pd
from markupsafe import Markup

from juesuan.dashboard import data
from juesuan.dashboard.data import (
    MEASURES,
    METRICS,
    MODES,
    OUTCOME_LABELS,
    REPORT_KIND_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    RegionFilter,
    region_label,
)
from juesuan.dashboard.web import ALL, ALL_LABEL, WAN_NOTE, Page, _floats, fmt

#: Bars a ranked chart draws (its table lists every row).
CHART_BARS = 40


def bar_with_table(
    p: Page,
    table: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str,
    file_name: str,
    links: dict[str, str] | None = None,
    bars: pd.DataFrame | None = None,
    numbers: Sequence[str] = (),
    height: int | None = None,
    notes: Sequence[str] = (),
    **encoding: Any,
) -> None:
    """One figure: a bar chart, the captions under it, then its table with the CSV download.

    `bars` are the rows the chart draws when they are not the table's (a melted or cut copy); `numbers` are
    their columns turned into floats for Vega-Lite (the table and its CSV keep the exact decimals); `encoding`
    is the chart's Altair encoding (x, y, color, href, tooltip, ...).
    """
    chart = alt.Chart(_floats(table if bars is None else bars, numbers)).mark_bar().encode(**encoding)
    p.chart(chart, height=height)
    for note in notes:
        p.caption(note)
    p.table(table, columns, key=key, file_name=file_name, links=links)


# ---------------------------------------------------------------------------------------------- overview


def overview(p: Page) -> None:
    p.h1("概览")
    pub = p.q("publication")
    published_at = pd.Timestamp(pub["published_at"]) if pub.get("published_at") is not None else None
    p.metrics(
        [
            ("发布代次", pub.get("generation")),
            ("发布时间（UTC）", published_at.strftime("%m-%d %H:%M") if published_at is not None else "—"),
            ("文档数", pub.get("document_count")),
            ("已发布金额单元格", pub.get("amount_count")),
        ]
    )
    region = p.region()
    by = p.q("documents_by_region_year", region)
    p.h2("各地区、各年度文档")
    p.metrics([(STATUS_LABELS[s], int(by[s].sum())) for s in ("published", "quarantined", "failed")])
    # the chart: one bar per region of the level below the one chosen (provinces, their cities, …) and year
    level = "province" if region.province is None else ("city" if region.city is None else "county")
    keys = {"province": ["province"], "city": ["province", "city"], "county": ["province", "city", "county"]}[
        level
    ]
    grouped = by.copy()
    for k in ("province", "city", "county"):
        if k not in keys:
            grouped[k] = None
    grouped = grouped.groupby([*keys, "year"], dropna=False, as_index=False)[
        ["published", "quarantined", "failed"]
    ].sum()
    grouped["region"] = [
        region_label(r.province, r.city if "city" in keys else None, r.county if "county" in keys else None)
        for r in grouped.itertuples()
    ]
    long = grouped.melt(
        id_vars=["region", "year"],
        value_vars=["published", "quarantined", "failed"],
        var_name="status",
        value_name="n",
    )
    long["状态"] = long.status.map(STATUS_LABELS)
    long["年度"] = long.year.map(lambda y: "未知" if pd.isna(y) else str(int(y)))
    long["地区年度"] = long.region + " " + long["年度"]
    long = long[long.n > 0]
    shown = list(dict.fromkeys(long["地区年度"]))[:60]
    cut = len(dict.fromkeys(long["地区年度"])) > len(shown)
    by["kind"] = by.report_kind.map(REPORT_KIND_LABELS)
    bar_with_table(
        p,
        by,
        {
            "region": "地区",
            "year": "年度",
            "kind": "文档类型",
            "published": "已发布",
            "with_warnings": "其中有警告",
            "quarantined": "已隔离",
            "failed": "未能读取",
            "total": "合计",
        },
        key="ov-by",
        file_name="documents_by_region_year",
        bars=long[long["地区年度"].isin(shown)],
        numbers=["n"],
        notes=[f"图中显示前 {len(shown)} 个地区年度；表格列出全部。"] if cut else [],
        y=alt.Y("地区年度:N", title=None, sort=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("n:Q", title="文档数", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(
            "状态:N",
            scale=alt.Scale(domain=list(STATUS_LABELS.values()), range=["#2e7d32", "#f9a825", "#c62828"]),
        ),
        tooltip=["region:N", "年度:N", "状态:N", "n:Q"],
    )

    p.h2("未发布的文档及原因")
    probs = p.q("problem_documents", region)
    probs["status_label"] = probs.status.map(STATUS_LABELS)
    probs["kind"] = probs.report_kind.map(REPORT_KIND_LABELS)
    probs["rules"] = [", ".join(v) if v is not None and len(v) else "" for v in probs.failing_rule_ids]
    # a URL the crawl could not fetch has no document (no sha256): its reason is listed, with nothing to open
    probs["source_link"] = [
        data.source_link(s) if isinstance(s, str) and s else None for s in probs.document_sha256
    ]
    p.table(
        probs,
        {
            "region": "地区",
            "department": "部门",
            "year": "年度",
            "kind": "文档类型",
            "status_label": "状态",
            "failure_code": "原因代码",
            "failure_reason": "原因",
            "rules": "未通过的规则",
            "source": "来源文件",
            "source_link": "原文",
        },
        key="ov-problems",
        file_name="unpublished_documents",
        links={"source_link": "查看原文"},
    )

    p.h2("最近一次运行")
    run = p.q("last_run")
    by_status = run["by_status"]
    if len(by_status):
        first, last = by_status.first_loaded.min(), by_status.last_loaded.max()
        parts = "，".join(
            f"{STATUS_LABELS.get(s, s)} {n} 份" for s, n in zip(by_status.status, by_status.n, strict=True)
        )
        p.text(
            f"第 {pub.get('generation')} 代发布于 {str(pub.get('published_at'))[:19]}（UTC）；发布前 24 小时内"
            f"（{str(first)[:19]} 至 {str(last)[:19]}）载入或重新解析了 {int(by_status.n.sum())} 份文档：{parts}。"
        )
        changed = run["changed"]
        changed["region"] = [
            region_label(*t) for t in zip(changed.province, changed.city, changed.county, strict=True)
        ]
        changed["status_label"] = changed.status.map(STATUS_LABELS)
        changed["kind"] = changed.report_kind.map(REPORT_KIND_LABELS)
        changed["current"] = changed.is_current.map({True: "是", False: "否（已被新版本取代）"})
        p.table(
            changed,
            {
                "loaded_at": "载入时间",
                "region": "地区",
                "department": "部门",
                "year": "年度",
                "kind": "文档类型",
                "status_label": "状态",
                "current": "当前版本",
                "failure_reason": "原因",
            },
            key="ov-changed",
            file_name="last_run_changes",
        )
    else:
        p.text("发布前 24 小时内没有文档被载入：本次发布未改变任何文档。")


# ---------------------------------------------------------------------------------------------- compare


def compare(p: Page) -> None:
    p.h1("对比")
    region = p.region()
    with p.row():
        y0, y1 = p.year_range()
        dept_type = p.dept_type(region)
    with p.row():
        measure = p.select("measure", "指标", [(m, m) for m in MEASURES])
        mode = p.radio("mode", "比较方式", MODES)
    keys = MEASURES[measure]
    if mode != MODES[0] and len(keys) > 1:
        p.caption(f"同比只比较第一个指标：{METRICS[keys[0]].label}。")
        keys = keys[:1]
    df = p.q("compare", region, y0, y1, dept_type, keys, mode)
    metrics = [METRICS[k] for k in keys]
    unit = metrics[0].unit if mode != MODES[2] else "%"
    what = "、".join(m.label for m in metrics) + ("" if mode == MODES[0] else f" {mode}")
    p.caption(f"{region.label()} · {y0}–{y1} 年 · {dept_type or '全部部门'} · {what} · 单位：{unit}")
    if df.empty:
        p.note("info", "所选范围内没有已发布的数据。")
        return
    df["label"] = [f"{d}（{y}）" for d, y in zip(df.department, df.year, strict=True)]
    df["profile"] = [f"/department?dept={i}" for i in df.department_id]
    if mode == MODES[0]:
        value_cols = {m.key: m.column for m in metrics}
    else:
        m = metrics[0]
        value_cols = {
            "previous_value": f"上年数（{m.unit}）",
            "value": f"本年数（{m.unit}）",
            "change": f"增减额（{m.unit}）",
            "change_pct": "增减率（%）",
        }
    plotted = (
        list(value_cols)[: len(metrics)]
        if mode == MODES[0]
        else (["change"] if mode == MODES[1] else ["change_pct"])
    )
    top = df.head(CHART_BARS)
    long = _floats(top, plotted).melt(
        id_vars=["label", "source"], value_vars=plotted, var_name="m", value_name="v"
    )
    long["指标"] = long.m.map(value_cols)
    bar_with_table(
        p,
        df,
        {
            "rank": "排名",
            "region": "地区",
            "department": "部门",
            "year": "年度",
            **value_cols,
            "source": "原文",
            "profile": "部门档案",
        },
        key="cmp",
        file_name="compare",
        links={"source": "查看原文", "profile": "打开档案"},
        bars=long,
        height=max(160, 24 * len(top) * len(plotted) + 60),
        notes=[
            f"图中显示前 {len(top)} 名，表格列出全部 {len(df)} 行。点击条形打开该数字的原文页。"
            if len(df) > len(top)
            else "点击条形或表格中的“查看原文”打开该数字所在的原文页。"
        ],
        y=alt.Y("label:N", sort=list(top.label), title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("v:Q", title=unit),
        color=alt.Color("指标:N", legend=alt.Legend(orient="top")),
        yOffset="指标:N",
        href="source:N",
        tooltip=[
            alt.Tooltip("label:N", title="部门"),
            "指标:N",
            alt.Tooltip("v:Q", title=unit, format=",.2f"),
        ],
    )


# ---------------------------------------------------------------------------------------------- department

PROFILE_METRICS = (
    "income_total",
    "fiscal_appropriation_income",
    "expenditure_total",
    "basic_expenditure",
    "project_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "three_public_budget",
    "three_public_actual",
    "headcount_authorized",
    "headcount_actual",
    "expenditure_per_head",
    "public_expenditure_per_head",
)


def profile_table(head: pd.DataFrame) -> pd.DataFrame:
    """指标 as rows, years as columns, and for each year the link to where the figure is printed."""
    years = [int(y) for y in head.year]
    rows = []
    for key in PROFILE_METRICS:
        m = METRICS[key]
        row: dict[str, Any] = {"指标": m.column}
        for y, value in zip(years, head[key], strict=True):
            row[f"{y} 年"] = value
        for y, sha in zip(years, head.document_sha256, strict=True):
            row[f"原文 {y}"] = data.source_link(sha, metric=key) if m.cells else None
        rows.append(row)
    return pd.DataFrame(rows)


def department(p: Page) -> None:
    p.h1("部门档案")
    region = p.region()
    deps = p.q("departments", region, None)
    wanted = p.param("dept")
    if wanted and wanted not in set(deps.department_id):
        everywhere = p.q("departments", RegionFilter(), None)
        if wanted in set(
            everywhere.department_id
        ):  # a link from another page: the department, whatever the region
            deps = everywhere
    if deps.empty:
        p.note("info", "没有部门。")
        return
    options = [
        (
            row.department_id,
            f"{row.department}（{region_label(row.province, row.city, row.county)}，"
            f"{'、'.join(str(y) for y in row.years)}）",
        )
        for row in deps.itertuples()
    ]
    dept_id = p.select("dept", "部门", options)
    chosen = deps[deps.department_id == dept_id].iloc[0]
    p.h2(f"{chosen.department} · {region_label(chosen.province, chosen.city, chosen.county)}")
    head = p.q("department_headline", dept_id)
    if head.empty:
        p.note("info", "该部门没有已发布的决算。")
    else:
        last = head.iloc[-1]
        p.metrics(
            [
                (f"{int(last.year)} 年本年支出合计（万元）", fmt(last.expenditure_total)),
                ("本年收入合计（万元）", fmt(last.income_total)),
                ("实有人数（人）", fmt(last.headcount_actual, 0)),
                ("“三公”经费决算数（万元）", fmt(last.three_public_actual)),
            ]
        )
        p.caption(WAN_NOTE)
        p.h3("主要指标（逐年）")
        wide = profile_table(head)
        links = {c: "查看原文" for c in wide.columns if c.startswith("原文")}
        p.table(
            wide, {c: c for c in wide.columns}, key="dep-head", file_name="department_headline", links=links
        )

        p.h3("收入来源")
        inc = p.q("department_income", dept_id)
        if inc.empty:
            p.caption("收入决算表没有合计行。")
        else:
            _amounts_by_year(
                p,
                inc,
                {"year": "年度", "measure_label": "收入来源", "amount": "金额（万元）", "source": "原文"},
                color=("measure_label", "来源"),
                key="dep-income",
                file_name="department_income",
            )

        p.h3("按支出功能分类")
        level = p.radio("level", "层级", ["类", "款"])
        fn = p.q("department_functions", dept_id, level)
        fn["label"] = [f"{c} {n}" for c, n in zip(fn.code, fn.name, strict=True)]
        bar_with_table(
            p,
            fn,
            {
                "year": "年度",
                "code": "科目编码",
                "name": "科目名称",
                "total": "合计（万元）",
                "basic": "基本支出（万元）",
                "project": "项目支出（万元）",
                "source": "原文",
            },
            key="dep-fn",
            file_name="department_functions",
            links={"source": "查看原文"},
            numbers=["total"],
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
            x=alt.X("total:Q", title="本年支出合计（万元）"),
            color=alt.Color("year:O", title="年度"),
            yOffset="year:O",
            href="source:N",
            tooltip=["year:O", "label:N", alt.Tooltip("total:Q", format=",.2f")],
        )

        p.h3("基本支出经济分类")
        eco = p.q("department_economic", dept_id)
        if eco.empty:
            p.caption("没有一般公共预算财政拨款基本支出决算表的经济分类数据。")
        else:
            eco["label"] = [f"{c} {n}" for c, n in zip(eco.code, eco.name, strict=True)]
            _amounts_by_year(
                p,
                eco,
                {
                    "year": "年度",
                    "code": "经济分类编码",
                    "name": "名称",
                    "amount": "金额（万元）",
                    "source": "原文",
                },
                color=("label", "经济分类（类）"),
                key="dep-eco",
                file_name="department_economic",
            )

        p.h3("人员编制")
        hc = head[["year", "headcount_authorized", "headcount_actual"]].melt(
            id_vars="year", var_name="k", value_name="n"
        )
        hc["口径"] = hc.k.map({"headcount_authorized": "编制人数", "headcount_actual": "实有人数"})
        hc = hc.dropna(subset=["n"])
        if hc.empty:
            p.caption("报告未说明编制人数和实有人数。")
        else:
            bar_with_table(
                p,
                head,
                {
                    "year": "年度",
                    "headcount_authorized": "编制人数（人）",
                    "headcount_actual": "实有人数（人）",
                },
                key="dep-hc",
                file_name="department_headcount",
                bars=hc,
                numbers=["n"],
                height=220,
                x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
                xOffset="口径:N",
                y=alt.Y("n:Q", title="人"),
                color="口径:N",
            )

    p.h3("规则提示")
    findings = p.q("department_rule_findings", dept_id)
    if findings.empty:
        p.note("success", "该部门所有报告均通过全部规则。")
        return
    for c in ("expected", "actual", "difference"):
        findings[c] = [data.to_wan(v) for v in findings[c]]
    findings["severity_label"] = findings.severity.map(SEVERITY_LABELS)
    findings["outcome_label"] = findings.outcome.map(OUTCOME_LABELS)
    findings["status_label"] = findings.status.map(STATUS_LABELS)
    findings["source"] = [
        data.source_link(s, kind=k, code=c, line=li, m=m)
        for s, k, c, li, m in zip(
            findings.document_sha256,
            findings.table_kind,
            findings.subject_code,
            findings.line_item,
            findings.measure,
            strict=True,
        )
    ]
    p.table(
        findings,
        {
            "year": "年度",
            "status_label": "报告状态",
            "rule_id": "规则",
            "severity_label": "级别",
            "outcome_label": "结果",
            "message": "说明",
            "expected": "应为（万元）",
            "actual": "实为（万元）",
            "difference": "差额（万元）",
            "source": "原文",
        },
        key="dep-rules",
        file_name="department_rule_findings",
        links={"source": "查看原文"},
    )


def _amounts_by_year(
    p: Page, df: pd.DataFrame, columns: dict[str, str], *, color: tuple[str, str], key: str, file_name: str
) -> None:
    """A department's `amount` per year, stacked by the `color` column (its name, its legend title); a bar or
    a table link opens the figure's source page."""
    column, title = color
    bar_with_table(
        p,
        df,
        columns,
        key=key,
        file_name=file_name,
        links={"source": "查看原文"},
        numbers=["amount"],
        height=260,
        x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("amount:Q", title="万元"),
        color=alt.Color(f"{column}:N", title=title),
        href="source:N",
        tooltip=["year:O", f"{column}:N", alt.Tooltip("amount:Q", format=",.2f")],
    )


# ---------------------------------------------------------------------------------------------- functions


def functions(p: Page) -> None:
    p.h1("功能分类钻取")
    region = p.region()
    ys = p.q("years")
    measures = {"本年支出合计": "total", "基本支出": "basic", "项目支出": "project"}
    with p.row():
        year_s = p.select("year", "年度", [(str(y), str(y)) for y in reversed(ys)], reset=("cls", "kuan"))
        dept_type = p.dept_type(region)
        measure_label = p.select("measure", "口径", [(m, m) for m in measures])
    year = int(year_s) if year_s else None
    measure = measures[measure_label]
    leaves = p.q("function_leaves", region, year, dept_type, measure) if year else pd.DataFrame()
    if leaves.empty:
        p.note("info", "所选范围内没有支出决算表数据。")
        return
    total = data.to_wan(sum(leaves.amount_yuan, Decimal(0)))
    p.metrics([(f"{region.label()} {year} 年{dept_type or '全部部门'}{measure_label}（万元）", fmt(total))])
    p.caption("类 → 款 → 项，只累加支出决算表的末级科目行：上级科目等于其下级之和，不重复计算。" + WAN_NOTE)
    rects = data.icicle(leaves)
    base = alt.Chart(_floats(rects, ["amount"]))
    boxes = base.mark_rect(stroke="white").encode(
        x=alt.X("x0:Q", title=f"{measure_label}（万元，累计）"),
        x2="x1:Q",
        y=alt.Y("level:N", sort=["类", "款", "项"], title="层级"),
        color=alt.Color("class_code:N", legend=None),
        tooltip=[alt.Tooltip("label:N", title="科目"), alt.Tooltip("amount:Q", title="万元", format=",.2f")],
    )
    wide = float(sum(leaves.amount_yuan, Decimal(0)) / data.WAN) * 0.08
    labels = (
        base.transform_calculate(mid="(datum.x0 + datum.x1) / 2", w="datum.x1 - datum.x0")
        .transform_filter(alt.datum.w > wide)
        .mark_text(fontSize=11, color="white", limit=120)
        .encode(x="mid:Q", y=alt.Y("level:N", sort=["类", "款", "项"]), text="label:N")
    )
    p.chart(boxes + labels, height=200)
    classes = data.function_level(leaves, "类", None, None)
    with p.row():
        class_code = (
            p.select(
                "cls",
                "类",
                [
                    (ALL, ALL_LABEL),
                    *((c, f"{c} {n}") for c, n in zip(classes.code, classes.name, strict=True) if c),
                ],
                reset=("kuan",),
            )
            or None
        )
        kuan_code = None
        if class_code:
            kuans = data.function_level(leaves, "款", class_code, None)
            kuan_code = (
                p.select(
                    "kuan",
                    "款",
                    [
                        (ALL, ALL_LABEL),
                        *((c, f"{c} {n}") for c, n in zip(kuans.code, kuans.name, strict=True) if c),
                    ],
                )
                or None
            )
    level = "项" if kuan_code else ("款" if class_code else "类")
    rows = data.function_level(leaves, level, class_code, kuan_code)
    p.h2(f"{level}级{'（' + (kuan_code or class_code or '') + ' 之下）' if class_code else ''}")
    rows["label"] = [f"{c} {n}".strip() for c, n in zip(rows.code, rows.name, strict=True)]
    bar_with_table(
        p,
        rows,
        {"code": "科目编码", "name": "科目名称", "amount": f"{measure_label}（万元）", "share": "占比（%）"},
        key="fn-rows",
        file_name=f"functions_{level}",
        numbers=["amount", "share"],
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("amount:Q", title=f"{measure_label}（万元）"),
        tooltip=[
            "label:N",
            alt.Tooltip("amount:Q", format=",.2f"),
            alt.Tooltip("share:Q", title="占比 %"),
        ],
    )
    node = kuan_code or class_code
    if node:
        p.h2(f"{node} 各部门明细")
        deps = p.q("function_departments", region, year, dept_type, node, measure)
        deps["region"] = [region_label(*t) for t in zip(deps.province, deps.city, deps.county, strict=True)]
        p.table(
            deps,
            {"region": "地区", "department": "部门", "amount": f"{measure_label}（万元）", "source": "原文"},
            key="fn-deps",
            file_name=f"functions_{node}_departments",
            links={"source": "查看原文"},
        )


# ---------------------------------------------------------------------------------------------- budget vs actual


def budget(p: Page) -> None:
    """预算执行: the 部门预算's 本年预算数 against the same department-year's 决算数 (mart.budget_vs_actual)."""
    p.h1("预算执行")
    region = p.region()
    ys = p.q("budget_years")
    if not ys:
        p.note("info", "仓库中没有同时发布了部门预算和部门决算的部门。")
        return
    with p.row():
        year = int(p.select("year", "年度", [(str(y), str(y)) for y in reversed(ys)], reset=("dept",)))
        table_label = p.select("table", "口径", [(t, t) for t in data.BVA_TABLES])
        measure_label = p.select("measure", "支出", [(m, m) for m in data.BVA_MEASURES])
    table_kind, measure = data.BVA_TABLES[table_label], data.BVA_MEASURES[measure_label]
    what = f"{table_label}·{measure_label}" if measure != "total" else table_label
    deps = p.q("budget_departments", region, year, table_kind, measure)
    p.caption(
        f"{region.label()} · {year} 年 · {what} · 预算数为部门预算的本年预算数，决算数为同一部门同年决算；"
        "执行率 = 决算数 ÷ 预算数 × 100%。" + WAN_NOTE
    )
    if deps.empty:
        p.note("info", "所选范围内没有同时发布了部门预算和部门决算的部门。")
        return
    p.h2("各部门预算与决算（按执行率从低到高）")
    deps["label"] = [f"{d}（{g}）" for d, g in zip(deps.department, deps.region, strict=True)]
    _plan_vs_spend(
        p,
        deps,
        {"rank": "排名", "department": "部门"},
        shown=deps.head(CHART_BARS),
        what=what,
        key="bva-deps",
        file_name=f"budget_vs_actual_{year}_{table_kind}_{measure}",
    )

    p.h2("部门内按功能分类")
    with p.row():
        dept_id = p.select(
            "dept", "部门", [(r.department_id, f"{r.department}（{r.region}）") for r in deps.itertuples()]
        )
        level = p.radio("level", "层级", ["类", "款"])
    rows = p.q("budget_functions", dept_id, year, table_kind, measure, level)
    if rows.empty:
        p.note("info", f"该部门两份文档都没有印出{level}级科目行。")
        return
    _plan_vs_spend(
        p,
        rows,
        {"subject_code": "科目编码", "subject_name": "科目名称"},
        shown=rows,
        what=what,
        key="bva-functions",
        file_name=f"budget_vs_actual_{year}_{table_kind}_{measure}_{level}",
        basis="预算数读法",
        notes=[
            "某一份文档没有印出的科目行按 0 计（该表已读出）；预算数为 0 时执行率留空。按预算单位分块印出的预算，"
            "部门的预算数取本部门分块，没有本部门分块时取各单位分块之和（合计与各单位之和相符时）。"
        ],
    )


def _plan_vs_spend(
    p: Page,
    table: pd.DataFrame,
    first: dict[str, str],
    *,
    shown: pd.DataFrame,
    what: str,
    key: str,
    file_name: str,
    basis: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Budget and actual side by side for each row of `shown` (`label`s, in table order; a click opens that
    figure's source page), then the table: the `first` columns, the figures, the `basis` column if titled, the
    links to both documents."""
    label = "label"
    columns = {
        **first,
        "budget": "预算数（万元）",
        "actual": "决算数（万元）",
        "difference": "决算减预算（万元）",
        "execution_rate_pct": "执行率（%）",
        **({"basis": basis} if basis else {}),
        "budget_source": "预算原文",
        "actual_source": "决算原文",
    }
    long = _floats(shown, ["budget", "actual"]).melt(
        id_vars=[label, "budget_source", "actual_source", "execution_rate_pct"],
        value_vars=["budget", "actual"],
        var_name="m",
        value_name="v",
    )
    long["数"] = long.m.map({"budget": "预算数", "actual": "决算数"})
    long["source"] = [
        b if m == "budget" else a
        for m, b, a in zip(long.m, long.budget_source, long.actual_source, strict=True)
    ]
    long["rate"] = [float(v) if isinstance(v, Decimal) else None for v in long.execution_rate_pct]
    long = long.drop(columns=["execution_rate_pct"])
    bar_with_table(
        p,
        table,
        columns,
        key=key,
        file_name=file_name,
        links={"budget_source": "查看预算原文", "actual_source": "查看决算原文"},
        bars=long,
        height=max(200, 44 * len(shown) + 60),
        notes=["点击条形或表格中的链接打开该数字所在的预算或决算原文页（红框标出单元格）。", *notes],
        y=alt.Y(f"{label}:N", sort=list(shown[label]), title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("v:Q", title=f"{what}（万元）"),
        color=alt.Color(
            "数:N",
            scale=alt.Scale(domain=["预算数", "决算数"], range=["#90a4ae", "#1565c0"]),
            legend=alt.Legend(orient="top", title=None),
        ),
        yOffset=alt.YOffset("数:N", sort=["预算数", "决算数"]),
        href="source:N",
        tooltip=[
            alt.Tooltip(f"{label}:N", title="项目"),
            "数:N",
            alt.Tooltip("v:Q", title="万元", format=",.2f"),
            alt.Tooltip("rate:Q", title="执行率（%）", format=".2f"),
        ],
    )


# ---------------------------------------------------------------------------------------------- data quality


def quality(p: Page) -> None:
    p.h1("数据质量")
    region = p.region()
    with p.row():
        y0, y1 = p.year_range()
    by_year = p.q("rule_failures", region, y0, y1, "year")
    by_region = p.q("rule_failures", region, y0, y1, "region")
    p.h2("按规则：未通过的文档数")
    if by_year.empty:
        p.note("success", "所选范围内所有文档均通过全部规则。")
    else:
        rules = (
            by_year.groupby(["rule_id", "severity"], as_index=False)[["documents", "results"]]
            .sum()
            .sort_values("documents", ascending=False, kind="stable")
        )
        rules["severity_label"] = rules.severity.map(SEVERITY_LABELS)
        bar_with_table(
            p,
            rules,
            {"rule_id": "规则", "severity_label": "级别", "documents": "文档数", "results": "未通过的检查数"},
            key="dq-rules",
            file_name="rule_failures",
            bars=by_year.assign(年度=lambda d: d.year.astype(str)),
            numbers=["documents"],
            y=alt.Y("rule_id:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("documents:Q", title="未通过的文档数"),
            color=alt.Color("年度:N"),
            tooltip=["rule_id:N", "年度:N", "documents:Q", "results:Q"],
        )
        for frame, (column, title) in ((by_year, ("year", "年度")), (by_region, ("region", "地区"))):
            p.h2(f"按规则与{title}")
            frame["severity_label"] = frame.severity.map(SEVERITY_LABELS)
            p.table(
                frame,
                {
                    "rule_id": "规则",
                    "severity_label": "级别",
                    column: title,
                    "documents": "文档数",
                    "results": "检查数",
                },
                key=f"dq-{column}",
                file_name=f"rule_failures_by_{column}",
            )

    p.h2("已隔离的报告")
    quar = p.q("quarantined", region, y0, y1)
    if quar.empty:
        p.note("success", "所选范围内没有被隔离的报告。")
        return
    quar["region"] = [region_label(*t) for t in zip(quar.province, quar.city, quar.county, strict=True)]
    quar["rules"] = [", ".join(v) for v in quar.failing_rule_ids]
    quar["docs"] = [f"/data_docs?sha={s}" for s in quar.document_sha256]
    quar["kind"] = quar.report_kind.map(REPORT_KIND_LABELS)
    p.table(
        quar,
        {
            "region": "地区",
            "department": "部门",
            "year": "年度",
            "kind": "文档类型",
            "rules": "未通过的规则",
            "docs": "Data Docs",
            "failure_reason": "原因",
        },
        key="dq-quarantined",
        file_name="quarantined_reports",
        links={"docs": "GX 校验页"},
    )
    sha = p.select(
        "report",
        "查看报告的未通过检查",
        [
            (r.document_sha256, f"{r.department or '（未知部门）'} {r.year} {r.kind} · {r.region}")
            for r in quar.itertuples()
        ],
    )
    results = p.q("failing_results", (sha,))
    results["severity_label"] = results.severity.map(SEVERITY_LABELS)
    results["outcome_label"] = results.outcome.map(OUTCOME_LABELS)
    results["docs"] = [f"/data_docs?sha={s}" for s in results.document_sha256]
    row = quar[quar.document_sha256 == sha].iloc[0]
    p.text(row.failure_reason or "")
    p.caption(f"sha256 {sha} · {row.source}")
    p.table(
        results,
        {
            "rule_id": "规则",
            "severity_label": "级别",
            "table_title": "表",
            "subject_code": "科目编码",
            "row_name": "行",
            "measure_label": "列",
            "expected": "应为（万元）",
            "actual": "实为（万元）",
            "difference": "差额（万元）",
            "tolerance": "容差（万元）",
            "outcome_label": "结果",
            "source": "原文",
            "docs": "Data Docs",
            "message": "说明",
        },
        key="dq-results",
        file_name=f"quarantined_{sha[:12]}_failing_checks",
        links={"source": "查看原文", "docs": "GX 校验页"},
    )


def data_docs(p: Page) -> None:
    """The great-expectations Data Docs page of one document's validation, built on demand and shown offline."""
    p.h1("GX Data Docs")
    sha = p.param("sha")
    if not sha:
        p.note("info", "从“数据质量”页的“GX 校验页”链接打开。")
        return
    info = p.q("document_info", sha)
    if not info:
        p.note("error", "仓库中没有这份文档。")
        return
    p.caption(
        f"{info['department']} {info['year']} · sha256 {sha}（great-expectations 校验页；样式与脚本来自 CDN 的部分已移除，离线可读。"
        "首次打开时重新解析并校验该文档，需要几秒钟）"
    )
    # loaded once the page is shown (app.js): building the GX page can take a while; the page does not wait
    p.add(
        Markup('<iframe class="docs" title="GX Data Docs" data-src="/data_docs/raw?sha={}"></iframe>').format(
            sha
        )
    )


# ---------------------------------------------------------------------------------------------- source view


def source(p: Page) -> None:
    p.h1("原文核对")
    params = {k: p.params.get(k) for k in data.SOURCE_PARAMS}
    if not params.get("sha"):
        p.note("info", "从任一页面的“查看原文”链接或图中条形打开；也可以在这里选择一份文档。")
        deps = p.q("departments", RegionFilter(), None)
        options = [
            (f"{row.department_id}|{int(y)}", f"{row.department} {y}")
            for row in deps.itertuples()
            for y in row.years
        ]
        if options:
            choice = p.select("doc", "文档", options)
            dept_id, year = choice.split("|")
            head = p.q("department_headline", dept_id)
            sha = head[head.year == int(year)].document_sha256.iloc[0]
            p.link("打开该文档的本年支出合计", data.source_link(sha, metric="expenditure_total"))
        return
    items = tuple(sorted((k, v) for k, v in params.items() if v))
    cell = p.q("source_cell", items)
    info = p.q("document_info", params["sha"])
    if cell is None or info is None:
        p.note("error", "仓库中没有这份文档。")
        return
    kind = REPORT_KIND_LABELS.get(info.get("report_kind") or "final_account", "决算")
    image = f"/source/image.png?{urlencode(items)}&g={p.reader.generation}"
    facts: list[Markup] = []
    if cell.published_text is not None:
        facts.append(
            Markup(
                '<div class="metric"><div class="metric-label">{} · {}</div><div class="figure">{} {}</div></div>'
            ).format(cell.row_label, cell.measure_label, cell.published_text, cell.unit or "")
        )
        facts.append(
            Markup("<p>折合 {} 万元（{} 元）</p>").format(
                fmt(data.to_wan(cell.amount_yuan)), fmt(cell.amount_yuan)
            )
        )
    urls = [u for u in [info.get("source_url"), *(info.get("sources") or [])] if isinstance(u, str) and u]
    items_md = [
        ("表", cell.table_title or cell.table_kind or "—"),
        ("页码", f"第 {cell.page} 页（共 {info['page_count']} 页）"),
        ("单元格位置", _bbox_text(cell.bbox)),
        ("文档", f"{kind}（{STATUS_LABELS.get(info['status'], info['status'])}）"),
    ]
    facts.append(
        Markup("<ul>")
        + Markup("").join(Markup("<li><b>{}</b>：{}</li>").format(k, v) for k, v in items_md)
        + Markup('<li><b>sha256</b>：<code data-testid="sha256">{}</code></li>').format(
            info["document_sha256"]
        )
        + Markup("</ul><p><b>来源地址</b></p><ul>")
        + Markup("").join(
            Markup('<li><a href="{}">{}</a></li>').format(u, u)
            if u.startswith("http")
            else Markup("<li><code>{}</code></li>").format(u)
            for u in dict.fromkeys(urls)
        )
        + Markup("</ul>")
    )
    if cell.note:
        facts.append(Markup('<div class="note warning">{}</div>').format(cell.note))
    close_up = (
        Markup(
            '<p class="caption">放大：所在行</p><img id="row-image" alt="所在行" src="{}&part=row">'
        ).format(image)
        if cell.bbox
        else ""
    )
    p.h2(f"{info['department'] or info['department_printed'] or ''} {info['year'] or ''} 年{kind}")
    p.add(
        Markup(
            '<div class="source"><div class="images">{}<p class="caption">第 {} 页（红框为该数字）</p>'
            '<img id="page-image" alt="原文第 {} 页" src="{}"></div><div class="facts">{}</div></div>'
        ).format(close_up, cell.page, cell.page, image, Markup("").join(facts))
    )


def _bbox_text(bbox: Sequence[float] | None) -> str:
    if not bbox:
        return "—"
    return "x0 {:.2f}，上 {:.2f}，x1 {:.2f}，下 {:.2f}（PDF 点，左上角为原点）".format(*bbox)


ROUTES: dict[str, Callable[[Page], None]] = {
    "/": overview,
    "/compare": compare,
    "/department": department,
    "/functions": functions,
    "/budget": budget,
    "/quality": quality,
    "/source": source,
    "/data_docs": data_docs,
}
