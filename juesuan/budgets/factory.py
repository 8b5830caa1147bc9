"""Budget (部门预算) PDFs with exact truth, for the same departments and years as the final-account factory.

A budget is drawn from a final account's own books: each 项 of its 一般公共预算 table gets a budget near the
actual (a seeded factor, rounded to 100 yuan so 元 and 万元 tables print it exactly), every parent, total and
cross-table figure is summed from those leaves, so every budget identity of the department holds exactly, and
`mart.budget_vs_actual` can be checked to the cent against the two truth files. A budget unit's figures (the
per-unit 收入总表, the per-unit layouts) are whole yuan, each rounded to the table's unit on its own, so in 万元
the units add up to the department within rounding only, as the real ones do. Two styles imitate the real ones:
`excel` (Shanghai: codes split 类|款|项, amounts in 元, 三公 in 万元) and `word` (Beijing / Yantai: one 科目编码
column, 万元, 上年预算数 and 增减 beside 本年预算数), each with a per-unit 收入总表 (a row per budget unit) and
recognised extras (绩效目标表).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan.factory.render import BCell, Grid, HCell, PdfWriter, TextPage
from juesuan.factory.spec import ReportSpec, SpecRow, SpecTable, format_amount, round_unit, yuan_of
from juesuan.model import GOLD_CSV_HEADER

STYLES = ("excel", "word")
HUNDRED = Decimal(100)
TITLES = {
    "excel": {
        "summary": "{y}年预算单位财务收支预算总表",
        "income": "{y}年预算单位收入预算总表",
        "expenditure": "{y}年预算单位支出预算总表",
        "appropriation_summary": "{y}年预算单位财政拨款收支预算总表",
        "general_budget": "{y}年预算单位一般公共预算支出功能分类预算表",
        "basic_expenditure": "{y}年预算单位一般公共预算基本支出部门预算经济分类预算表",
        "three_public": "{y}年单位“三公”经费预算表",
        "basic_function": "{y}年一般公共预算基本支出明细表（按支出功能分类科目）",
        "gov_fund": "{y}年预算单位政府性基金预算支出功能分类预算表",
        "state_capital": "{y}年预算单位国有资本经营预算支出功能分类预算表",
        "project_economic": "{y}年预算单位一般公共预算项目支出经济分类预算表",
        "procurement": "{y}年预算单位政府采购预算表",
    },
    "word": {
        "summary": "收支总表",
        "income": "收入总表",
        "expenditure": "支出总表",
        "appropriation_summary": "财政拨款收支总表",
        "general_budget": "一般公共预算支出表",
        "basic_expenditure": "一般公共预算基本支出表",
        "three_public": "一般公共预算“三公”经费支出表",
        "basic_function": "一般公共预算基本支出明细表（按支出功能分类科目）",
        "gov_fund": "政府性基金预算支出表",
        "state_capital": "国有资本经营预算支出表",
        "project_economic": "一般公共预算项目支出情况表（按经济分类科目）",
        "procurement": "政府采购预算表",
    },
}
THREE_PUBLIC = (
    ("total", "合计"),
    ("overseas", "因公出国（境）费"),
    ("vehicle_total", "小计"),
    ("vehicle_purchase", "公务用车购置费"),
    ("vehicle_operation", "公务用车运行维护费"),
    ("reception", "公务接待费"),
)
_CLASS_ORDINALS = "一二三四五六七八九十"


@dataclass
class BudgetSpec:
    """One budget document: identity, style and its printed tables (values in each table's unit)."""

    doc_id: str
    department: str
    year: int
    style: str
    province: str = ""
    city: str = ""
    county: str = ""
    tables: dict[str, SpecTable] = field(default_factory=dict)
    units: list[str] = field(default_factory=list)  # budget units of the per-unit income table
    projects: list[tuple[str, Decimal]] = field(default_factory=list)  # (name, 万元) of the 绩效目标表
    #: a figure of the 预算情况说明 misstated by 1 万元 (a `NARRATIVE_DEFECTS` key), None for a clean prose
    narrative_defect: str | None = None
    #: a real producer's imitation (`juesuan.budgets.templates`): titles, numbering, metadata, per-unit parts
    template: object | None = None
    #: table kind → drawing of another layout family (juesuan.budgets.layouts), instead of the style's own
    grids: dict[str, Callable[[BudgetSpec, SpecTable, str], Grid]] = field(default_factory=dict)

    def truth_rows(self) -> list[dict[str, str]]:
        out = []
        for kind, table in self.tables.items():
            for row in table.rows:
                for measure, value in row.values.items():
                    out.append(
                        {
                            "table_kind": kind,
                            "subject_code": row.subject_code,
                            "line_item": row.line_item,
                            "row_label": row.label,
                            "measure": measure,
                            "amount_yuan": f"{yuan_of(value, table.unit):.2f}",
                        }
                    )
        return out

    def truth_csv(self) -> str:
        lines = [",".join(GOLD_CSV_HEADER)]
        for r in self.truth_rows():
            lines.append(",".join(r[k] for k in GOLD_CSV_HEADER))
        return "\n".join(lines) + "\n"


# ---- amounts ---------------------------------------------------------------------------------------------


def _to_hundred(yuan: Decimal) -> Decimal:
    """Whole hundreds of yuan (0.01 万元): printed exactly in 元 and in 万元."""
    return (yuan / HUNDRED).quantize(Decimal(1)) * HUNDRED


def _leaves(final: ReportSpec, kind: str, measures: tuple[str, ...]) -> dict[str, dict[str, Decimal]]:
    table = final.tables.get(kind)
    out: dict[str, dict[str, Decimal]] = {}
    if table is None:
        return out
    codes = {r.subject_code for r in table.rows if r.subject_code}
    for r in table.rows:
        code = r.subject_code
        if not code or any(c != code and c.startswith(code) for c in codes):
            continue  # a parent: summed from its leaves
        out[code] = {m: yuan_of(r.values.get(m, Decimal(0)), table.unit) for m in measures}
    return out


def _tree(
    leaves: dict[str, dict[str, Decimal]], measures: tuple[str, ...]
) -> list[tuple[str, dict[str, Decimal]]]:
    """Every 类/款/项 (or 类/款) of `leaves` with its summed measures, in code order (parents first)."""
    sums: dict[str, dict[str, Decimal]] = {}
    for code, vals in leaves.items():
        for n in range(3, len(code) + 1, 2):
            node = sums.setdefault(code[:n], dict.fromkeys(measures, Decimal(0)))
            for m in measures:
                node[m] += vals.get(m, Decimal(0))
    return sorted(sums.items())


def _total(leaves: dict[str, dict[str, Decimal]], measures: tuple[str, ...]) -> dict[str, Decimal]:
    return {m: sum((v.get(m, Decimal(0)) for v in leaves.values()), Decimal(0)) for m in measures}


def _names(final: ReportSpec) -> dict[str, str]:
    return {r.subject_code: r.label for t in final.tables.values() for r in t.rows if r.subject_code}


def _class_name(code: str, names: dict[str, str]) -> str:
    from juesuan.factory.catalogue import CLASS_NAMES

    return names.get(code) or CLASS_NAMES.get(code, code)


def budget_from_final(
    final: ReportSpec,
    *,
    style: str,
    seed: int = 0,
    unit: str | None = None,
    prior: bool | None = None,
    n_units: int = 2,
) -> BudgetSpec:
    """The budget of the department and year of a final-account spec, drawn near its actual amounts.

    `unit` (元 / 万元) and `prior` (上年预算数 and 增减 beside the 一般公共预算 table) default to the style's;
    `n_units` is the number of budget units the department's per-unit 收入总表 lists."""
    if style not in STYLES:
        raise ValueError(f"unknown budget style {style!r}; known: {', '.join(STYLES)}")
    rng = random.Random(f"{seed}:budget:{final.doc_id}")
    names = _names(final)
    y = final.year
    unit = unit or ("元" if style == "excel" else "万元")
    print_prior = style == "word" if prior is None else prior
    spec = BudgetSpec(
        doc_id=f"{final.doc_id}-budget",
        department=final.department,
        year=y,
        style=style,
        province=final.province,
        city=final.city,
        county=final.county,
    )
    # 一般公共预算 by 项: near the actual basic / project of the final account
    actual = _leaves(final, "general_budget", ("basic", "project"))
    gb: dict[str, dict[str, Decimal]] = {}
    for code, vals in actual.items():
        row = {m: _to_hundred(v * Decimal(str(round(rng.uniform(0.85, 1.15), 4)))) for m, v in vals.items()}
        row["total"] = row["basic"] + row["project"]
        gb[code] = row
    if not gb:
        raise ValueError(f"{final.doc_id}: the final account has no general-budget 项 to budget from")
    # non-fiscal money (事业收入 / 其他收入) funds extra project spending on the first 项 with a project
    extra_code = next((c for c, v in sorted(gb.items()) if v["project"] > 0), sorted(gb)[0])
    business = _to_hundred(gb[extra_code]["total"] * Decimal("0.2")) if rng.random() < 0.7 else Decimal(0)
    other = (
        _to_hundred(gb[extra_code]["total"] * Decimal("0.05"))
        if business and rng.random() < 0.5
        else Decimal(0)
    )
    ex = {c: dict(v) for c, v in gb.items()}
    ex[extra_code]["project"] += business + other
    ex[extra_code]["total"] += business + other
    prior = {
        c: _to_hundred(v["total"] * Decimal(str(round(rng.uniform(0.8, 1.2), 4)))) for c, v in gb.items()
    }

    split = ("total", "basic", "project")
    gb_total = _total(gb, split)
    ex_total = _total(ex, split)
    fiscal = gb_total["total"]
    income_total = fiscal + business + other

    def coded(
        kind: str, leaves: dict[str, dict[str, Decimal]], measures: tuple[str, ...], u: str
    ) -> SpecTable:
        t = SpecTable(kind=kind, unit=u)
        tot = _total(leaves, measures)
        t.rows.append(
            SpecRow(label="合计", line_item="total", values={m: round_unit(tot[m], u) for m in measures})
        )
        for code, vals in _tree(leaves, measures):
            label = _class_name(code, names) if len(code) == 3 else names.get(code, code)
            t.rows.append(
                SpecRow(label=label, subject_code=code, values={m: round_unit(vals[m], u) for m in measures})
            )
        return t

    # 收支总表
    s = SpecTable(kind="summary", unit=unit)
    income_lines = [
        ("一、一般公共预算拨款收入", "income.general_budget", fiscal),
        ("二、政府性基金预算拨款收入", "income.gov_fund", Decimal(0)),
        ("三、事业收入", "income.business", business),
        ("四、其他收入", "income.other", other),
    ]
    for label, key, v in income_lines:
        s.rows.append(
            SpecRow(label=label, line_item=key, side="income", values={"amount": round_unit(v, unit)})
        )
    classes = [(c, v) for c, v in _tree(ex, ("total",)) if len(c) == 3]
    for i, (code, vals) in enumerate(classes):
        label = f"{_CLASS_ORDINALS[i % 10]}、{_class_name(code, names)}"
        s.rows.append(
            SpecRow(
                label=label,
                subject_code=code,
                side="expenditure",
                values={"amount": round_unit(vals["total"], unit)},
            )
        )
    foot = [
        (
            "本年收入合计",
            "income.total",
            income_total,
            "本年支出合计",
            "expenditure.total",
            ex_total["total"],
        ),
        ("上年结转结余", "income.carryover", Decimal(0), "结转下年", "expenditure.carry_forward", Decimal(0)),
        (
            "收入总计",
            "income.grand_total",
            income_total,
            "支出总计",
            "expenditure.grand_total",
            ex_total["total"],
        ),
    ]
    for il, ik, iv, el, ek, ev in foot:
        s.rows.append(SpecRow(label=il, line_item=ik, side="income", values={"amount": round_unit(iv, unit)}))
        s.rows.append(
            SpecRow(label=el, line_item=ek, side="expenditure", values={"amount": round_unit(ev, unit)})
        )
    spec.tables["summary"] = s

    # 收入总表: a row per budget unit (the department's own office, then its institutions)
    spec.units = unit_names(final.department, n_units)
    spec.tables["income"] = units_income(spec.units, fiscal, business, other, unit, rng)

    spec.tables["expenditure"] = coded("expenditure", ex, split, unit)

    # 财政拨款收支总表
    a = SpecTable(kind="appropriation_summary", unit=unit)
    a.rows.append(SpecRow(label="一、一般公共预算", line_item="income.general_budget", side="income", values={"amount": round_unit(fiscal, unit)}))  # fmt: skip
    a.rows.append(SpecRow(label="二、政府性基金预算", line_item="income.gov_fund", side="income", values={"amount": Decimal("0.00")}))  # fmt: skip
    for i, (code, vals) in enumerate(c for c in _tree(gb, ("total",)) if len(c[0]) == 3):
        v = round_unit(vals["total"], unit)
        label = f"{_CLASS_ORDINALS[i % 10]}、{_class_name(code, names)}"
        a.rows.append(SpecRow(label=label, subject_code=code, side="expenditure", values={"total": v, "general_budget": v}))  # fmt: skip
    a.rows.append(SpecRow(label="收入总计", line_item="income.grand_total", side="income", values={"amount": round_unit(fiscal, unit)}))  # fmt: skip
    g = round_unit(fiscal, unit)
    a.rows.append(SpecRow(label="支出总计", line_item="expenditure.grand_total", side="expenditure", values={"total": g, "general_budget": g}))  # fmt: skip
    spec.tables["appropriation_summary"] = a

    gbt = coded("general_budget", gb, split, unit)
    if print_prior:  # 上年预算数 and 增减 beside 本年预算数
        prior_tree = dict(_tree({c: {"total": v} for c, v in prior.items()}, ("total",)))
        prior_total = sum(prior.values(), Decimal(0))
        for row in gbt.rows:
            p = prior_total if row.line_item == "total" else prior_tree[row.subject_code]["total"]
            row.values["prior.total"] = round_unit(p, unit)
            row.values["change.total"] = row.values["total"] - row.values["prior.total"]
    spec.tables["general_budget"] = gbt

    # 一般公共预算基本支出表 by economic 款: the basic total spread over the final account's economic weights
    spec.tables["basic_expenditure"] = _basic(final, gb_total["basic"], unit, names)

    # 三公: this year's budget and last year's, near the final account's own 年初预算数
    tp_final = final.tables.get("three_public")
    base = {}
    if tp_final is not None and tp_final.rows:
        base = {m: yuan_of(v, tp_final.unit) for m, v in tp_final.rows[0].values.items()}
    tp = SpecTable(kind="three_public", unit="万元")
    values: dict[str, Decimal] = {}
    for side, factor in (("prior", (0.8, 1.2)), ("budget", (0.9, 1.1))):
        parts = {}
        for m in ("overseas", "vehicle_purchase", "vehicle_operation", "reception"):
            b = base.get(f"budget.{m}", Decimal(0))
            parts[m] = _to_hundred(b * Decimal(str(round(rng.uniform(*factor), 4))))
        parts["vehicle_total"] = parts["vehicle_purchase"] + parts["vehicle_operation"]
        parts["total"] = parts["overseas"] + parts["vehicle_total"] + parts["reception"]
        for m, v in parts.items():
            values[f"{side}.{m}"] = round_unit(v, "万元")
    tp.rows.append(SpecRow(label="", values=values))
    spec.tables["three_public"] = tp

    for kind, fund in (("gov_fund", "政府性基金预算"), ("state_capital", "国有资本经营预算")):
        spec.tables[kind] = SpecTable(
            kind=kind, unit=unit, note=f"本部门{y}年无{fund}拨款安排的支出，故本表无数据。"
        )
    if gb_total["project"] > 0:
        spec.tables["project_economic"] = _project_economic(gb_total["project"], unit, rng)
        spec.tables["procurement"] = _procurement(gb, unit, rng, names)
    spec.projects = [
        (names.get(c, c), round_unit(v["project"], "万元")) for c, v in sorted(gb.items()) if v["project"] > 0
    ][:3]
    return spec


#: Economic 款 a project budget is spent on (广州 表7 一般公共预算项目支出情况表（按经济分类科目）).
_PROJECT_ECONOMIC = {
    "30201": "办公费",
    "30211": "差旅费",
    "30213": "维修（护）费",
    "30226": "劳务费",
    "30227": "委托业务费",
    "31002": "办公设备购置",
    "31007": "信息网络及软件购置更新",
}
_ECONOMIC_CLASSES = {"302": "商品和服务支出", "310": "资本性支出"}


_UNIT_SUFFIXES = (
    "信息中心",
    "服务中心",
    "事务中心",
    "监测站",
    "研究所",
    "培训中心",
    "档案馆",
    "执法支队",
    "技术学院",
)


def unit_names(department: str, n: int) -> list[str]:
    """`n` budget units of a department: its own office (本级) first, then institutions named as real ones are."""
    names = [f"{department}（本级）"]
    for k in range(1, n):
        suffix = _UNIT_SUFFIXES[(k - 1) % len(_UNIT_SUFFIXES)]
        rank = (k - 1) // len(_UNIT_SUFFIXES)
        names.append(f"{department}{'第' + _CLASS_ORDINALS[rank % 10] if rank else ''}{suffix}")
    return names


def _to_yuan(yuan: Decimal) -> Decimal:
    """Whole yuan: a budget unit's own figure, finer than the 0.01 万元 a 万元 table prints it to."""
    return yuan.quantize(Decimal(1))


def units_income(
    units: list[str], fiscal: Decimal, business: Decimal, other: Decimal, unit: str, rng: random.Random
) -> SpecTable:
    """The per-unit 收入总表: the department's 合计 (its exact sum), then a row per budget unit, every figure
    rounded to the table's unit on its own (in 万元 the units may add up a few 0.01 万元 off the 合计)."""
    inc = SpecTable(kind="income", unit=unit)
    unit_rows = _unit_rows(units, fiscal, business, other, rng)
    measures = ("total", "general_budget", "business", "other")
    tot = dict.fromkeys(measures, Decimal(0))
    for _, vals in unit_rows:
        vals["total"] = vals["general_budget"] + vals["business"] + vals["other"]
        for m in measures:
            tot[m] += vals[m]
    inc.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(tot[m], unit) for m in measures})
    )
    for name, vals in unit_rows:
        inc.rows.append(
            SpecRow(
                label=name, line_item=f"unit:{name}", values={m: round_unit(vals[m], unit) for m in measures}
            )
        )
    return inc


