"""The dashboard's pages (Streamlit). Each figure: a chart, its table, a CSV download, and a link to its page.

All reading goes through `juesuan.dashboard.data` with the session's own `WarehouseReader`; results are cached
per file identity (inode, mtime, size), so a new publication is never served from the old one's cache.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from juesuan.dashboard import data
from juesuan.dashboard.data import (
    MEASURES,
    METRICS,
    MODES,
    OUTCOME_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    RegionFilter,
    WarehouseMissing,
    WarehouseReader,
    region_label,
)

ALL = "全部"
WAN_NOTE = "金额单位：万元（由元精确换算，四舍五入保留两位小数）。"
_NO_CACHE = os.environ.get("JUESUAN_DASHBOARD_NO_CACHE") == "1"


# ---------------------------------------------------------------------------------------------- plumbing


def warehouse_path() -> Path:
    return Path(os.environ.get("JUESUAN_DASHBOARD_WAREHOUSE", "data/warehouse/juesuan.duckdb"))


def reader() -> WarehouseReader:
    """This browser session's own read-only connection, reopened when a publish replaced the file."""
    r = st.session_state.get("_reader")
    if r is None:
        r = WarehouseReader(warehouse_path())
        st.session_state["_reader"] = r
    old = r.generation
    if r.refresh() and old is not None and old != r.generation:
        st.toast(f"数据已更新：第 {r.generation} 代发布")
    return r


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(
    identity: tuple[int, int, int], path: str, name: str, args: tuple, _reader: WarehouseReader
) -> Any:
    return getattr(data, name)(_reader, *args)


def q(name: str, *args: Any) -> Any:
    """data.<name>(reader, *args), cached for this publication (file identity) across sessions."""
    r = reader()
    if _NO_CACHE:
        return getattr(data, name)(r, *args)
    return _cached(r.identity, str(r.path), name, args, r)


def _floats(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """A copy for plotting only: Vega-Lite needs numbers; tables and CSV keep the exact decimals."""
    out = df.copy()
    for c in cols:
        out[c] = [float(v) if isinstance(v, Decimal) else v for v in out[c]]
    return out


def table(
    df: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str,
    file_name: str,
    links: dict[str, str] | None = None,
    height: int | str = "auto",
) -> None:
    """The figure's table (display labels), and the same rows as a UTF-8 CSV download."""
    links = links or {}
    shown = df[[c for c in columns if c in df.columns]].rename(columns=columns)
    link_labels = {columns[c] for c in links}
    for c in shown.columns:
        is_text = shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c].dtype)
        if is_text and c not in link_labels and not any(isinstance(v, Decimal) for v in shown[c]):
            shown[c] = [v if isinstance(v, str) or not _missing(v) else "" for v in shown[c]]
    if height == "auto" and len(shown) > 10:
        height = min(36 + 35 * len(shown), 720)
    config: dict[str, Any] = {}
    for col, label in columns.items():
        if col in links:
            config[label] = st.column_config.LinkColumn(label, display_text=links[col])
        elif (
            col in df.columns
            and len(df)
            and isinstance(df[col].dropna().iloc[0] if df[col].notna().any() else None, Decimal)
        ):
            config[label] = st.column_config.NumberColumn(label, format="%.2f")
    st.dataframe(shown, hide_index=True, column_config=config, key=f"df-{key}", height=height, placeholder="")
    csv = shown.copy()
    for col, label in columns.items():
        if col in links:
            csv[label] = [f"http://{_host()}{u}" if isinstance(u, str) else u for u in csv[label]]
    st.download_button(
        "下载 CSV",
        csv.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"csv-{key}",
        on_click="ignore",
    )


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):  # lists/arrays
        return False


def _host() -> str:
    try:
        return st.context.headers.get("Host", "127.0.0.1")
    except Exception:  # outside a browser session (bare script)
        return "127.0.0.1"


