"""Books (exact fen) → printed tables (`SpecTable`) for one template: labels, row order, units, blank zeros.

Each printed value is rounded independently from its exact amount (ROUND_HALF_UP to 0.01 of the table unit), so
printed parts miss printed totals by rounding exactly as real reports do.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from juesuan.factory.catalogue import (
    CLASS_NAMES,
    ECONOMIC_TABLE,
    OLD_CLASS_NAMES,
    SUBJECT_NAMES,
    SUMMARY_CLASS_LINES_2024,
    chinese_ordinal,
)
from juesuan.factory.model import INCOME_SOURCES, Books, economic_class_totals
from juesuan.factory.spec import OLD_TEMPLATES, SpecRow, SpecTable, round_unit
from juesuan.keywords import three_public
from juesuan.vocabulary import LINE_ITEMS

#: Table order per template (the report prints them in this order).
TABLE_ORDER: dict[str, tuple[str, ...]] = {
    "hunan2020": ("summary", "income", "expenditure", "appropriation_summary", "general_budget", "basic_expenditure", "three_public", "gov_fund", "state_capital"),
    "shanghai2024": ("summary", "income", "expenditure", "appropriation_summary", "general_budget", "basic_expenditure", "three_public", "gov_fund", "state_capital"),
    "central2024": ("summary", "income", "expenditure", "appropriation_summary", "general_budget", "basic_expenditure", "gov_fund", "state_capital", "three_public"),
    "qinghai2016": ("summary", "income", "expenditure", "appropriation_summary", "general_budget", "basic_expenditure", "three_public", "gov_fund"),
    "guangdong2018": ("summary", "income", "expenditure", "appropriation_summary", "general_budget", "basic_expenditure", "three_public", "gov_fund"),
}  # fmt: skip

#: Whether the template prints exact zeros (0.00) or leaves the cell blank.
PRINTS_ZEROS: dict[str, bool] = {
    "hunan2020": True,
    "qinghai2016": True,
    "shanghai2024": False,
    "central2024": False,
    "guangdong2018": False,
}

INCOME_MEASURES = ("total", "fiscal_appropriation", *INCOME_SOURCES)
EXPENDITURE_MEASURES = ("total", "basic", "project", "remit_superior", "operating", "affiliated_subsidy")
GB_MEASURES = ("total", "basic", "project")
FUND_MEASURES = ("opening_balance", "income", "total", "basic", "project", "closing_balance")
THREE_PUBLIC_ITEMS = three_public.CORE  # juesuan/keywords/three_public.yaml


def class_name(code: str, template: str) -> str:
    if template in OLD_TEMPLATES and code in OLD_CLASS_NAMES:
        return OLD_CLASS_NAMES[code]
    return CLASS_NAMES[code]


def subject_name(code: str, template: str) -> str:
    if len(code) == 3:
        return class_name(code, template)
    return SUBJECT_NAMES[code]


class Printer:
    """Turns exact fen into printed values for one table, applying the template's zero policy."""

    def __init__(self, template: str, unit: str, *, zero_policy: bool | None = None) -> None:
        self.unit = unit
        self.zeros = PRINTS_ZEROS[template] if zero_policy is None else zero_policy

    def values(self, amounts: dict[str, int], measures: tuple[str, ...]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for m in measures:
            fen = amounts.get(m, 0)
            if fen == 0 and not self.zeros:
                continue
            out[m] = round_unit(Decimal(fen) / 100, self.unit)
        return out


def tree(leaves: dict[str, dict[str, int]], measures: tuple[str, ...]) -> list[tuple[str, dict[str, int]]]:
    """合计-less hierarchy 类 → 款 → 项 with exact parent sums, in code order."""
    agg: dict[str, dict[str, int]] = {}
    for code, vals in leaves.items():
        for key in (code[:3], code[:5], code):
            bucket = agg.setdefault(key, dict.fromkeys(measures, 0))
            for m in measures:
                bucket[m] += vals.get(m, 0)
    return sorted(agg.items(), key=lambda kv: (kv[0][:3], kv[0][:5], len(kv[0]), kv[0]))


def _with_total(vals: dict[str, int], parts: tuple[str, ...]) -> dict[str, int]:
    return {"total": sum(vals.get(p, 0) for p in parts), **vals}


def coded_table(
    kind: str,
    leaves: dict[str, dict[str, int]],
    measures: tuple[str, ...],
    printer: Printer,
    template: str,
) -> SpecTable:
    rows_exact = tree(leaves, measures)
    total = dict.fromkeys(measures, 0)
    for code, vals in rows_exact:
        if len(code) == 3:
            for m in measures:
                total[m] += vals[m]
    table = SpecTable(kind=kind, unit=printer.unit)
    table.rows.append(SpecRow(label="合计", line_item="total", values=printer.values(total, measures)))
    for code, vals in rows_exact:
        if not any(vals.values()):
            continue
        table.rows.append(
            SpecRow(
                label=subject_name(code, template), subject_code=code, values=printer.values(vals, measures)
            )
        )
    return table


def build_tables(
    books: Books,
    template: str,
    units: dict[str, str],
    department: str,
    *,
    perturb: dict[str, tuple[str, str, int]] | None = None,
) -> dict[str, SpecTable]:
    """All public tables of one report, in printed order. `perturb` shifts one leaf of one table (a defect)."""
    perturb = perturb or {}
    out: dict[str, SpecTable] = {}
    for kind in TABLE_ORDER[template]:
        pr = Printer(template, units.get(kind, "万元"))
        out[kind] = _BUILDERS[kind](books, template, pr, department, perturb.get(kind))
    return out


def _perturbed(
    leaves: dict[str, dict[str, int]], p: tuple[str, str, int] | None
) -> dict[str, dict[str, int]]:
    if p is None:
        return leaves
    leaves = copy.deepcopy(leaves)
    item, measure, delta = p
    leaves[item][measure] += delta
    return leaves


def _income(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    leaves = {
        k: _with_total(v, ("fiscal_appropriation", *INCOME_SOURCES))
        for k, v in _perturbed(b.income, p).items()
    }
    t = coded_table("income", leaves, INCOME_MEASURES, pr, template)
    t.note = "注：本表反映部门本年度取得的各项收入情况。"
    return t


def _expenditure(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    parts = EXPENDITURE_MEASURES[1:]
    leaves = {k: _with_total(v, parts) for k, v in _perturbed(b.expenditure, p).items()}
    t = coded_table("expenditure", leaves, EXPENDITURE_MEASURES, pr, template)
    t.note = "注：本表反映部门本年度各项支出情况。"
    return t


def _general_budget(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    leaves = {k: _with_total(v, ("basic", "project")) for k, v in _perturbed(b.general_budget, p).items()}
    t = coded_table("general_budget", leaves, GB_MEASURES, pr, template)
    t.note = "注：本表反映部门本年度一般公共预算财政拨款支出情况。"
    return t


def _fund_table(kind: str, b: Books, template: str, pr: Printer, dept: str) -> SpecTable:
    leaves_src: dict[str, dict[str, int]] = getattr(b, kind)
    measures = FUND_MEASURES if not (kind == "state_capital" and template == "hunan2020") else GB_MEASURES
    leaves = {k: _with_total(v, ("basic", "project")) for k, v in leaves_src.items()}
    if leaves:
        return coded_table(kind, leaves, measures, pr, template)
    t = SpecTable(kind=kind, unit=pr.unit)
    t.rows.append(SpecRow(label="合计", line_item="total", values=pr.values({}, measures)))
    what = (
        "政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出"
        if kind == "gov_fund"
        else "国有资本经营预算财政拨款收入，也没有使用国有资本经营预算财政拨款安排的支出"
    )
    if template == "hunan2020":
        what = (
            "政府性基金收入，也没有使用政府性基金安排的支出"
            if kind == "gov_fund"
            else "国有资本经营预算财政拨款支出"
        )
        t.note = f"{dept}没有{what}，故本表无数据。"
    else:
        t.note = f"注：本部门本年度没有{what}，故本表无数据。"
    return t


def _gov_fund(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    return _fund_table("gov_fund", b, template, pr, dept)


def _state_capital(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    return _fund_table("state_capital", b, template, pr, dept)


def _summary_classes(b: Books, template: str, source: dict[str, int]) -> list[str]:
    used = sorted({c[:3] for c, v in source.items() if v})
    if template in ("shanghai2024", "central2024"):
        return [c for c in SUMMARY_CLASS_LINES_2024 if c in used or c in CLASS_NAMES] + [
            c for c in used if c not in SUMMARY_CLASS_LINES_2024
        ]
    if template == "hunan2020":
        return sorted(set(used) | {"201", "202", "203", "204", "205"})
    return used


def _class_amounts(leaves: dict[str, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for code, vals in leaves.items():
        out[code[:3]] = out.get(code[:3], 0) + sum(vals.values())
    return out


def _summary(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    t = SpecTable(kind="summary", unit=pr.unit)
    old = template in OLD_TEMPLATES
    lines: list[tuple[str, int]] = []
    if old:
        lines.append(("income.fiscal", b.fund_income["general_budget"] + b.fund_income.get("gov_fund", 0)))
    else:
        lines += [
            (f"income.{f}", b.fund_income.get(f, 0)) for f in ("general_budget", "gov_fund", "state_capital")
        ]
    lines += [(f"income.{s}", b.source_income[s]) for s in INCOME_SOURCES if s != "operating"]
    # 经营收入 sits before 附属单位上缴收入 in every template
    lines.insert(len(lines) - 2, ("income.operating", b.source_income["operating"]))
    for i, (key, fen) in enumerate(lines, 1):
        label = LINE_ITEMS[key]
        if template == "guangdong2018" and key == "income.operating":
            label = "事业单位经营收入"
        t.rows.append(SpecRow(label=f"{chinese_ordinal(i)}、{label}", line_item=key, values=pr.values({"amount": fen}, ("amount",)), side="income"))  # fmt: skip
    exp_classes = _class_amounts(b.expenditure)
    for i, code in enumerate(_summary_classes(b, template, exp_classes), 1):
        t.rows.append(SpecRow(label=f"{chinese_ordinal(i)}、{class_name(code, template)}", subject_code=code, values=pr.values({"amount": exp_classes.get(code, 0)}, ("amount",)), side="expenditure"))  # fmt: skip
    use_key = "income.use_business_fund" if old else "income.use_non_fiscal_balance"
    use_label = "用事业基金弥补收支差额" if old else "使用非财政拨款结余"
    foot = [
        ("income.total", "本年收入合计", b.income_total, "income"),
        ("expenditure.total", "本年支出合计", b.expenditure_total, "expenditure"),
        (use_key, use_label, b.use_non_fiscal_balance, "income"),
        ("expenditure.balance_distribution", "结余分配", b.balance_distribution, "expenditure"),
        ("income.opening_balance", "年初结转和结余", b.opening_total, "income"),
        ("expenditure.closing_balance", "年末结转和结余", b.closing_total, "expenditure"),
        ("income.grand_total", "总计", b.grand_total, "income"),
        ("expenditure.grand_total", "总计", b.grand_total, "expenditure"),
    ]
    for key, label, fen, side in foot:
        t.rows.append(
            SpecRow(label=label, line_item=key, values=pr.values({"amount": fen}, ("amount",)), side=side)
        )
    t.note = (
        "注：1. 本表反映部门本年度的总收支和年末结转结余情况。\n2. 本套报表金额单位转换时可能存在尾数误差。"
    )
    return t


def _appropriation_summary(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    t = SpecTable(kind="appropriation_summary", unit=pr.unit)
    funds = (
        ("general_budget", "gov_fund")
        if template in OLD_TEMPLATES
        else ("general_budget", "gov_fund", "state_capital")
    )
    fund_label = {"general_budget": "一般公共预算财政拨款", "gov_fund": "政府性基金预算财政拨款", "state_capital": "国有资本经营预算财政拨款"}  # fmt: skip
    if template == "guangdong2018":
        fund_label = {"general_budget": "公共财政拨款", "gov_fund": "政府性基金预算拨款"}
    cols = ("total", *funds)
    for i, f in enumerate(funds, 1):
        t.rows.append(SpecRow(label=f"{chinese_ordinal(i)}、{fund_label[f]}", line_item=f"income.{f}", values=pr.values({"amount": b.fund_income.get(f, 0)}, ("amount",)), side="income"))  # fmt: skip
    per_class: dict[str, dict[str, int]] = {}
    for f in funds:
        src = b.general_budget if f == "general_budget" else getattr(b, f)
        for code, vals in src.items():
            c = per_class.setdefault(code[:3], dict.fromkeys(cols, 0))
            amt = vals.get("basic", 0) + vals.get("project", 0)
            c[f] += amt
            c["total"] += amt
    classes = _summary_classes(b, template, {k: v["total"] for k, v in per_class.items()})
    for i, code in enumerate(classes, 1):
        vals = per_class.get(code, dict.fromkeys(cols, 0))
        t.rows.append(SpecRow(label=f"{chinese_ordinal(i)}、{class_name(code, template)}", subject_code=code, values=pr.values(vals, cols), side="expenditure"))  # fmt: skip
    inc_total = sum(b.fund_income.get(f, 0) for f in funds)
    opening = sum(b.fund_opening.get(f, 0) for f in funds)
    exp = {f: b.fund_expenditure.get(f, 0) for f in funds}
    clo = {f: b.fund_closing.get(f, 0) for f in funds}
    grand = {f: exp[f] + clo[f] for f in funds}
    t.rows.append(SpecRow(label="本年收入合计", line_item="income.total", values=pr.values({"amount": inc_total}, ("amount",)), side="income"))  # fmt: skip
    t.rows.append(SpecRow(label="本年支出合计", line_item="expenditure.total", values=pr.values({"total": sum(exp.values()), **exp}, cols), side="expenditure"))  # fmt: skip
    t.rows.append(SpecRow(label="年初财政拨款结转和结余", line_item="income.opening_balance", values=pr.values({"amount": opening}, ("amount",)), side="income"))  # fmt: skip
    t.rows.append(SpecRow(label="年末财政拨款结转和结余", line_item="expenditure.closing_balance", values=pr.values({"total": sum(clo.values()), **clo}, cols), side="expenditure"))  # fmt: skip
    for f in funds:
        t.rows.append(SpecRow(label=fund_label[f], line_item=f"income.opening_balance.{f}", values=pr.values({"amount": b.fund_opening.get(f, 0)}, ("amount",)), side="income"))  # fmt: skip
    t.rows.append(SpecRow(label="总计", line_item="income.grand_total", values=pr.values({"amount": inc_total + opening}, ("amount",)), side="income"))  # fmt: skip
    t.rows.append(SpecRow(label="总计", line_item="expenditure.grand_total", values=pr.values({"total": sum(grand.values()), **grand}, cols), side="expenditure"))  # fmt: skip
    t.note = "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支和年末结转结余情况。"
    return t


def _basic_expenditure(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    t = SpecTable(kind="basic_expenditure", unit=pr.unit)
    econ = dict(b.economic)
    if p:
        econ[p[0]] = econ.get(p[0], 0) + p[2]
    classes = economic_class_totals(econ)
    order = ("301", "303", "302", "307", "310", "399")
    for cls in order:
        name, items = ECONOMIC_TABLE[cls]
        t.rows.append(
            SpecRow(label=name, subject_code=cls, values=pr.values({"amount": classes[cls]}, ("amount",)))
        )
        for code, iname in items:
            t.rows.append(SpecRow(label=iname, subject_code=code, values=pr.values({"amount": econ.get(code, 0)}, ("amount",))))  # fmt: skip
    personnel = classes["301"] + classes["303"]
    public = sum(v for k, v in classes.items() if k not in ("301", "303"))
    t.rows.append(SpecRow(label="人员经费合计", line_item="personnel_total", values=pr.values({"amount": personnel}, ("amount",))))  # fmt: skip
    t.rows.append(SpecRow(label="公用经费合计", line_item="public_total", values=pr.values({"amount": public}, ("amount",))))  # fmt: skip
    t.note = "注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。"
    return t


def _three_public(b: Books, template: str, pr: Printer, dept: str, p) -> SpecTable:  # type: ignore[no-untyped-def]
    t = SpecTable(kind="three_public", unit=pr.unit)
    vals: dict[str, int] = {}
    for side, d in (("budget", b.three_public_budget), ("actual", b.three_public_actual)):
        for item in THREE_PUBLIC_ITEMS:
            vals[f"{side}.{item}"] = d[item]
    measures = tuple(vals)
    t.rows.append(SpecRow(label="", values=pr.values(vals, measures)))
    t.note = "注：本表反映部门本年度“三公”经费支出预决算情况。其中，预算数为“三公”经费全年预算数，反映按规定程序调整后的预算数；决算数是包括当年一般公共预算财政拨款和以前年度结转资金安排的实际支出。"
    return t


_BUILDERS = {
    "summary": _summary,
    "income": _income,
    "expenditure": _expenditure,
    "appropriation_summary": _appropriation_summary,
    "general_budget": _general_budget,
    "basic_expenditure": _basic_expenditure,
    "three_public": _three_public,
    "gov_fund": _gov_fund,
    "state_capital": _state_capital,
}