def _unit_rows(
    units: list[str], fiscal: Decimal, business: Decimal, other: Decimal, rng: random.Random
) -> list[tuple[str, dict[str, Decimal]]]:
    """The department's income split over its units: fiscal by seeded shares (in whole yuan, as a unit's books
    keep it, the own office taking the remainder), 事业收入 on the first institution, 其他收入 on the own office."""
    if len(units) == 1:
        return [(units[0], {"general_budget": fiscal, "business": business, "other": other})]
    if len(units) == 2:
        share = [_to_yuan(fiscal * Decimal(str(round(rng.uniform(0.15, 0.35), 4))))]
    else:
        weights = [Decimal(rng.randint(1, 9)) for _ in units[1:]]
        pool = _to_hundred(fiscal * Decimal(str(round(rng.uniform(0.3, 0.6), 4))))
        whole = sum(weights, Decimal(0))
        share = [_to_yuan(pool * w / whole) for w in weights]
    rows = [
        (
            units[0],
            {"general_budget": fiscal - sum(share, Decimal(0)), "business": Decimal(0), "other": other},
        )
    ]
    for i, (name, s) in enumerate(zip(units[1:], share, strict=True)):
        rows.append(
            (name, {"general_budget": s, "business": business if i == 0 else Decimal(0), "other": Decimal(0)})
        )
    return rows