def footer(started: float) -> None:
    r = reader()
    ms = (time.perf_counter() - started) * 1000
    runs = st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
    st.caption(f"本页查询与生成用时 {ms:.0f} 毫秒 · 第 {r.generation} 代发布 · 本会话第 {runs} 次刷新")


def region_picker(key: str) -> RegionFilter:
    """省 → 市 → 县 from the regions in the warehouse (names from the administrative-division list)."""
    regs = q("regions")
    c1, c2, c3 = st.columns(3)
    provinces = list(dict.fromkeys(p for p in regs.province if isinstance(p, str)))
    prov = c1.selectbox("省级", [ALL, *provinces], key=f"{key}-province")
    prov_v = None if prov == ALL else prov
    cities = (
        list(dict.fromkeys(c for c in regs[regs.province == prov].city if isinstance(c, str)))
        if prov_v
        else []
    )
    city = c2.selectbox("市级", [ALL, *cities], key=f"{key}-city", disabled=not prov_v)
    city_v = None if city == ALL or not prov_v else city
    counties = (
        list(
            dict.fromkeys(
                c for c in regs[(regs.province == prov) & (regs.city == city)].county if isinstance(c, str)
            )
        )
        if city_v
        else []
    )
    county = c3.selectbox("县级", [ALL, *counties], key=f"{key}-county", disabled=not city_v)
    county_v = None if county == ALL or not city_v else county
    return RegionFilter(prov_v, city_v, county_v)


def year_range(key: str) -> tuple[int, int]:
    ys = q("years")
    if not ys:
        return (0, 0)
    if len(ys) == 1:
        st.caption(f"年度：{ys[0]}")
        return ys[0], ys[0]
    lo, hi = st.select_slider("年度范围", options=ys, value=(ys[0], ys[-1]), key=f"{key}-years")
    return int(lo), int(hi)


def dept_type_picker(region: RegionFilter, key: str) -> str | None:
    types = q("department_types", region)
    choice = st.selectbox("部门类型（规范化名称）", [ALL, *types], key=f"{key}-type")
    return None if choice == ALL else choice


# ---------------------------------------------------------------------------------------------- overview


