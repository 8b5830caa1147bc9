"""What the dashboard reads, as plain Python: a read-only reader of the published file and one query per figure.

The published file is replaced by `os.replace` on every publish (warehouse.publish). A reader keeps the inode it
opened, so a session never sees half a publish; `WarehouseReader.refresh()` notices a new file (another inode or
mtime) and reopens, so the next interaction shows the new generation. The file is ATTACHed READ_ONLY into a
private in-memory database rather than opened with `duckdb.connect(path)`: DuckDB caches database instances by
path within a process, so a second session connecting to the same path would be handed the old instance.

Every query is static SQL text with `?` parameters; user choices only ever travel as parameters. Column names
that vary (the measure of the Compare page) are picked from the fixed METRICS catalogue, never from user text.
Amounts stay DECIMAL end to end (Arrow decimal → `decimal.Decimal`); 万元 figures are rounded half-up to 0.01.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

WAN = Decimal(10000)
CENT = Decimal("0.01")

STATUS_LABELS = {"published": "已发布", "quarantined": "已隔离", "failed": "未能读取"}
SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
OUTCOME_LABELS = {
    "pass": "通过",
    "fail": "未通过",
    "not_applicable": "不适用",
    "insufficient_data": "数据不足",
    "parse_error": "解析错误",
    "execution_error": "执行错误",
}
UNKNOWN_REGION = "（未识别地区）"
REPORT_KIND_LABELS = {"final_account": "决算", "budget": "预算"}


class WarehouseMissing(RuntimeError):
    """No published file at the path yet (nothing has been published, or a wrong --warehouse)."""


def to_wan(value: Decimal | None) -> Decimal | None:
    """Yuan → 万元, exact decimal arithmetic, rounded half-up to 0.01 (as reports print 万元)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return (Decimal(value) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Metric:
    key: str  # column of mart.department_year (and metric of mart.year_over_year)
    label: str
    kind: str  # amount (yuan → 万元), per_head (yuan per person → 万元/人), count (persons)
    #: Where the figure is printed, in the order mart.department_year prefers: (table_kind, line_item, measure).
    cells: tuple[tuple[str, str | None, str | None], ...] = ()

    @property
    def unit(self) -> str:
        return {"amount": "万元", "per_head": "万元/人", "count": "人"}[self.kind]

    @property
    def column(self) -> str:
        return f"{self.label}（{self.unit}）"


_EXP_TOTAL = (("summary", "expenditure.total", None), ("expenditure", "total", "total"))
_BASIC = (("expenditure", "total", "basic"),)
_PERSONNEL = (("basic_expenditure", "personnel_total", None),)
_PUBLIC = (("basic_expenditure", "public_total", None),)

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("expenditure_total", "本年支出合计", "amount", _EXP_TOTAL),
        Metric(
            "income_total",
            "本年收入合计",
            "amount",
            (("summary", "income.total", None), ("income", "total", "total")),
        ),
        Metric(
            "fiscal_appropriation_income",
            "财政拨款收入",
            "amount",
            (("income", "total", "fiscal_appropriation"),),
        ),
        Metric("basic_expenditure", "基本支出", "amount", _BASIC),
        Metric("project_expenditure", "项目支出", "amount", (("expenditure", "total", "project"),)),
        Metric("personnel_expenditure", "人员经费", "amount", _PERSONNEL),
        Metric("public_expenditure", "公用经费", "amount", _PUBLIC),
        Metric(
            "three_public_actual", "“三公”经费决算数", "amount", (("three_public", None, "actual.total"),)
        ),
        Metric(
            "three_public_budget", "“三公”经费预算数", "amount", (("three_public", None, "budget.total"),)
        ),
        Metric(
            "three_public_actual_minus_budget",
            "“三公”经费决算减预算",
            "amount",
            (("three_public", None, "actual.total"),),
        ),
        Metric(
            "general_budget_expenditure",
            "一般公共预算财政拨款支出",
            "amount",
            (("general_budget", "total", "total"),),
        ),
        Metric("expenditure_per_head", "人均支出", "per_head", _EXP_TOTAL),
        Metric("basic_expenditure_per_head", "人均基本支出", "per_head", _BASIC),
        Metric("personnel_expenditure_per_head", "人均人员经费", "per_head", _PERSONNEL),
        Metric("public_expenditure_per_head", "人均公用经费", "per_head", _PUBLIC),
        Metric("headcount_actual", "实有人数", "count"),
        Metric("headcount_authorized", "编制人数", "count"),
    )
}

#: The Compare page's measures: one figure, or a pair shown side by side.
MEASURES: dict[str, tuple[str, ...]] = {
    "本年支出合计": ("expenditure_total",),
    "本年收入合计": ("income_total",),
    "财政拨款收入": ("fiscal_appropriation_income",),
    "基本支出与项目支出": ("basic_expenditure", "project_expenditure"),
    "人员经费与公用经费": ("personnel_expenditure", "public_expenditure"),
    "“三公”经费：决算与预算": ("three_public_actual", "three_public_budget"),
    "“三公”经费决算减预算": ("three_public_actual_minus_budget",),
    "人均支出": ("expenditure_per_head",),
    "人均基本支出": ("basic_expenditure_per_head",),
    "人均人员经费": ("personnel_expenditure_per_head",),
    "人均公用经费": ("public_expenditure_per_head",),
    "实有人数": ("headcount_actual",),
}

#: How a measure is compared: its value, or its change against the same department's previous year.
MODES = ("数值", "同比增减额", "同比增减率（%）")

INCOME_SOURCES = (
    ("fiscal_appropriation", "财政拨款收入"),
    ("superior_subsidy", "上级补助收入"),
    ("business", "事业收入"),
    ("operating", "经营收入"),
    ("affiliated_remittance", "附属单位上缴收入"),
    ("other", "其他收入"),
)