def _procurement(
    gb: dict[str, dict[str, Decimal]], unit: str, rng: random.Random, names: dict[str, str]
) -> SpecTable:
    """The 政府采购预算表 by function code (烟台 公开表12): part of some 项's project budget bought through
    government procurement, paid mostly from the 一般公共预算 and the rest from 单位资金."""
    leaves: dict[str, dict[str, Decimal]] = {}
    for code in [c for c, v in sorted(gb.items()) if v["project"] >= 10000][:3]:
        amount = _to_hundred(gb[code]["project"] * Decimal(str(round(rng.uniform(0.2, 0.6), 4))))
        general = _to_hundred(amount * Decimal("0.8"))
        leaves[code] = {
            "total": amount,
            "fiscal_appropriation": general,
            "general_budget": general,
            "unit_funds": amount - general,
        }
    measures = ("total", "fiscal_appropriation", "general_budget", "unit_funds")
    t = SpecTable(kind="procurement", unit=unit)
    tot = _total(leaves, measures)
    t.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(tot[m], unit) for m in measures})
    )
    for code, vals in _tree(leaves, measures):
        label = _class_name(code, names) if len(code) == 3 else names.get(code, code)
        t.rows.append(SpecRow(label=label, subject_code=code, values={m: round_unit(vals[m], unit) for m in measures}))  # fmt: skip
    return t