def overview() -> None:
    started = time.perf_counter()
    st.title("概览")
    pub = q("publication")
    c = st.columns(4)
    c[0].metric("发布代次", pub.get("generation"))
    published_at = pd.Timestamp(pub["published_at"]) if pub.get("published_at") is not None else None
    c[1].metric(
        "发布时间（UTC）",
        published_at.strftime("%m-%d %H:%M") if published_at is not None else "—",
        help=str(published_at),
    )
    c[2].metric("文档数", pub.get("document_count"))
    c[3].metric("已发布金额单元格", pub.get("amount_count"))

    region = region_picker("ov")
    by = q("documents_by_region_year", region)
    st.subheader("各地区、各年度文档")
    totals = {s: int(by[s].sum()) for s in ("published", "quarantined", "failed")}
    c = st.columns(3)
    for i, s in enumerate(("published", "quarantined", "failed")):
        c[i].metric(STATUS_LABELS[s], totals[s])
    long = by.melt(
        id_vars=["region", "year"],
        value_vars=["published", "quarantined", "failed"],
        var_name="status",
        value_name="n",
    )
    long["状态"] = long.status.map(STATUS_LABELS)
    long["年度"] = long.year.map(lambda y: "未知" if pd.isna(y) else str(int(y)))
    long["地区年度"] = long.region + " " + long["年度"]
    chart = (
        alt.Chart(long[long.n > 0])
        .mark_bar()
        .encode(
            y=alt.Y("地区年度:N", title=None, sort=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X("n:Q", title="文档数", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "状态:N",
                scale=alt.Scale(domain=list(STATUS_LABELS.values()), range=["#2e7d32", "#f9a825", "#c62828"]),
            ),
            tooltip=["region", "年度", "状态", "n"],
        )
    )
    st.altair_chart(chart, width="stretch")
    table(
        by,
        {
            "region": "地区",
            "year": "年度",
            "published": "已发布",
            "with_warnings": "其中有警告",
            "quarantined": "已隔离",
            "failed": "解析失败",
            "total": "合计",
        },
        key="ov-by",
        file_name="documents_by_region_year",
    )

    st.subheader("未发布的文档及原因")
    probs = q("problem_documents", region)
    probs["status_label"] = probs.status.map(STATUS_LABELS)
    probs["rules"] = [", ".join(v) if v is not None and len(v) else "" for v in probs.failing_rule_ids]
    probs["source_link"] = [data.source_link(s) for s in probs.document_sha256]
    table(
        probs,
        {
            "region": "地区",
            "department": "部门",
            "year": "年度",
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

    st.subheader("最近一次运行")
    run = q("last_run")
    by_status = run["by_status"]
    if len(by_status):
        first, last = by_status.first_loaded.min(), by_status.last_loaded.max()
        parts = "，".join(
            f"{STATUS_LABELS.get(s, s)} {n} 份" for s, n in zip(by_status.status, by_status.n, strict=True)
        )
        st.write(
            f"第 {pub.get('generation')} 代发布于 {str(pub.get('published_at'))[:19]}（UTC）；发布前 24 小时内"
            f"（{str(first)[:19]} 至 {str(last)[:19]}）载入或重新解析了 {int(by_status.n.sum())} 份文档：{parts}。"
        )
        changed = run["changed"]
        changed["region"] = [
            region_label(*t) for t in zip(changed.province, changed.city, changed.county, strict=True)
        ]
        changed["status_label"] = changed.status.map(STATUS_LABELS)
        changed["current"] = changed.is_current.map({True: "是", False: "否（已被新版本取代）"})
        table(
            changed,
            {
                "loaded_at": "载入时间",
                "region": "地区",
                "department": "部门",
                "year": "年度",
                "status_label": "状态",
                "current": "当前版本",
                "failure_reason": "原因",
            },
            key="ov-changed",
            file_name="last_run_changes",
        )
    else:
        st.write("发布前 24 小时内没有文档被载入：本次发布未改变任何文档。")
    footer(started)


# ---------------------------------------------------------------------------------------------- compare


def compare() -> None:
    started = time.perf_counter()
    st.title("对比")
    region = region_picker("cmp")
    c1, c2 = st.columns(2)
    with c1:
        y0, y1 = year_range("cmp")
    with c2:
        dept_type = dept_type_picker(region, "cmp")
    c1, c2 = st.columns(2)
    measure = c1.selectbox("指标", list(MEASURES), key="cmp-measure")
    mode = c2.radio("比较方式", MODES, horizontal=True, key="cmp-mode")
    keys = MEASURES[measure]
    if mode != MODES[0] and len(keys) > 1:
        st.caption(f"同比只比较第一个指标：{METRICS[keys[0]].label}。")
        keys = keys[:1]
    df = q("compare", region, y0, y1, dept_type, keys, mode)
    metrics = [METRICS[k] for k in keys]
    unit = metrics[0].unit if mode != MODES[2] else "%"
    what = "、".join(m.label for m in metrics) + ("" if mode == MODES[0] else f" {mode}")
    st.caption(f"{region.label()} · {y0}–{y1} 年 · {dept_type or '全部部门'} · {what} · 单位：{unit}")
    if df.empty:
        st.info("所选范围内没有已发布的数据。")
        footer(started)
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
    top = df.head(40)
    long = _floats(top, plotted).melt(
        id_vars=["label", "source"], value_vars=plotted, var_name="m", value_name="v"
    )
    long["指标"] = long.m.map(value_cols)
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
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
    )
    st.altair_chart(chart, width="stretch", height=max(160, 24 * len(top) * len(plotted) + 60))
    if len(df) > len(top):
        st.caption(f"图中显示前 {len(top)} 名，表格列出全部 {len(df)} 行。点击条形打开该数字的原文页。")
    else:
        st.caption("点击条形或表格中的“查看原文”打开该数字所在的原文页。")
    table(
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
    )
    footer(started)


# ---------------------------------------------------------------------------------------------- department


def department() -> None:
    started = time.perf_counter()
    st.title("部门档案")
    wanted = st.query_params.get("dept")
    region = RegionFilter() if wanted else region_picker("dep")
    deps = q("departments", region, None)
    if deps.empty:
        st.info("没有部门。")
        footer(started)
        return
    labels = {
        row.department_id: f"{row.department}（{region_label(row.province, row.city, row.county)}，"
        f"{'、'.join(str(y) for y in row.years)}）"
        for row in deps.itertuples()
    }
    ids = list(labels)
    index = ids.index(wanted) if wanted in ids else 0
    dept_id = st.selectbox("部门", ids, index=index, format_func=labels.get, key="dep-id")
    if dept_id != wanted:
        st.query_params["dept"] = dept_id
    chosen = deps[deps.department_id == dept_id].iloc[0]
    st.header(f"{chosen.department} · {region_label(chosen.province, chosen.city, chosen.county)}")
    head = q("department_headline", dept_id)
    if head.empty:
        st.info("该部门没有已发布的决算。")
    else:
        last = head.iloc[-1]
        c = st.columns(4)
        c[0].metric(f"{int(last.year)} 年本年支出合计（万元）", _fmt(last.expenditure_total))
        c[1].metric("本年收入合计（万元）", _fmt(last.income_total))
        c[2].metric("实有人数（人）", _fmt(last.headcount_actual, 0))
        c[3].metric("“三公”经费决算数（万元）", _fmt(last.three_public_actual))
        st.caption(WAN_NOTE)
        st.subheader("主要指标（逐年）")
        wide = profile_table(head)
        links = {c: "查看原文" for c in wide.columns if c.startswith("原文")}
        table(
            wide, {c: c for c in wide.columns}, key="dep-head", file_name="department_headline", links=links
        )

        st.subheader("收入来源")
        inc = q("department_income", dept_id)
        if inc.empty:
            st.caption("收入决算表没有合计行。")
        else:
            st.altair_chart(
                alt.Chart(_floats(inc, ["amount"]))
                .mark_bar()
                .encode(
                    x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
                    y=alt.Y("amount:Q", title="万元"),
                    color=alt.Color("measure_label:N", title="来源"),
                    href="source:N",
                    tooltip=["year", "measure_label", alt.Tooltip("amount:Q", format=",.2f")],
                ),
                width="stretch",
            )
            table(
                inc,
                {"year": "年度", "measure_label": "收入来源", "amount": "金额（万元）", "source": "原文"},
                key="dep-income",
                file_name="department_income",
                links={"source": "查看原文"},
            )

        st.subheader("按支出功能分类")
        level = st.radio("层级", ["类", "款"], horizontal=True, key="dep-level")
        fn = q("department_functions", dept_id, level)
        fn["label"] = [f"{c} {n}" for c, n in zip(fn.code, fn.name, strict=True)]
        st.altair_chart(
            alt.Chart(_floats(fn, ["total"]))
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
                x=alt.X("total:Q", title="本年支出合计（万元）"),
                color=alt.Color("year:O", title="年度"),
                yOffset="year:O",
                href="source:N",
                tooltip=["year", "label", alt.Tooltip("total:Q", format=",.2f")],
            ),
            width="stretch",
        )
        table(
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
        )

        st.subheader("基本支出经济分类")
        eco = q("department_economic", dept_id)
        if eco.empty:
            st.caption("没有一般公共预算财政拨款基本支出决算表的经济分类数据。")
        else:
            eco["label"] = [f"{c} {n}" for c, n in zip(eco.code, eco.name, strict=True)]
            st.altair_chart(
                alt.Chart(_floats(eco, ["amount"]))
                .mark_bar()
                .encode(
                    x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
                    y=alt.Y("amount:Q", title="万元"),
                    color=alt.Color("label:N", title="经济分类（类）"),
                    href="source:N",
                    tooltip=["year", "label", alt.Tooltip("amount:Q", format=",.2f")],
                ),
                width="stretch",
            )
            table(
                eco,
                {
                    "year": "年度",
                    "code": "经济分类编码",
                    "name": "名称",
                    "amount": "金额（万元）",
                    "source": "原文",
                },
                key="dep-eco",
                file_name="department_economic",
                links={"source": "查看原文"},
            )

        st.subheader("人员编制")
        hc = head[["year", "headcount_authorized", "headcount_actual"]].melt(
            id_vars="year", var_name="k", value_name="n"
        )
        hc["口径"] = hc.k.map({"headcount_authorized": "编制人数", "headcount_actual": "实有人数"})
        hc = hc.dropna(subset=["n"])
        if hc.empty:
            st.caption("报告未说明编制人数和实有人数。")
        else:
            st.altair_chart(
                alt.Chart(_floats(hc, ["n"]))
                .mark_bar()
                .encode(
                    x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
                    xOffset="口径:N",
                    y=alt.Y("n:Q", title="人"),
                    color="口径:N",
                ),
                width="stretch",
            )
            table(
                head,
                {
                    "year": "年度",
                    "headcount_authorized": "编制人数（人）",
                    "headcount_actual": "实有人数（人）",
                },
                key="dep-hc",
                file_name="department_headcount",
            )

    st.subheader("规则提示")
    findings = q("department_rule_findings", dept_id)
    if findings.empty:
        st.success("该部门所有报告均通过全部规则。")
    else:
        findings = findings.copy()
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
        table(
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
    footer(started)


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


def _fmt(v: Any, places: int = 2) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if not isinstance(v, Decimal):
        v = Decimal(str(v))  # numpy integers (headcount) have no direct Decimal conversion
    return f"{v:,.{places}f}"


# ---------------------------------------------------------------------------------------------- functions


def functions() -> None:
    started = time.perf_counter()
    st.title("功能分类钻取")
    region = region_picker("fn")
    ys = q("years")
    c1, c2, c3 = st.columns(3)
    year = c1.selectbox("年度", list(reversed(ys)), key="fn-year") if ys else None
    with c2:
        dept_type = dept_type_picker(region, "fn")
    measures = {"本年支出合计": "total", "基本支出": "basic", "项目支出": "project"}
    measure_label = c3.selectbox("口径", list(measures), key="fn-measure")
    measure = measures[measure_label]
    leaves = q("function_leaves", region, year, dept_type, measure) if year else pd.DataFrame()
    if leaves.empty:
        st.info("所选范围内没有支出决算表数据。")
        footer(started)
        return
    total = data.to_wan(sum(leaves.amount_yuan, Decimal(0)))
    st.metric(f"{region.label()} {year} 年{dept_type or '全部部门'}{measure_label}（万元）", _fmt(total))
    st.caption("类 → 款 → 项，只累加支出决算表的末级科目行：上级科目等于其下级之和，不重复计算。" + WAN_NOTE)
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
    st.altair_chart(boxes + labels, width="stretch", height=240)
    classes = data.function_level(leaves, "类", None, None)
    c1, c2 = st.columns(2)
    class_options = [ALL, *[f"{c} {n}" for c, n in zip(classes.code, classes.name, strict=True) if c]]
    chosen_class = c1.selectbox("类", class_options, key="fn-class")
    class_code = None if chosen_class == ALL else chosen_class.split(" ")[0]
    kuan_code = None
    if class_code:
        kuans = data.function_level(leaves, "款", class_code, None)
        kuan_options = [ALL, *[f"{c} {n}" for c, n in zip(kuans.code, kuans.name, strict=True) if c]]
        chosen_kuan = c2.selectbox("款", kuan_options, key="fn-kuan")
        kuan_code = None if chosen_kuan == ALL else chosen_kuan.split(" ")[0]
    level = "项" if kuan_code else ("款" if class_code else "类")
    rows = data.function_level(leaves, level, class_code, kuan_code)
    st.subheader(f"{level}级{'（' + (kuan_code or class_code) + ' 之下）' if class_code else ''}")
    rows["label"] = [f"{c} {n}".strip() for c, n in zip(rows.code, rows.name, strict=True)]
    st.altair_chart(
        alt.Chart(_floats(rows, ["amount"]))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("amount:Q", title=f"{measure_label}（万元）"),
            tooltip=["label", alt.Tooltip("amount:Q", format=",.2f"), alt.Tooltip("share:Q", title="占比 %")],
        ),
        width="stretch",
    )
    table(
        rows,
        {"code": "科目编码", "name": "科目名称", "amount": f"{measure_label}（万元）", "share": "占比（%）"},
        key="fn-rows",
        file_name=f"functions_{level}",
    )
    node = kuan_code or class_code
    if node:
        st.subheader(f"{node} 各部门明细")
        deps = q("function_departments", region, year, dept_type, node, measure)
        deps["region"] = [region_label(*t) for t in zip(deps.province, deps.city, deps.county, strict=True)]
        table(
            deps,
            {"region": "地区", "department": "部门", "amount": f"{measure_label}（万元）", "source": "原文"},
            key="fn-deps",
            file_name=f"functions_{node}_departments",
            links={"source": "查看原文"},
        )
    footer(started)


# ---------------------------------------------------------------------------------------------- data quality


def quality() -> None:
    started = time.perf_counter()
    st.title("数据质量")
    region = region_picker("dq")
    y0, y1 = year_range("dq")
    by_year = q("rule_failures", region, y0, y1, "year")
    by_region = q("rule_failures", region, y0, y1, "region")
    st.subheader("按规则：未通过的文档数")
    if by_year.empty:
        st.success("所选范围内所有文档均通过全部规则。")
    else:
        rules = (
            by_year.groupby(["rule_id", "severity"], as_index=False)[["documents", "results"]]
            .sum()
            .sort_values("documents", ascending=False)
        )
        rules["severity_label"] = rules.severity.map(SEVERITY_LABELS)
        st.altair_chart(
            alt.Chart(_floats(by_year, ["documents"]).assign(年度=lambda d: d.year.astype(str)))
            .mark_bar()
            .encode(
                y=alt.Y("rule_id:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
                x=alt.X("documents:Q", title="未通过的文档数"),
                color=alt.Color("年度:N"),
                tooltip=["rule_id", "年度", "documents", "results"],
            ),
            width="stretch",
        )
        table(
            rules,
            {"rule_id": "规则", "severity_label": "级别", "documents": "文档数", "results": "未通过的检查数"},
            key="dq-rules",
            file_name="rule_failures",
        )
        st.subheader("按规则与年度")
        by_year["severity_label"] = by_year.severity.map(SEVERITY_LABELS)
        table(
            by_year,
            {
                "rule_id": "规则",
                "severity_label": "级别",
                "year": "年度",
                "documents": "文档数",
                "results": "检查数",
            },
            key="dq-year",
            file_name="rule_failures_by_year",
        )
        st.subheader("按规则与地区")
        by_region["severity_label"] = by_region.severity.map(SEVERITY_LABELS)
        table(
            by_region,
            {
                "rule_id": "规则",
                "severity_label": "级别",
                "region": "地区",
                "documents": "文档数",
                "results": "检查数",
            },
            key="dq-region",
            file_name="rule_failures_by_region",
        )

    st.subheader("已隔离的报告")
    quar = q("quarantined", region, y0, y1)
    if quar.empty:
        st.success("所选范围内没有被隔离的报告。")
    else:
        quar = quar.copy()
        quar["region"] = [region_label(*t) for t in zip(quar.province, quar.city, quar.county, strict=True)]
        quar["rules"] = [", ".join(v) for v in quar.failing_rule_ids]
        quar["docs"] = [f"/data_docs?sha={s}" for s in quar.document_sha256]
        table(
            quar,
            {
                "region": "地区",
                "department": "部门",
                "year": "年度",
                "rules": "未通过的规则",
                "docs": "Data Docs",
                "failure_reason": "原因",
            },
            key="dq-quarantined",
            file_name="quarantined_reports",
            links={"docs": "GX 校验页"},
        )
        labels = {
            row.document_sha256: f"{row.department or '（未知部门）'} {row.year} · {row.region}"
            for row in quar.itertuples()
        }
        sha = st.selectbox("查看报告的未通过检查", list(labels), format_func=labels.get, key="dq-report")
        results = q("failing_results", (sha,))
        results["severity_label"] = results.severity.map(SEVERITY_LABELS)
        results["outcome_label"] = results.outcome.map(OUTCOME_LABELS)
        results["docs"] = [f"/data_docs?sha={s}" for s in results.document_sha256]
        row = quar[quar.document_sha256 == sha].iloc[0]
        st.write(row.failure_reason)
        st.caption(f"sha256 {sha} · {row.source}")
        table(
            results,
            {
                "rule_id": "规则",
                "severity_label": "级别",
                "source": "原文",
                "docs": "Data Docs",
                "expected": "应为（万元）",
                "actual": "实为（万元）",
                "difference": "差额（万元）",
                "tolerance": "容差（万元）",
                "message": "说明",
                "table_title": "表",
                "subject_code": "科目编码",
                "row_name": "行",
                "measure_label": "列",
                "outcome_label": "结果",
            },
            key="dq-results",
            file_name=f"quarantined_{sha[:12]}_failing_checks",
            links={"source": "查看原文", "docs": "GX 校验页"},
        )
    footer(started)


def data_docs() -> None:
    """The great-expectations Data Docs page of one document's validation, built on demand and shown offline."""
    started = time.perf_counter()
    st.title("GX Data Docs")
    sha = st.query_params.get("sha")
    if not sha:
        st.info("从“数据质量”页的“GX 校验页”链接打开。")
        footer(started)
        return
    info = q("document_info", sha)
    if not info:
        st.error("仓库中没有这份文档。")
        footer(started)
        return
    from juesuan.dashboard import gxdocs

    with st.spinner("正在用 great-expectations 重新校验并生成 Data Docs…"):
        try:
            page = gxdocs.validation_page(sha, info["raw_path"])
        except gxdocs.DataDocsUnavailable as exc:
            st.error(str(exc))
            footer(started)
            return
    st.caption(
        f"{info['department']} {info['year']} · sha256 {sha} · 文件 {page.path}（样式与脚本来自 CDN 的部分已移除，离线可读）"
    )
    components.html(page.html, height=1600, scrolling=True)
    footer(started)


# ---------------------------------------------------------------------------------------------- source view


@st.cache_data(max_entries=64, show_spinner=False)
def _page_png(raw_path: str, sha: str, page: int) -> tuple[bytes, tuple[float, float]]:
    return data.render_page(raw_path, page)


def source() -> None:
    started = time.perf_counter()
    st.title("原文核对")
    params = {
        k: st.query_params.get(k) for k in ("sha", "metric", "kind", "row", "code", "line", "m", "page")
    }
    if not params.get("sha"):
        st.info("从任一页面的“查看原文”链接或图中条形打开；也可以在这里选择一份文档。")
        deps = q("departments", RegionFilter(), None)
        options = {}
        for row in deps.itertuples():
            for y in row.years:
                options[(row.department_id, int(y))] = f"{row.department} {y}"
        if options:
            choice = st.selectbox("文档", list(options), format_func=options.get, key="src-pick")
            head = q("department_headline", choice[0])
            sha = head[head.year == choice[1]].document_sha256.iloc[0]
            link = data.source_link(sha, metric="expenditure_total")
            st.markdown(f"[打开该文档的本年支出合计]({link})")
        footer(started)
        return
    cell = data.resolve_cell(reader(), params)
    info = q("document_info", params["sha"])
    if cell is None or info is None:
        st.error("仓库中没有这份文档。")
        footer(started)
        return
    st.subheader(f"{info['department'] or info['department_printed'] or ''} {info['year'] or ''} 年决算")
    c1, c2 = st.columns([3, 2])
    with c2:
        if cell.published_text is not None:
            st.metric(f"{cell.row_label} · {cell.measure_label}", f"{cell.published_text} {cell.unit}")
            st.write(f"折合 {data.to_wan(cell.amount_yuan):,.2f} 万元（{cell.amount_yuan:,.2f} 元）")
        st.markdown(
            "\n".join(
                [
                    f"- **表**：{cell.table_title or cell.table_kind or '—'}",
                    f"- **页码**：第 {cell.page} 页（共 {info['page_count']} 页）",
                    f"- **单元格位置**：{_bbox_text(cell.bbox)}",
                    f"- **状态**：{STATUS_LABELS.get(info['status'], info['status'])}",
                    f"- **sha256**：`{info['document_sha256']}`",
                ]
            )
        )
        urls = [u for u in [info.get("source_url"), *(info.get("sources") or [])] if isinstance(u, str) and u]
        st.markdown("**来源地址**")
        for u in dict.fromkeys(urls):
            st.markdown(f"- [{u}]({u})" if u.startswith("http") else f"- `{u}`")
        if cell.note:
            st.warning(cell.note)
    with c1:
        try:
            png, size = _page_png(str(info["raw_path"]), info["document_sha256"], int(cell.page or 1))
        except Exception as exc:  # the raw file is missing or unreadable: say so instead of a traceback
            st.error(f"无法渲染原文第 {cell.page} 页：{type(exc).__name__}: {exc}")
            footer(started)
            return
        page_png, close_up = data.highlight(png, cell.bbox)
        if close_up is not None:
            st.image(close_up, caption="放大：所在行", width="stretch", output_format="PNG")
        st.image(
            page_png,
            caption=f"第 {cell.page} 页（{size[0]:.0f}×{size[1]:.0f} 点，红框为该数字）",
            width="stretch",
            output_format="PNG",  # lossless: JPEG blurs small print
        )
    footer(started)


def _bbox_text(bbox: Sequence[float] | None) -> str:
    if not bbox:
        return "—"
    return "x0 {:.2f}，上 {:.2f}，x1 {:.2f}，下 {:.2f}（PDF 点，左上角为原点）".format(*bbox)


PAGES: list[tuple[Callable[[], None], str, str]] = [
    (overview, "概览", "overview"),
    (compare, "对比", "compare"),
    (department, "部门档案", "department"),
    (functions, "功能分类钻取", "functions"),
    (quality, "数据质量", "quality"),
    (source, "原文核对", "source"),
    (data_docs, "GX Data Docs", "data_docs"),
]


def main() -> None:
    st.set_page_config(page_title="部门决算看板", layout="wide")
    pages = [
        st.Page(
            fn,
            title=title,
            url_path=path,
            default=(i == 0),
            visibility="hidden" if path == "data_docs" else "visible",
        )
        for i, (fn, title, path) in enumerate(PAGES)
    ]
    nav = st.navigation(pages)
    try:
        r = reader()
    except WarehouseMissing as exc:
        st.error(f"{exc}。先运行 `juesuan run`（样例数据）或 `juesuan ingest --from-dir …` 发布一个仓库。")
        return
    with st.sidebar:
        st.markdown("**部门决算看板**")
        st.caption(f"仓库：`{r.path}`")
        st.caption(f"第 {r.generation} 代发布 · {str(r.published_at)[:19]} UTC · 只读")
        st.caption(WAN_NOTE)
    nav.run()