@dataclass(frozen=True)
class RegionFilter:
    province: str | None = None
    city: str | None = None
    county: str | None = None

    def sql(self, alias: str) -> tuple[str, list[Any]]:
        """`(? IS NULL OR a.province = ?) AND …` with its parameters: the levels left open match everything."""
        parts, params = [], []
        for level in ("province", "city", "county"):
            value = getattr(self, level)
            parts.append(f"(?::VARCHAR IS NULL OR {alias}.{level} = ?::VARCHAR)")
            params += [value, value]
        return " AND ".join(parts), params

    def label(self) -> str:
        return region_label(self.province, self.city, self.county) if self.province else "全部地区"


def region_label(province: Any, city: Any, county: Any) -> str:
    """上海市徐汇区 / 湖南省永州市江华瑶族自治县: the levels joined, a municipality not repeated."""
    parts: list[str] = []
    for p in (province, city, county):
        if isinstance(p, str) and p and (not parts or parts[-1] != p):
            parts.append(p)
    return "".join(parts) or UNKNOWN_REGION


#: Views every session reads whole or per department, snapshotted once per publication and shared by the
#: sessions' connections as registered Arrow tables: mart.department_year aggregates every printed cell, so
#: filtering it per department or region would otherwise rescan the whole file on every page.
SNAPSHOTS = {
    "dash_department_year": "SELECT * FROM mart.department_year",
    "dash_year_over_year": "SELECT * FROM mart.year_over_year",
    "dash_expenditure_by_function": "SELECT * FROM mart.expenditure_by_function",
    # with the document's kind (决算 or 预算), which mart.documents does not carry
    # (none for a URL the crawl could not fetch: no document, so no kind)
    "dash_documents": """SELECT m.*, CASE WHEN m.document_sha256 IS NOT NULL
            THEN coalesce(c.report_kind, 'final_account') END AS report_kind
        FROM mart.documents AS m LEFT JOIN core.documents AS c USING (document_sha256)""",
    "dash_budget_vs_actual": "SELECT * FROM mart.budget_vs_actual",
}


@dataclass
class _Publication:
    """One published file opened once per process: a DuckDB instance with the file ATTACHed READ_ONLY, and the
    snapshot tables of its heavy views. Sessions get their own connection to it (`cursor()`), sharing its
    catalogue and block cache instead of re-reading the file's metadata on every new session."""

    database: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    snapshots: dict[str, Any]
    generation: int | None
    published_at: Any


_publications: dict[tuple[int, int, int], _Publication] = {}
_publication_lock = threading.Lock()


def _open_publication(path: Path, stat: Any) -> _Publication:
    with _publication_lock:
        ident = stat()
        pub = _publications.get(ident)
        if pub is not None:
            return pub
        database = duckdb.connect(":memory:", config={"threads": 2})
        database.execute("ATTACH ? AS wh (READ_ONLY)", [str(path)])
        database.execute("USE wh")
        attached = stat()
        if attached != ident:  # a publish swapped the file between stat and ATTACH: key by what is open
            ident = attached
        rows = database.sql("SELECT generation, published_at FROM core.publication").fetchall()
        snapshots = {name: database.sql(sql).to_arrow_table() for name, sql in SNAPSHOTS.items()}
        pub = _Publication(
            database, ident, snapshots, rows[0][0] if rows else None, rows[0][1] if rows else None
        )
        # Keep the two previous publications for sessions still reading them (a session moves to the newest on its
        # next interaction); closing an instance would close its sessions' connections mid-run.
        for old in list(_publications)[:-2]:
            del _publications[old]
        _publications[ident] = pub
        return pub


class WarehouseReader:
    """One read-only view of the published file, reopened when a publish has replaced the file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self.identity: tuple[int, int, int] | None = None
        self.generation: int | None = None
        self.published_at: Any = None
        self.reopened = 0

    def _stat(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(f"no published warehouse at {self.path}") from exc
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self) -> bool:
        """Reopen if the file at the path is not the one open; True when it changed (a new generation)."""
        with self._lock:
            ident = self._stat()
            if self._con is not None and ident == self.identity:
                return False
            pub = _open_publication(self.path, self._stat)
            con = pub.database.cursor()  # this session's own connection to the shared instance
            con.execute("USE wh")
            for name, table in pub.snapshots.items():
                con.register(name, table)
            ident = pub.identity
            row = (pub.generation, pub.published_at)
            old, self._con = self._con, con
            self.identity = ident
            self.generation, self.published_at = row
            self.reopened += 1
            if old is not None:
                old.close()
            return True

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run static SQL with `?` parameters; DECIMAL columns arrive as decimal.Decimal, never float."""
        if self._con is None:
            self.refresh()
        with self._lock:
            assert self._con is not None
            return self._con.sql(sql, params=list(params)).to_arrow_table().to_pandas()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