def _project_economic(project_total: Decimal, unit: str, rng: random.Random) -> SpecTable:
    """The 一般公共预算 project budget by economic 款: seeded weights, exact to the 100 yuan, summing to the total."""
    codes = sorted(rng.sample(sorted(_PROJECT_ECONOMIC), 4 if project_total >= 100000 else 1))
    weights = {c: Decimal(rng.randint(1, 9)) for c in codes}
    whole = sum(weights.values(), Decimal(0))
    spread = {c: _to_hundred(project_total * w / whole) for c, w in weights.items()}
    spread[codes[-1]] += project_total - sum(spread.values(), Decimal(0))
    leaves = {c: {"total": v} for c, v in spread.items()}
    names = {**_PROJECT_ECONOMIC, **_ECONOMIC_CLASSES}
    t = SpecTable(kind="project_economic", unit=unit)
    t.rows.append(SpecRow(label="合计", line_item="total", values={"total": round_unit(project_total, unit)}))
    for code, vals in _tree(leaves, ("total",)):
        t.rows.append(SpecRow(label=names[code], subject_code=code, values={"total": round_unit(vals["total"], unit)}))  # fmt: skip
    return t


def _basic(final: ReportSpec, basic_total: Decimal, unit: str, names: dict[str, str]) -> SpecTable:
    leaves = _leaves(final, "basic_expenditure", ("amount",))
    weights = {c: v["amount"] for c, v in leaves.items() if len(c) == 5 and v["amount"] > 0}
    if not weights:
        weights = {"30101": Decimal(1)}
        names.setdefault("30101", "基本工资")
    whole = sum(weights.values(), Decimal(0))
    spread = {c: _to_hundred(basic_total * w / whole) for c, w in weights.items()}
    biggest = max(spread, key=lambda c: spread[c])
    spread[biggest] += basic_total - sum(spread.values(), Decimal(0))
    rows: dict[str, dict[str, Decimal]] = {}
    for code, v in spread.items():
        personnel = code[:3] in ("301", "303")
        rows[code] = {
            "total": v,
            "personnel": v if personnel else Decimal(0),
            "public": Decimal(0) if personnel else v,
        }
    measures = ("total", "personnel", "public")
    t = SpecTable(kind="basic_expenditure", unit=unit)
    tot = _total(rows, measures)
    t.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(tot[m], unit) for m in measures})
    )
    for code, vals in _tree(rows, measures):
        t.rows.append(SpecRow(label=names.get(code, code), subject_code=code, values={m: round_unit(vals[m], unit) for m in measures}))  # fmt: skip
    return t


# ---- drawing ---------------------------------------------------------------------------------------------

_MEASURE_LABELS = {
    "total": "合计",
    "basic": "基本支出",
    "project": "项目支出",
    "general_budget": "一般公共预算拨款收入",
    "gov_fund": "政府性基金预算拨款收入",
    "business": "事业收入",
    "other": "其他收入",
    "personnel": "人员经费",
    "public": "公用经费",
    "fiscal_appropriation": "财政拨款小计",
    "unit_funds": "单位资金",
}


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else format_amount(value, thousands=True)


def _coded_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    measures = list(dict.fromkeys(m for r in table.rows for m in r.values))
    split = spec.style == "excel"
    economic = table.kind in ("basic_expenditure", "project_economic")
    levels = ("类", "款") if economic else ("类", "款", "项")
    ncode = len(levels) if split else 1
    head = "经济分类科目编码" if economic else "功能分类科目编码"
    header: list[HCell] = []
    if split:
        header += [HCell(0, 0, head, colspan=ncode), HCell(0, ncode, "科目名称", rowspan=2)]
        header += [HCell(1, i, lv) for i, lv in enumerate(levels)]
    else:
        header += [HCell(0, 0, "科目编码", rowspan=2), HCell(0, 1, "科目名称", rowspan=2)]
    col = ncode + 1
    own = [m for m in measures if "." not in m]
    if "prior.total" in measures:
        header.append(HCell(0, col, "上年预算数", rowspan=2))
        col += 1
    header.append(HCell(0, col, "本年预算数", colspan=len(own)))
    for j, m in enumerate(own):
        header.append(HCell(1, col + j, _MEASURE_LABELS[m]))
    col += len(own)
    if "change.total" in measures:
        header.append(HCell(0, col, "增减", rowspan=2))
    order = (["prior.total"] if "prior.total" in measures else []) + own
    order += ["change.total"] if "change.total" in measures else []
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [BCell(_fmt(row.values.get(m)), align="r") for m in order]
        if row.line_item == "total":
            body.append([BCell("合计", colspan=ncode + 1, align="c"), *vals])
            continue
        code = row.subject_code
        if split:
            parts = [code[:3], code[3:5], code[5:7]][:ncode]
            lead = [BCell(p, align="c") for p in parts]
        else:
            lead = [BCell(code)]
        body.append([*lead, BCell(row.label), *vals])
    widths = [0.5] * ncode if split else [1.2]
    widths += [3.0] + [1.15] * len(order)
    return _grid(spec, table, title, widths, header, 2, body, landscape=len(order) > 3)


def _grid(spec, table, title, widths, header, hrows, body, *, landscape=False) -> Grid:  # type: ignore[no-untyped-def]
    g = Grid(
        kind=table.kind,
        title=title,
        col_widths=widths,
        header=header,
        header_rows=hrows,
        body=body,
        unit_line=f"单位：{table.unit}",
        department_line=f"{'编制单位' if spec.style == 'excel' else '部门名称'}：{spec.department}",
        landscape=landscape,
        header_layout="central",
    )
    if table.note:
        g.notes = [table.note]
    return g


def _two_sided_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    left = [r for r in table.rows if r.side == "income"]
    right = [r for r in table.rows if r.side == "expenditure"]
    rmeasures = list(dict.fromkeys(m for r in right for m in r.values))
    header = [HCell(0, 0, "收入", colspan=2), HCell(0, 2, "支出", colspan=1 + len(rmeasures))]
    header += [HCell(1, 0, "项目"), HCell(1, 1, "预算数"), HCell(1, 2, "项目")]
    labels = {
        "amount": "预算数",
        "total": "合计",
        "general_budget": "一般公共预算",
        "gov_fund": "政府性基金预算",
    }
    header += [HCell(1, 3 + j, labels[m]) for j, m in enumerate(rmeasures)]
    # the totals print side by side on the last lines; the other lines fill from the top
    foot_keys = ("income.total", "income.carryover", "income.grand_total")
    lbody = [r for r in left if r.line_item not in foot_keys]
    rfoot_keys = ("expenditure.total", "expenditure.carry_forward", "expenditure.grand_total")
    rbody = [r for r in right if r.line_item not in rfoot_keys]
    lfoot = [r for r in left if r.line_item in foot_keys]
    rfoot = [r for r in right if r.line_item in rfoot_keys]
    body: list[list[BCell]] = []
    n = max(len(lbody), len(rbody))
    for i in range(n):
        a = lbody[i] if i < len(lbody) else None
        b = rbody[i] if i < len(rbody) else None
        body.append(_side_cells(a, ["amount"]) + _side_cells(b, rmeasures))
    for a, b in zip(lfoot, rfoot, strict=False):
        body.append(_side_cells(a, ["amount"]) + _side_cells(b, rmeasures))
    widths = [2.6, 1.2, 2.6] + [1.2] * len(rmeasures)
    return _grid(spec, table, title, widths, header, 2, body, landscape=len(rmeasures) > 1)


def _side_cells(row: SpecRow | None, measures: list[str]) -> list[BCell]:
    if row is None:
        return [BCell("")] + [BCell("") for _ in measures]
    return [BCell(row.label)] + [BCell(_fmt(row.values.get(m)), align="r") for m in measures]


def _income_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    funds = ["gov_fund"] if any("gov_fund" in r.values for r in table.rows) else []
    measures = ["total", "general_budget", *funds, "business", "other"]
    header = [HCell(0, 0, "单位名称", rowspan=2), HCell(0, 1, "合计", rowspan=2)]
    header += [HCell(0, 2, "本年收入", colspan=len(measures) - 1)]
    header += [HCell(1, 2 + j, _MEASURE_LABELS[m]) for j, m in enumerate(measures[1:])]
    body = [
        [BCell(r.label), *[BCell(_fmt(r.values.get(m)), align="r") for m in measures]] for r in table.rows
    ]
    return _grid(spec, table, title, [3.2] + [1.3] * len(measures), header, 2, body)