def _wan_columns(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for c in columns:
        df[c] = [to_wan(v) for v in df[c]]
    return df


def source_link(sha: str, **key: Any) -> str:
    """The Source view of one printed figure: /source?sha=…&metric=… or &kind=…&code=…&m=…"""
    from urllib.parse import urlencode

    params = {"sha": sha, **{k: v for k, v in key.items() if v is not None and v == v}}
    return "/source?" + urlencode(params)


# ---------------------------------------------------------------------------------------------- filters


def regions(r: WarehouseReader) -> pd.DataFrame:
    return r.query("SELECT province, city, county FROM core.regions ORDER BY adcode NULLS LAST, region_id")


def years(r: WarehouseReader) -> list[int]:
    return [int(y) for y in r.query("SELECT year FROM core.years ORDER BY year")["year"]]


def department_types(r: WarehouseReader, region: RegionFilter) -> list[str]:
    where, params = region.sql("g")
    df = r.query(
        f"""SELECT d.name_key, count(*) AS n FROM core.departments AS d JOIN core.regions AS g USING (region_id)
        WHERE {where} GROUP BY d.name_key ORDER BY n DESC, d.name_key""",
        params,
    )
    return list(df["name_key"])


# ---------------------------------------------------------------------------------------------- overview


def publication(r: WarehouseReader) -> dict[str, Any]:
    df = r.query("SELECT * FROM mart.publication")
    return df.iloc[0].to_dict() if len(df) else {}


def documents_by_region_year(r: WarehouseReader, region: RegionFilter) -> pd.DataFrame:
    where, params = region.sql("d")
    df = r.query(
        f"""SELECT d.province, d.city, d.county, d.year, d.report_kind,
            count(*) FILTER (WHERE d.status = 'published') AS published,
            count(*) FILTER (WHERE d.status = 'published' AND d.has_warnings) AS with_warnings,
            count(*) FILTER (WHERE d.status = 'quarantined') AS quarantined,
            count(*) FILTER (WHERE d.status = 'failed') AS failed,
            count(*) AS total
        FROM dash_documents AS d WHERE d.is_current AND {where}
        GROUP BY ALL ORDER BY d.province NULLS LAST, d.city NULLS LAST, d.county NULLS LAST, d.year NULLS LAST,
            d.report_kind DESC""",
        params,
    )
    df.insert(0, "region", [region_label(*t) for t in zip(df.province, df.city, df.county, strict=True)])
    return df


def problem_documents(r: WarehouseReader, region: RegionFilter) -> pd.DataFrame:
    where, params = region.sql("d")
    df = r.query(
        f"""SELECT d.document_sha256, d.province, d.city, d.county, d.department, d.department_printed, d.year,
            d.status, d.failure_code, d.failure_reason, d.failing_rule_ids, d.source, d.report_kind
        FROM dash_documents AS d
        WHERE d.is_current AND d.status <> 'published' AND {where}
        ORDER BY d.status, d.province NULLS LAST, d.department NULLS LAST, d.year""",
        params,
    )
    df.insert(0, "region", [region_label(*t) for t in zip(df.province, df.city, df.county, strict=True)])
    return df


def last_run(r: WarehouseReader) -> dict[str, Any]:
    """The night behind this publication: documents (re-)derived in the 24 h before it, by outcome."""
    df = r.query(
        """WITH p AS (SELECT published_at FROM core.publication)
        SELECT d.status, count(*) AS n, min(d.loaded_at) AS first_loaded, max(d.loaded_at) AS last_loaded,
            count(*) FILTER (WHERE d.superseded_by IS NOT NULL) AS superseded
        FROM core.documents AS d, p
        WHERE d.loaded_at > p.published_at - INTERVAL 24 HOUR AND d.loaded_at <= p.published_at
        GROUP BY d.status ORDER BY d.status"""
    )
    changed = r.query(
        """WITH p AS (SELECT published_at FROM core.publication)
        SELECT d.department, d.province, d.city, d.county, d.year, d.status, d.is_current, d.loaded_at,
            d.failure_reason, d.document_sha256, d.report_kind
        FROM dash_documents AS d, p
        WHERE d.loaded_at > p.published_at - INTERVAL 24 HOUR AND d.loaded_at <= p.published_at
        ORDER BY d.loaded_at DESC LIMIT 500"""
    )
    return {"by_status": df, "changed": changed}


# ---------------------------------------------------------------------------------------------- compare


def compare(
    r: WarehouseReader,
    region: RegionFilter,
    year_from: int,
    year_to: int,
    dept_type: str | None,
    metric_keys: Sequence[str],
    mode: str = MODES[0],
) -> pd.DataFrame:
    """One row per department-year with the measure(s) in display units, ranked by the first one."""
    metrics = [METRICS[k] for k in metric_keys]  # KeyError for anything not in the catalogue
    where, params = region.sql("dy")
    filters = f"dy.year BETWEEN ? AND ? AND (?::VARCHAR IS NULL OR d.name_key = ?::VARCHAR) AND {where}"
    fparams = [year_from, year_to, dept_type, dept_type, *params]
    if mode == MODES[0]:
        cols = ", ".join(f"dy.{m.key}" for m in metrics)
        df = r.query(
            f"""SELECT dy.department, dy.province, dy.city, dy.county, dy.year, dy.department_id,
                dy.document_sha256, {cols}
            FROM dash_department_year AS dy JOIN core.departments AS d USING (department_id)
            WHERE {filters} AND dy.{metrics[0].key} IS NOT NULL""",
            fparams,
        )
        for m in metrics:
            if m.kind != "count":
                df[m.key] = [to_wan(v) for v in df[m.key]]
        value_cols = [m.key for m in metrics]
    else:
        m = metrics[0]
        df = r.query(
            f"""SELECT y.department, y.province, y.city, y.county, y.year, y.department_id, dy.document_sha256,
                y.previous_value, y.value, y.change, y.change_pct
            FROM dash_year_over_year AS y
            JOIN dash_department_year AS dy USING (department_id, year)
            JOIN core.departments AS d USING (department_id)
            WHERE y.metric = ? AND {filters} AND y.change IS NOT NULL""",
            [m.key, *fparams],
        )
        if m.kind != "count":
            _wan_columns(df, ["previous_value", "value", "change"])
        value_cols = ["change"] if mode == MODES[1] else ["change_pct"]
    df = df.sort_values(value_cols[0], ascending=False, key=lambda s: s.map(_sort_key), kind="stable")
    df.insert(0, "rank", range(1, len(df) + 1))
    df.insert(1, "region", [region_label(*t) for t in zip(df.province, df.city, df.county, strict=True)])
    df["source"] = [source_link(sha, metric=metrics[0].key) for sha in df.document_sha256]
    return df.reset_index(drop=True)


def _sort_key(v: Any) -> Decimal:
    return Decimal("-Infinity") if v is None or (isinstance(v, float) and v != v) else Decimal(v)


# ---------------------------------------------------------------------------------------------- department


def departments(r: WarehouseReader, region: RegionFilter, dept_type: str | None = None) -> pd.DataFrame:
    where, params = region.sql("m")
    return r.query(
        f"""SELECT m.department_id, m.department, m.province, m.city, m.county, m.years
        FROM mart.departments AS m JOIN core.departments AS d USING (department_id)
        WHERE {where} AND (?::VARCHAR IS NULL OR d.name_key = ?::VARCHAR) AND len(m.years) > 0
        ORDER BY m.province, m.city NULLS FIRST, m.county NULLS FIRST, m.department""",
        [*params, dept_type, dept_type],
    )


def department_headline(r: WarehouseReader, department_id: str) -> pd.DataFrame:
    df = r.query("SELECT * FROM dash_department_year WHERE department_id = ? ORDER BY year", [department_id])
    for m in METRICS.values():
        if m.kind != "count" and m.key in df:
            df[m.key] = [to_wan(v) for v in df[m.key]]
    return df


def department_income(r: WarehouseReader, department_id: str) -> pd.DataFrame:
    """Income table 合计 row by source of funds, per year (the sources add up to 本年收入合计)."""
    df = r.query(
        """SELECT f.year, f.measure, ms.label AS measure_label, ms.position, f.amount_yuan, f.document_sha256
        FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
        JOIN core.measures AS ms ON ms.table_kind = f.table_kind AND ms.measure = f.measure
        WHERE d.department_id = ? AND f.table_kind = 'income' AND f.line_item = 'total' AND f.measure <> 'total'
        ORDER BY f.year, ms.position""",
        [department_id],
    )
    df["amount"] = [to_wan(v) for v in df.amount_yuan]
    df["source"] = [
        source_link(s, kind="income", line="total", m=m)
        for s, m in zip(df.document_sha256, df.measure, strict=True)
    ]
    return df


def department_functions(r: WarehouseReader, department_id: str, level: str = "类") -> pd.DataFrame:
    """Expenditure by function 类 (or 款) per year, summed from leaf rows (no double counting)."""
    code, name = ("class_code", "class_name") if level == "类" else ("kuan_code", "kuan_name")
    df = r.query(
        f"""SELECT year, {code} AS code, {name} AS name, sum(total) AS total, sum(basic) AS basic,
            sum(project) AS project, any_value(document_sha256) AS document_sha256
        FROM dash_expenditure_by_function WHERE department_id = ? AND {code} IS NOT NULL
        GROUP BY ALL ORDER BY year, code""",
        [department_id],
    )
    _wan_columns(df, ["total", "basic", "project"])
    df["source"] = [
        source_link(s, kind="expenditure", code=c, m="total")
        for s, c in zip(df.document_sha256, df.code, strict=True)
    ]
    return df


def department_economic(r: WarehouseReader, department_id: str) -> pd.DataFrame:
    """Basic expenditure (一般公共预算财政拨款基本支出) by economic class (类), per year."""
    df = r.query(
        """SELECT f.year, f.subject_code AS code, coalesce(s.display_name, f.row_label) AS name,
            f.amount_yuan, f.document_sha256
        FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
        LEFT JOIN core.subjects AS s ON s.scheme = 'economic' AND s.code = f.subject_code
        WHERE d.department_id = ? AND f.table_kind = 'basic_expenditure' AND f.scheme = 'economic'
          AND length(f.subject_code) = 3 AND f.measure = 'amount'
        ORDER BY f.year, f.subject_code""",
        [department_id],
    )
    df["amount"] = [to_wan(v) for v in df.amount_yuan]
    df["source"] = [
        source_link(s, kind="basic_expenditure", code=c, m="amount")
        for s, c in zip(df.document_sha256, df.code, strict=True)
    ]
    return df


def department_rule_findings(r: WarehouseReader, department_id: str) -> pd.DataFrame:
    return r.query(
        """SELECT d.year, d.status, r.rule_id, r.severity, r.outcome, r.table_kind, r.subject_code, r.line_item,
            r.measure, r.expected, r.actual, r.difference, r.message, r.document_sha256
        FROM core.rule_results AS r JOIN dash_documents AS d USING (document_sha256)
        WHERE d.department_id = ? AND d.is_current AND r.outcome NOT IN ('pass', 'not_applicable')
        ORDER BY d.year, r.severity, r.rule_id""",
        [department_id],
    )


# ---------------------------------------------------------------------------------------------- functions


def function_leaves(
    r: WarehouseReader, region: RegionFilter, year: int, dept_type: str | None, measure: str = "total"
) -> pd.DataFrame:
    """Leaf rows of the expenditure table summed over the chosen departments: 类/款/项 never double counted."""
    if measure not in ("total", "basic", "project"):
        raise ValueError(f"unknown measure {measure!r}")
    where, params = region.sql("e")
    df = r.query(
        f"""SELECT e.class_code, any_value(e.class_name) AS class_name, e.kuan_code, any_value(e.kuan_name) AS kuan_name,
            e.xiang_code, any_value(e.xiang_name) AS xiang_name, sum(e.{measure}) AS amount_yuan,
            count(DISTINCT e.department_id) AS departments
        FROM dash_expenditure_by_function AS e JOIN core.departments AS d USING (department_id)
        WHERE e.year = ? AND (?::VARCHAR IS NULL OR d.name_key = ?::VARCHAR) AND {where}
        GROUP BY e.class_code, e.kuan_code, e.xiang_code
        HAVING sum(e.{measure}) IS NOT NULL
        ORDER BY e.class_code, e.kuan_code NULLS FIRST, e.xiang_code NULLS FIRST""",
        [year, dept_type, dept_type, *params],
    )
    return df


def function_level(
    leaves: pd.DataFrame, level: str, class_code: str | None, kuan_code: str | None
) -> pd.DataFrame:
    """Totals at one level (类, 款 of a 类, 项 of a 款) from the leaves, exact decimals."""
    df = leaves
    if class_code:
        df = df[df.class_code == class_code]
    if kuan_code:
        df = df[df.kuan_code == kuan_code]
    code, name = {
        "类": ("class_code", "class_name"),
        "款": ("kuan_code", "kuan_name"),
        "项": ("xiang_code", "xiang_name"),
    }[level]
    rows = []
    for key, g in df.groupby(df[code].fillna(""), sort=True):
        nm = g[name].dropna()
        label = (nm.iloc[0] if len(nm) else "") if key else "（未细分到此级）"
        rows.append({"code": key or "", "name": label, "amount_yuan": sum(g.amount_yuan, Decimal(0))})
    out = pd.DataFrame(rows, columns=["code", "name", "amount_yuan"])
    out["amount"] = [to_wan(v) for v in out.amount_yuan]
    total = sum(out.amount_yuan, Decimal(0))
    out["share"] = [
        (v / total * 100).quantize(CENT, ROUND_HALF_UP) if total else None for v in out.amount_yuan
    ]
    return out


def icicle(leaves: pd.DataFrame) -> pd.DataFrame:
    """Rectangles of an icicle chart (类 / 款 / 项 rows, widths proportional to amounts, children under parents)."""
    tree: dict[str, dict[str, Any]] = {}
    for row in leaves.sort_values(
        ["class_code", "kuan_code", "xiang_code"], na_position="first"
    ).itertuples():
        amount = row.amount_yuan or Decimal(0)
        c = tree.setdefault(row.class_code, {"name": row.class_name, "total": Decimal(0), "kuans": {}})
        c["total"] += amount
        k = c["kuans"].setdefault(
            row.kuan_code or "", {"name": row.kuan_name, "total": Decimal(0), "xiangs": {}}
        )
        k["total"] += amount
        x = k["xiangs"].setdefault(row.xiang_code or "", {"name": row.xiang_name, "total": Decimal(0)})
        x["total"] += amount
    rects = []
    x0 = Decimal(0)
    for cc, c in tree.items():
        rects.append(("类", cc, f"{cc} {c['name'] or ''}".strip(), x0, x0 + c["total"], c["total"], cc))
        kx = x0
        for kc, k in c["kuans"].items():
            if kc:
                rects.append(
                    ("款", kc, f"{kc} {k['name'] or ''}".strip(), kx, kx + k["total"], k["total"], cc)
                )
            xx = kx
            for xc, x in k["xiangs"].items():
                if xc:
                    rects.append(
                        ("项", xc, f"{xc} {x['name'] or ''}".strip(), xx, xx + x["total"], x["total"], cc)
                    )
                xx += x["total"]
            kx += k["total"]
        x0 += c["total"]
    df = pd.DataFrame(rects, columns=["level", "code", "label", "x0", "x1", "amount_yuan", "class_code"])
    df["amount"] = [to_wan(v) for v in df.amount_yuan]
    for col in ("x0", "x1"):  # positions only: plotted, never shown or summed
        df[col] = [float(v / WAN) for v in df[col]]
    return df


def function_departments(
    r: WarehouseReader,
    region: RegionFilter,
    year: int,
    dept_type: str | None,
    code: str,
    measure: str = "total",
) -> pd.DataFrame:
    """Each department's share of one 类/款/项 (the leaves under the code), with the printed row to verify."""
    if measure not in ("total", "basic", "project"):
        raise ValueError(f"unknown measure {measure!r}")
    where, params = region.sql("e")
    df = r.query(
        f"""SELECT e.department, e.province, e.city, e.county, e.department_id, e.document_sha256,
            sum(e.{measure}) AS amount_yuan
        FROM dash_expenditure_by_function AS e JOIN core.departments AS d USING (department_id)
        WHERE e.year = ? AND (?::VARCHAR IS NULL OR d.name_key = ?::VARCHAR) AND {where}
          AND starts_with(coalesce(e.xiang_code, e.kuan_code, e.class_code), ?)
        GROUP BY ALL HAVING sum(e.{measure}) IS NOT NULL ORDER BY amount_yuan DESC""",
        [year, dept_type, dept_type, *params, code],
    )
    df["amount"] = [to_wan(v) for v in df.amount_yuan]
    df["source"] = [source_link(s, kind="expenditure", code=code, m=measure) for s in df.document_sha256]
    return df


# ---------------------------------------------------------------------------------------------- budget vs actual

#: What the 预算执行 page compares: the table both documents print by function class, and its columns.
BVA_TABLES = {
    "一般公共预算财政拨款支出": "general_budget",
    "支出总表（全部资金）": "expenditure",
}
BVA_MEASURES = {"合计": "total", "基本支出": "basic", "项目支出": "project"}
_BVA_COLUMNS = """v.department_id, v.department, v.province, v.city, v.county, v.year, v.subject_code,
    v.subject_name, v.line_item, v.budget_yuan, v.actual_yuan, v.difference_yuan, v.execution_rate_pct,
    v.budget_document_sha256, v.actual_document_sha256, v.budget_basis, v.budget_line_item"""


def _bva_check(table_kind: str, measure: str) -> None:
    if table_kind not in BVA_TABLES.values() or measure not in BVA_MEASURES.values():
        raise ValueError(f"unknown budget-vs-actual figure {table_kind!r}/{measure!r}")


def _bva_frame(df: pd.DataFrame, table_kind: str, measure: str) -> pd.DataFrame:
    """万元 columns beside the yuan ones, and the two source links (the budget's cell, the final account's)."""
    for col in ("budget", "actual", "difference"):
        df[col] = [to_wan(v) for v in df[f"{col}_yuan"]]
    keys = list(zip(df.subject_code, df.line_item, strict=True))
    df["basis"] = [BASIS_LABELS.get(b, "") if isinstance(b, str) else "" for b in df.budget_basis]
    df["budget_source"] = [
        _budget_link(s, table_kind, c, li, measure, basis, own)
        for s, (c, li), basis, own in zip(
            df.budget_document_sha256, keys, df.budget_basis, df.budget_line_item, strict=True
        )
    ]
    df["actual_source"] = [
        source_link(s, kind=table_kind, code=c, line=li, m=measure)
        for s, (c, li) in zip(df.actual_document_sha256, keys, strict=True)
    ]
    return df


def _budget_link(
    sha: str, kind: str, code: str | None, line: str | None, measure: str, basis: str | None, own: str | None
) -> str:
    """The budget figure's cell: its own key where it is one printed cell (a unit's block or row, a crossed
    row); a figure summed from several cells (`budget_basis` sum_of_…) links to its table with `sum` saying so."""
    if isinstance(basis, str) and basis.startswith("sum_of_"):
        return source_link(sha, kind=kind, code=code, m=measure, sum=basis)
    return source_link(sha, kind=kind, code=code, line=own if isinstance(own, str) else line, m=measure)


def budget_years(r: WarehouseReader) -> list[int]:
    """Years with a department holding both a 部门预算 and a 决算."""
    df = r.query(
        "SELECT DISTINCT year FROM dash_budget_vs_actual WHERE budget_source = 'budget' ORDER BY year"
    )
    return [int(y) for y in df.year]


def budget_departments(
    r: WarehouseReader, region: RegionFilter, year: int, table_kind: str, measure: str
) -> pd.DataFrame:
    """Plan vs spend per department (the table's 合计 row of both documents), lowest execution rate first."""
    _bva_check(table_kind, measure)
    where, params = region.sql("v")
    df = r.query(
        f"""SELECT {_BVA_COLUMNS} FROM dash_budget_vs_actual AS v
        WHERE v.budget_source = 'budget' AND v.table_kind = ? AND v.measure = ? AND v.line_item = 'total'
          AND v.year = ? AND {where}
        ORDER BY v.execution_rate_pct NULLS LAST, v.department, v.department_id""",
        [table_kind, measure, year, *params],
    )
    df.insert(0, "rank", range(1, len(df) + 1))
    df.insert(1, "region", [region_label(*t) for t in zip(df.province, df.city, df.county, strict=True)])
    return _bva_frame(df, table_kind, measure)


def budget_functions(
    r: WarehouseReader, department_id: str, year: int, table_kind: str, measure: str, level: str
) -> pd.DataFrame:
    """Plan vs spend of one department per function 类 or 款 (the rows both documents print), by code."""
    _bva_check(table_kind, measure)
    if level not in ("类", "款", "项"):
        raise ValueError(f"unknown level {level!r}")
    df = r.query(
        f"""SELECT {_BVA_COLUMNS} FROM dash_budget_vs_actual AS v
        WHERE v.budget_source = 'budget' AND v.table_kind = ? AND v.measure = ? AND v.department_id = ?
          AND v.year = ? AND v.subject_level = ?
        ORDER BY v.subject_code""",
        [table_kind, measure, department_id, year, level],
    )
    df["label"] = [f"{c} {n or ''}".strip() for c, n in zip(df.subject_code, df.subject_name, strict=True)]
    return _bva_frame(df, table_kind, measure)


# ---------------------------------------------------------------------------------------------- data quality


def rule_failures(
    r: WarehouseReader, region: RegionFilter, year_from: int, year_to: int, by: str
) -> pd.DataFrame:
    """Failed rule results per rule and `by` (year or region), counted as documents and as results."""
    where, params = region.sql("d")
    group = {"year": "d.year", "region": "d.province, d.city, d.county"}[by]
    df = r.query(
        f"""SELECT r.rule_id, r.severity, {group},
            count(DISTINCT r.document_sha256) AS documents, count(*) AS results
        FROM core.rule_results AS r JOIN dash_documents AS d USING (document_sha256)
        WHERE d.is_current AND r.outcome IN ('fail', 'parse_error', 'execution_error')
          AND d.year BETWEEN ? AND ? AND {where}
        GROUP BY ALL ORDER BY documents DESC, r.rule_id""",
        [year_from, year_to, *params],
    )
    if by == "region":
        df.insert(2, "region", [region_label(*t) for t in zip(df.province, df.city, df.county, strict=True)])
    return df


def quarantined(r: WarehouseReader, region: RegionFilter, year_from: int, year_to: int) -> pd.DataFrame:
    where, params = region.sql("d")
    return r.query(
        f"""SELECT d.document_sha256, d.department, d.province, d.city, d.county, d.year, d.failing_rule_ids,
            d.failure_reason, d.source, d.report_kind
        FROM dash_documents AS d
        WHERE d.is_current AND d.status = 'quarantined' AND d.year BETWEEN ? AND ? AND {where}
        ORDER BY d.province, d.department, d.year""",
        [year_from, year_to, *params],
    )


def failing_results(r: WarehouseReader, shas: Sequence[str]) -> pd.DataFrame:
    df = r.query(
        """SELECT r.document_sha256, r.rule_id, r.severity, r.outcome, r.table_kind, r.subject_code, r.line_item,
            r.measure, r.expected, r.actual, r.difference, r.tolerance, r.message,
            coalesce(tk.title, r.table_kind) AS table_title, coalesce(s.display_name, li.label) AS row_name,
            coalesce(ms.label, r.measure) AS measure_label
        FROM core.rule_results AS r
        LEFT JOIN core.table_kinds AS tk ON tk.table_kind = r.table_kind
        LEFT JOIN core.measures AS ms ON ms.table_kind = r.table_kind AND ms.measure = r.measure
        LEFT JOIN core.line_items AS li ON li.line_item = r.line_item
        LEFT JOIN core.subjects AS s ON s.code = r.subject_code AND s.scheme = tk.scheme
        WHERE r.document_sha256 IN (SELECT unnest(?::VARCHAR[]))
          AND r.outcome IN ('fail', 'parse_error', 'execution_error')
        ORDER BY r.document_sha256, r.severity, r.rule_id, r.table_kind, r.subject_code""",
        [list(shas)],
    )
    _wan_columns(df, ["expected", "actual", "difference", "tolerance"])
    df["source"] = [
        source_link(s, kind=k, code=c, line=li, m=m)
        for s, k, c, li, m in zip(
            df.document_sha256, df.table_kind, df.subject_code, df.line_item, df.measure, strict=True
        )
    ]
    return df


# ---------------------------------------------------------------------------------------------- source view


@dataclass
class SourceCell:
    document_sha256: str
    page: int | None
    bbox: tuple[float, float, float, float] | None
    table_kind: str | None
    table_title: str | None
    row_label: str | None
    measure_label: str | None
    published_text: str | None
    unit: str | None
    amount_yuan: Decimal | None
    note: str | None = None  # why there is no box (quarantined document, rule location without one cell…)


def resolve_cell(r: WarehouseReader, params: dict[str, str]) -> SourceCell | None:
    """The printed cell behind a link (?sha=…&metric=… | &kind=…&row=…|code=…|line=…&m=…), or its table's page."""
    sha = params.get("sha")
    if not sha:
        return None
    candidates: list[tuple[str, str | None, str | None, str | None]] = []  # kind, code, line, measure
    if params.get("metric") in METRICS:
        candidates = [(k, None, li, m) for k, li, m in METRICS[params["metric"]].cells]
    elif params.get("kind"):
        candidates = [(params["kind"], params.get("code"), params.get("line"), params.get("m"))]
    row_no = int(params["row"]) if str(params.get("row") or "").isdigit() else None
    summed = SUMMED_NOTES.get(str(params.get("sum")))
    for kind, code, line, measure in [] if summed else candidates:
        df = r.query(
            """SELECT f.page, f.bbox, f.table_kind, t.title, f.row_label, ms.label AS measure_label,
                f.published_text, f.unit, f.amount_yuan
            FROM core.facts AS f
            LEFT JOIN core.document_tables AS t USING (document_sha256, table_kind)
            LEFT JOIN core.measures AS ms ON ms.table_kind = f.table_kind AND ms.measure = f.measure
            WHERE f.document_sha256 = ? AND f.table_kind = ?
              AND (?::VARCHAR IS NULL OR f.measure = ?::VARCHAR)
              AND (?::VARCHAR IS NULL OR f.subject_code = ?::VARCHAR)
              AND (?::VARCHAR IS NULL OR f.line_item = ?::VARCHAR)
              AND (?::INTEGER IS NULL OR f.row_no = ?::INTEGER)
            ORDER BY f.row_no, f.measure LIMIT 1""",
            [sha, kind, measure, measure, code, code, line, line, row_no, row_no],
        )
        if len(df):
            row = df.iloc[0]
            bbox = tuple(float(v) for v in row.bbox) if row.bbox is not None else None
            return SourceCell(
                sha,
                int(row.page),
                bbox,  # type: ignore[arg-type]
                row.table_kind,
                row.title,
                row.row_label,
                row.measure_label,
                row.published_text,
                row.unit,
                row.amount_yuan,
            )
    # No published cell: a quarantined document keeps no cells in the published file. Its kept raw file is
    # parsed again to find the printed cell; failing that, its table's first page is shown without a box.
    kind = candidates[0][0] if candidates else None
    if candidates and not summed:
        located = locate_in_raw(r, sha, *candidates[0])
        if located is not None:
            return located
    df = r.query(
        """SELECT t.table_kind, t.title, t.pages, t.unit FROM core.document_tables AS t
        WHERE t.document_sha256 = ? AND (?::VARCHAR IS NULL OR t.table_kind = ?::VARCHAR) AND len(t.pages) > 0
        ORDER BY t.pages[1] LIMIT 1""",
        [sha, kind, kind],
    )
    page = int(params["page"]) if str(params.get("page", "")).isdigit() else None
    if len(df):
        row = df.iloc[0]
        return SourceCell(
            sha,
            page or int(row.pages[0]),
            None,
            row.table_kind,
            row.title,
            None,
            None,
            None,
            row.unit,
            None,
            note=summed or "这个数字没有单独的单元格（或文档未发布），显示所在表格的第一页。",
        )
    return SourceCell(
        sha, page or 1, None, None, None, None, None, None, None, None, note="未找到该数字所在的表格。"
    )


#: The query parameters of a source link (see source_link).
SOURCE_PARAMS = ("sha", "metric", "kind", "row", "code", "line", "m", "page", "sum")
#: How the budget figure was read (mart.budget_vs_actual.budget_basis), as the budget page says it.
BASIS_LABELS = {
    "printed": "印出数",
    "department_row": "本部门行",
    "department_block": "本部门分块",
    "unit_block": "单位分块",
    "sum_of_unit_blocks": "各单位分块之和",
    "sum_of_economic_pairs": "各政府经济分类之和",
    "sum_of_columns": "分列之和",
}
#: A figure summed from several printed cells (mart.budget_vs_actual.budget_basis): no one cell holds it.
SUMMED_NOTES = {
    "sum_of_unit_blocks": "该预算数是各预算单位分块所列数之和（预算按单位分块印出，没有本部门的分块）；各单位数分别四舍五入，其和与本部门数可能相差几个最小单位（如 0.01 万元）。显示所在表格的第一页。",
    "sum_of_economic_pairs": "该预算数是同一部门经济分类科目在各政府经济分类科目下所列数之和，显示所在表格的第一页。",
    "sum_of_columns": "该预算数是同一行几列之和（如按资金来源分列的“三公”经费、分为人员经费和公用经费的基本支出），显示所在表格的第一页。",
}


def source_cell(r: WarehouseReader, items: tuple[tuple[str, str], ...]) -> SourceCell | None:
    """resolve_cell with the link's parameters as sorted (name, value) pairs (hashable, so cacheable)."""
    return resolve_cell(r, dict(items))


#: pdfium (page images, and the parser's text layer) is not thread-safe: two threads inside it at once crash the
#: process. The dashboard serves requests from a thread pool, so every use of it there holds this lock.
PDFIUM_LOCK = threading.RLock()


@functools.lru_cache(maxsize=8)
def _parsed(raw_path: str) -> Any:
    from juesuan.parsing import parse_report

    with PDFIUM_LOCK:
        return parse_report(Path(raw_path))


def locate_in_raw(
    r: WarehouseReader, sha: str, kind: str, code: str | None, line: str | None, measure: str | None
) -> SourceCell | None:
    """Find a cell of an unpublished (quarantined) document by parsing its kept raw file again."""
    docs = r.query("SELECT raw_path, status FROM core.documents WHERE document_sha256 = ?", [sha])
    if docs.empty or docs.status.iloc[0] == "published" or not (code or line):
        return None
    try:
        report = _parsed(str(docs.raw_path.iloc[0]))
    except Exception:  # a file the parser refuses has no cells to show
        return None
    table = report.table(kind)
    row = table.find(subject_code=code, line_item=line) if table is not None else None
    if row is None:
        return None
    cell = row.cell(measure) if measure else (row.cells[0] if row.cells else None)
    if cell is None or cell.page is None:
        return None
    labels = r.query(
        "SELECT label FROM core.measures WHERE table_kind = ? AND measure = ?", [kind, cell.measure]
    )
    return SourceCell(
        sha,
        cell.page,
        cell.bbox,
        kind,
        table.title,
        row.label,
        labels.label.iloc[0] if len(labels) else cell.measure,
        cell.text,
        table.unit,
        cell.amount_yuan,
        note="该文档已被隔离，单元格不在已发布的仓库中：位置由原始文件重新解析得到。",
    )


def document_info(r: WarehouseReader, sha: str) -> dict[str, Any] | None:
    df = r.query(
        """SELECT d.document_sha256, d.department, d.department_printed, d.province, d.city, d.county, d.year,
            d.status, d.page_count, d.source_url, d.raw_path, d.fetched_at, d.producer, d.failure_reason,
            list(s.source ORDER BY s.first_seen) AS sources, coalesce(c.report_kind, 'final_account') AS report_kind
        FROM dash_documents AS d LEFT JOIN core.document_sources AS s USING (document_sha256)
        LEFT JOIN core.documents AS c USING (document_sha256)
        WHERE d.document_sha256 = ? GROUP BY ALL""",
        [sha],
    )
    return df.iloc[0].to_dict() if len(df) else None


#: Pixels per PDF point of the page image (2 = 144 dpi: small print stays legible).
RENDER_SCALE = 2.0
HIGHLIGHT = (220, 20, 60)


def render_page(
    raw_path: str | Path, page: int, scale: float = RENDER_SCALE
) -> tuple[bytes, tuple[float, float]]:
    """PNG of one page of the kept raw PDF (pypdfium2) and the page size in points."""
    import io

    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(raw_path))
        try:
            p = pdf[page - 1]
            size = p.get_size()
            image = p.render(scale=scale).to_pil().convert("RGB")
            p.close()
        finally:
            pdf.close()
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=1)
    return buf.getvalue(), size


def highlight(
    png: bytes, bbox: Sequence[float] | None, scale: float = RENDER_SCALE
) -> tuple[bytes, bytes | None]:
    """The page with the cell's box drawn (bbox in PDF points, top-left origin), and a close-up of its row."""
    import io

    from PIL import Image, ImageDraw

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if not bbox:
        return png, None
    x0, top, x1, bottom = (v * scale for v in bbox)
    pad = 3 * scale
    box = (x0 - pad, top - pad, x1 + pad, bottom + pad)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rectangle(box, fill=(255, 230, 0, 90))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    ImageDraw.Draw(image).rectangle(box, outline=HIGHLIGHT, width=int(2 * scale))
    crop = image.crop((0, max(0, top - 60 * scale), image.width, min(image.height, bottom + 60 * scale)))
    out, close = io.BytesIO(), io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    crop.save(close, format="PNG", compress_level=1)
    return out.getvalue(), close.getvalue()


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t