def _three_public_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    header: list[HCell] = []
    cols: list[str] = []
    col = 0
    for side, year in (("prior", spec.year - 1), ("budget", spec.year)):
        header.append(HCell(0, col, f"{year}年预算数", colspan=6))
        header += [HCell(1, col, "合计", rowspan=2), HCell(1, col + 1, "因公出国（境）费", rowspan=2)]
        header += [HCell(1, col + 2, "公务用车购置及运行维护费", colspan=3)]
        header += [HCell(2, col + 2, "小计"), HCell(2, col + 3, "公务用车购置费"), HCell(2, col + 4, "公务用车运行维护费")]  # fmt: skip
        header += [HCell(1, col + 5, "公务接待费", rowspan=2)]
        cols += [f"{side}.{m}" for m, _ in THREE_PUBLIC]
        col += 6
    row = table.rows[0]
    body = [[BCell(_fmt(row.values.get(m)), align="r") for m in cols]]
    return _grid(spec, table, title, [1.0] * 12, header, 3, body, landscape=True)


def _empty_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    header = [HCell(0, 0, "科目编码"), HCell(0, 1, "科目名称"), HCell(0, 2, "合计"), HCell(0, 3, "基本支出"), HCell(0, 4, "项目支出")]  # fmt: skip
    body = [[BCell("合计", colspan=2, align="c"), BCell(""), BCell(""), BCell("")]]
    return _grid(spec, table, title, [1.2, 3.0, 1.2, 1.2, 1.2], header, 1, body)


#: Figures of the 预算情况说明 a factory defect can misstate (by 1 万元): key → the sentence's words.
NARRATIVE_DEFECTS = {
    "income_total": "收入预算",
    "general_budget": "一般公共预算拨款收入",
    "basic": "基本支出",
    "class": "the first function class",
    "three_public_total": "“三公”经费预算",
    "three_public_change": "“三公”经费 change vs 上年",
    "three_public_rate": "“三公”经费 growth rate vs 上年 (%)",
    "general_budget_change": "一般公共预算拨款支出 change vs 上年 (word style)",
}


def _wan(yuan: Decimal) -> str:
    return format_amount((yuan / 10000).quantize(Decimal("0.01")), thousands=False)


def department_figures(spec: BudgetSpec, kind: str, code: str | None = None) -> dict[str, Decimal]:
    """The department's own figures (yuan by measure) of a table's 合计, or of one code, in whatever layout the
    table is printed (`layouts`): its 合计 row, or its own row above the units' blocks; a code's own block's row,
    or the sum of the units' blocks; the 三公 department row, a column split by fund source summed."""
    table = spec.tables[kind]
    own = f"unit:{spec.department}"
    if code is not None:
        rows = [r for r in table.rows if r.subject_code == code]
        rows = [r for r in rows if r.line_item == own] or rows
    elif kind == "three_public":
        rows = [next(r for r in table.rows if not r.line_item)]
    else:
        rows = [r for r in table.rows if r.line_item == "total" and not r.subject_code]
        rows = rows or [r for r in table.rows if r.line_item == own and not r.subject_code]
    out: dict[str, Decimal] = {}
    for row in rows:
        for m, v in row.values.items():
            if m.endswith(_FUND_SUFFIX) and m.count(".") == 2:
                if m.rsplit(".", 1)[0] in row.values:  # the item's own column is printed too
                    continue
                m = m.rsplit(".", 1)[0]
            out[m] = out.get(m, Decimal(0)) + yuan_of(v, table.unit)
    return out


def budget_narrative(spec: BudgetSpec) -> list[tuple[str, str]]:
    """The 预算情况说明 as the real ones word it, every figure from the tables (in 万元, 2 decimals): 收支总额,
    its sources, 基本 / 项目, a function class, 一般公共预算 against 上年, 三公 items and their change. A
    `narrative_defect` misstates one figure by 1 万元, which `budget_narrative_amounts` must catch."""
    bad = spec.narrative_defect
    if bad is not None and bad not in NARRATIVE_DEFECTS:
        raise ValueError(f"unknown narrative defect {bad!r}; known: {', '.join(NARRATIVE_DEFECTS)}")

    def yuan(kind: str, measure: str, line_item: str | None = None, code: str | None = None) -> Decimal:
        t = spec.tables[kind]
        row = next(r for r in t.rows if r.line_item == line_item and (r.subject_code or None) == code)
        return yuan_of(row.values.get(measure, Decimal(0)), t.unit)

    def say(key: str, v: Decimal) -> str:
        return _wan(v + (Decimal(10000) if bad == key else Decimal(0)))

    def change(key: str, d: Decimal) -> str:
        d = d + (Decimal(10000) if bad == key else Decimal(0))
        return f"{'增加' if d >= 0 else '减少'}{_wan(abs(d))}万元"

    def rate(key: str, d: Decimal, prior: Decimal) -> str:
        if prior == 0:
            return ""
        pct = (abs(d) * 100 / prior).quantize(Decimal("0.01")) + (Decimal(1) if bad == key else Decimal(0))
        return f"，{'增长' if d >= 0 else '下降'}{pct}%"

    y, dep = spec.year, spec.department
    income = yuan("summary", "amount", "income.total")
    fiscal = yuan("summary", "amount", "income.general_budget")
    lines = {r.line_item for r in spec.tables["summary"].rows}
    # 江苏 2019's summary prints 其他资金 as one line: its parts are the 收入总表's 合计 row (事业收入, 其他收入)
    business, other = (
        yuan("summary", "amount", f"income.{k}") if f"income.{k}" in lines else yuan("income", k, "total")
        for k in ("business", "other")
    )
    # the department's own figures, whatever layout a table is printed in (`department_figures`)
    ex = department_figures(spec, "expenditure")
    split = ""
    if "basic" in ex and "project" in ex:  # (西安's 支出总表 by fund source prints no 基本 / 项目 column)
        split = f"，其中：基本支出{say('basic', ex['basic'])}万元，项目支出{_wan(ex['project'])}万元"
    out = [
        ("heading", "一、收支预算总体情况"),
        (
            "para",
            f"{y}年{dep}收入预算{say('income_total', income)}万元，其中：一般公共预算拨款收入"
            f"{say('general_budget', fiscal)}万元，事业收入{_wan(business)}万元，其他收入{_wan(other)}万元。"
            f"支出预算{_wan(income)}万元{split}。",
        ),
    ]
    gb = department_figures(spec, "general_budget")
    first = next(r for r in spec.tables["general_budget"].rows if r.subject_code and len(r.subject_code) == 3)
    text = f"{y}年一般公共预算拨款支出预算{_wan(gb['total'])}万元"
    if "change.total" in gb:
        text += f"，比上年预算{change('general_budget_change', gb['change.total'])}"
    text += (
        f"。主要用于以下方面：“{first.label}”科目"
        f"{say('class', department_figures(spec, 'general_budget', first.subject_code)['total'])}万元。"
    )
    out += [("heading", "二、一般公共预算拨款支出预算情况"), ("para", text)]
    tp = department_figures(spec, "three_public")

    def tpy(m: str) -> Decimal:
        return tp.get(m, Decimal(0))

    out += [
        ("heading", "三、“三公”经费预算情况"),
        (
            "para",
            f"{y}年“三公”经费预算{say('three_public_total', tpy('budget.total'))}万元，比上年预算"
            f"{change('three_public_change', tpy('budget.total') - tpy('prior.total'))}"
            f"{rate('three_public_rate', tpy('budget.total') - tpy('prior.total'), tpy('prior.total'))}。其中：因公出国（境）费"
            f"{_wan(tpy('budget.overseas'))}万元；公务用车购置及运行费{_wan(tpy('budget.vehicle_total'))}万元，"
            f"其中公务用车购置费{_wan(tpy('budget.vehicle_purchase'))}万元、公务用车运行维护费"
            f"{_wan(tpy('budget.vehicle_operation'))}万元；公务接待费{_wan(tpy('budget.reception'))}万元。",
        ),
    ]
    return out


def render_budget(spec: BudgetSpec, path: Path) -> int:
    """Write the budget PDF; returns its page count."""
    y, dep = spec.year, spec.department
    tpl = spec.template
    w = PdfWriter(Path(path), title=f"{dep}{y}年部门预算")
    if tpl is not None:
        tpl.stamp(w)  # type: ignore[attr-defined]
    w.text_page(TextPage([("big", f"{y}年"), ("big", dep), ("big", "部门预算")]))
    prose = [("title", "第一部分"), ("title", f"{y}年部门预算情况说明"), *budget_narrative(spec)]
    if tpl is not None:
        prose += tpl.unit_prose(spec)  # type: ignore[attr-defined]
    w.text_page(TextPage(prose))
    for grid in budget_grids(spec):
        w.table(grid)
    if tpl is not None:
        tpl.unit_extras(spec, w)  # type: ignore[attr-defined]
    elif spec.projects:
        w.table(performance_grid(spec))
    return w.save()


def performance_grid(spec: BudgetSpec) -> Grid:
    """The 项目支出绩效目标表 (projects by name: an extra, recognised and noted, not cells)."""
    t = SpecTable(kind="performance", unit="万元")
    header = [HCell(0, 0, "项目名称"), HCell(0, 1, "预算数"), HCell(0, 2, "绩效目标")]
    body = [[BCell(n), BCell(_fmt(v), align="r"), BCell("按期完成年度工作任务")] for n, v in spec.projects]
    return _grid(spec, t, "项目支出绩效目标表", [3.0, 1.2, 3.0], header, 1, body)


def budget_grids(spec: BudgetSpec) -> list[Grid]:
    """The public budget tables as drawn (the PDF, the workbook and the HTML article print these same grids)."""
    y, tpl = spec.year, spec.template
    out = []
    titles = TITLES[spec.style] if tpl is None else tpl.titles  # type: ignore[attr-defined]
    for number, (kind, table) in enumerate(spec.tables.items(), start=1):
        title = (titles.get(kind) or TITLES["word"].get(kind, kind)).format(y=y)  # layouts name their own
        if kind in spec.grids:
            grid = spec.grids[kind](spec, table, title)
        elif kind in ("summary", "appropriation_summary"):
            grid = _two_sided_grid(spec, table, title)
        elif kind == "income":
            grid = _income_grid(spec, table, title)
        elif kind == "three_public":
            grid = _three_public_grid(spec, table, title)
        elif not table.rows:
            grid = _empty_grid(spec, table, title)
        else:
            grid = _coded_grid(spec, table, title)
        if tpl is not None:
            tpl.dress(grid, number)  # type: ignore[attr-defined]
        out.append(grid)
    return out


def write_budget(spec: BudgetSpec, out_dir: Path) -> dict[str, object]:
    """`<doc_id>.pdf` and `<doc_id>.truth.csv`; returns a manifest record."""
    out_dir = Path(out_dir)
    pdf = out_dir / f"{spec.doc_id}.pdf"
    pages = render_budget(spec, pdf)
    truth = out_dir / f"{spec.doc_id}.truth.csv"
    truth.write_text(spec.truth_csv(), encoding="utf-8")
    return {
        "doc_id": spec.doc_id,
        "file": pdf.name,
        "truth_file": truth.name,
        "department": spec.department,
        "year": spec.year,
        "style": spec.style,
        "pages": pages,
        "units": {k: t.unit for k, t in spec.tables.items()},
    }


#: The budgets of a pair corpus beside the plain styles: (template or style, layout families applied), one per
#: real layout family `mart.budget_vs_actual` must read: a block per unit under the department's row (深圳), with
#: the department's own block, under a 合计 row only; 部门经济分类 × 政府经济分类 rows (烟台) and 政府经济分类
#: annotations (西安); 西安's per-unit tables by unit code (支出总表 by fund source, no codes), its panels and its
#: 一般公共预算支出表 with 基本支出 only as 人员经费 + 公用经费.
REAL_LAYOUT_PAIRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shenzhen_itext", ("unit_blocks",)),
    ("word", ("unit_blocks_department_block", "crossed_economic")),
    ("excel", ("unit_blocks_total", "annotated_economic")),
    ("xian_word2010", ("unit_codes", "annotated_economic_unique", "multi_panel_summary", "split_basic")),
)
#: The tables `mart.budget_vs_actual` sets against the final account's, with the measures it compares.
PLAN_MEASURES = {
    "expenditure": ("total", "basic", "project"),
    "general_budget": ("total", "basic", "project"),
    "basic_expenditure": ("total",),
}
_FUND_SUFFIX = (".general_budget", ".gov_fund", ".state_capital")


def _blocks_without_department(spec: BudgetSpec, table: SpecTable) -> bool:
    """The table prints its codes in the units' blocks (line item unit:<name>) and none in the department's."""
    keys = {r.line_item for r in table.rows if r.subject_code and (r.line_item or "").startswith("unit:")}
    return bool(keys) and f"unit:{spec.department}" not in keys


def _sum_of_unit_blocks(table: SpecTable) -> list[SpecRow]:
    """A row per code: its printed figures summed over the units' blocks (in the table's unit, exactly)."""
    sums: dict[str, SpecRow] = {}
    for row in table.rows:
        if not row.subject_code or not (row.line_item or "").startswith("unit:"):
            continue
        node = sums.setdefault(row.subject_code, SpecRow(label=row.label, subject_code=row.subject_code))
        for m, v in row.values.items():
            node.values[m] = node.values.get(m, Decimal(0)) + v
    return [sums[c] for c in sorted(sums)]


def department_plan(spec: BudgetSpec, plain: dict[str, SpecTable]) -> list[dict[str, str]]:
    """The department's own 本年预算数 that `mart.budget_vs_actual` must show, from the spec (never the parser).

    `plain` is the spec's tables before a layout re-laid them per unit or per pair of codes: the department's
    figure of each code is that plain table's (a layout splits it between units or 政府经济分类 codes exactly),
    except in a table printed as a block per unit without the department's own block (深圳, or under a 合计
    only): there it is the sum of the units' printed figures (each rounded on its own, so in 万元 a few 0.01 off
    the department's exact figure; `unit_blocks`), the most the budget says. A re-laid table that prints no
    codes at all (西安's 支出总表 by fund source) plans only its 合计. The 三公 plan is the department's row (the
    unit rows are the units'), a column split by fund source summed. Measures are the mart's: the 基本支出
    table's 合计 is `amount`, the 三公 items lose their `budget.` prefix.
    """
    out: list[dict[str, str]] = []

    def add(kind: str, row: SpecRow, measure: str, value: Decimal, unit: str) -> None:
        out.append(
            {
                "table_kind": kind,
                "subject_code": row.subject_code or "",
                "line_item": "" if row.subject_code else row.line_item or "",
                "row_label": row.label,
                "measure": measure,
                "amount_yuan": f"{yuan_of(value, unit):.2f}",
            }
        )

    for kind, measures in PLAN_MEASURES.items():
        printed = spec.tables.get(kind)
        if printed is None:
            continue
        coded = any(r.subject_code for r in printed.rows)
        table = plain.get(kind, printed) if coded else printed
        rows = table.rows
        if coded and _blocks_without_department(spec, printed):
            rows = [r for r in rows if not r.subject_code] + _sum_of_unit_blocks(printed)
        for row in rows:
            if not row.subject_code and row.line_item != "total":
                continue
            for m in measures:
                if m in row.values:
                    add(kind, row, "amount" if kind == "basic_expenditure" else m, row.values[m], table.unit)
    three = spec.tables.get("three_public")
    department = next((r for r in three.rows if not r.line_item), None) if three else None
    if three is not None and department is not None:
        sums: dict[str, Decimal] = {}
        plain_items = {
            k for k in department.values if k.startswith("budget.") and not k.endswith(_FUND_SUFFIX)
        }
        for key, value in department.values.items():
            if not key.startswith("budget."):
                continue
            item = key.removeprefix("budget.")
            if key.endswith(_FUND_SUFFIX):
                item = item.rsplit(".", 1)[0]
                if f"budget.{item}" in plain_items:
                    continue
            sums[item] = sums.get(item, Decimal(0)) + value
        for item, value in sums.items():
            add("three_public", department, item, value, three.unit)
    return out


def generate_pairs(
    out_dir: Path,
    *,
    seed: int = 20250,
    departments: int = 2,
    years: tuple[int, ...] = (2024,),
    templates: tuple[str, ...] = ("shanghai2024", "central2024"),
    variants: tuple[tuple[str, tuple[str, ...]], ...] | None = None,
) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Final accounts and budgets for the same departments and years: [(final manifest, budget manifest)].

    The final accounts are the factory's own (no defects). Each budget takes the next of `variants` (a style or
    a `templates.TEMPLATES` name, and the `layouts.LAYOUTS` families re-laying it); by default the two plain
    styles alternate. Each budget's manifest names its `plan_file`: the `department_plan` as a truth CSV.
    """
    import copy

    from juesuan.budgets.layouts import LAYOUTS
    from juesuan.budgets.templates import TEMPLATES, budget_from_template
    from juesuan.factory.generate import build_spec, plan_corpus, write_report

    variants = variants or tuple((style, ()) for style in STYLES)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans = plan_corpus(seed, 1, departments, tuple(sorted(years)), templates, 0.0)
    pairs = []
    for i, plan in enumerate(plans):
        final, _ = build_spec(plan, seed, None)
        entry = write_report(final, out_dir)
        base, layouts = variants[i % len(variants)]
        if base in TEMPLATES:
            budget = budget_from_template(final, base, seed=seed)
        else:
            budget = budget_from_final(final, style=base, seed=seed)
        plain = copy.deepcopy(budget.tables)
        for layout in layouts:
            LAYOUTS[layout](budget, seed=seed)
        if layouts:
            budget.doc_id += "-" + "-".join(layouts)
        record = write_budget(budget, out_dir)
        plan_file = out_dir / f"{budget.doc_id}.plan.csv"
        lines = [",".join(GOLD_CSV_HEADER)]
        lines += [",".join(r[k] for k in GOLD_CSV_HEADER) for r in department_plan(budget, plain)]
        plan_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        record.update(variant=base, layouts=list(layouts), plan_file=plan_file.name)
        pairs.append((entry.to_dict(), record))
    return pairs


__all__ = [
    "NARRATIVE_DEFECTS",
    "REAL_LAYOUT_PAIRS",
    "STYLES",
    "BudgetSpec",
    "budget_from_final",
    "budget_narrative",
    "department_plan",
    "generate_pairs",
    "render_budget",
    "write_budget",
]
