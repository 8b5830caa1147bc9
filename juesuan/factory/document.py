"""The prose around the tables (cover, 目录, 概况, 情况说明, 名词解释) and the whole-PDF assembly.

Narrative figures are read back from the printed tables (in 万元, as the reports write them), so they agree with
the tables unless a `narrative_mismatch` defect overrides one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.factory.catalogue import CLASS_NAMES, OLD_CLASS_NAMES
from juesuan.factory.layouts import TITLES, grid_for
from juesuan.factory.render import PdfWriter, TextPage
from juesuan.factory.spec import OLD_TEMPLATES, WAN, ReportSpec, format_narrative, percent

CN_NUM = "一二三四五六七八九十"


def figure(spec: ReportSpec, kind: str, key: str, measure: str) -> Decimal | None:
    """A printed table value in 万元 (rounded from 元 tables), or None when the table/cell is absent/blank."""
    table = spec.tables.get(kind)
    if table is None:
        return None
    for row in table.rows:
        if key in (row.subject_code, row.line_item) or (
            key == "" and not row.subject_code and not row.line_item
        ):
            v = row.values.get(measure)
            if v is None:
                return None
            if table.unit == "元":
                return (v / WAN).quantize(Decimal("0.01"))
            return v
    return None


def _f(spec: ReportSpec, kind: str, key: str, measure: str) -> Decimal:
    return figure(spec, kind, key, measure) or Decimal("0.00")


@dataclass
class Fact:
    """One figure the 情况说明 states, with the table cell it restates (if any): the narrative's ground truth."""

    section: str
    label: str
    kind: str  # amount (万元) / percent
    value: Decimal
    text: str
    table_kind: str = ""
    key: str = ""
    measure: str = ""
    change: str = ""  # increase / decrease: a year-over-year change of the cell it refers to, not its level
    prior: Decimal | None = None  # 上年数 (万元) the change is measured against
    correct: Decimal | None = None  # the right figure, when a defect prints another one


class Narrator:
    """Writes the 情况说明 numbers the way each template does (338.1 / 2,940.05 / 13733.8 with spaces)."""

    def __init__(self, spec: ReportSpec) -> None:
        self.t = spec.template
        self.section = ""
        self.facts: list[Fact] = []

    def amt(self, v: Decimal, label: str = "", ref: tuple[str, str, str] | None = None, **change: Any) -> str:
        if self.t == "shanghai2024":
            text = f"{v:,.2f}"
        elif self.t in ("qinghai2016", "guangdong2018"):
            text = f"{v:.2f}"
        else:
            text = format_narrative(v)
        if label:
            self.facts.append(Fact(self.section, label, "amount", v, text, *(ref or ("", "", "")), **change))
        return f" {text} " if self.t == "central2024" else text

    def pct(self, v: Decimal, label: str = "", ref: tuple[str, str, str] | None = None, **change: Any) -> str:
        text = f"{v:.2f}%"
        if label:
            self.facts.append(Fact(self.section, label, "percent", v, text, *(ref or ("", "", "")), **change))
        return text


#: The totals whose year-over-year change the 情况说明 states: name → (label, table cell, words of the sentence).
GROWTH_TARGETS: dict[str, tuple[str, tuple[str, str, str], str]] = {
    "grand_total": ("收入、支出总计", ("summary", "income.grand_total", "amount"), "收、支总计各"),
    "income_total": ("本年收入合计", ("summary", "income.total", "amount"), "本年收入合计"),
    "expenditure_total": ("本年支出合计", ("summary", "expenditure.total", "amount"), "本年支出合计"),
    "fiscal_grand_total": (
        "财政拨款收、支总计",
        ("appropriation_summary", "income.grand_total", "amount"),
        "财政拨款收、支总计各",
    ),
    "general_budget": (
        "一般公共预算财政拨款支出",
        ("general_budget", "total", "total"),
        "一般公共预算财政拨款支出",
    ),
    "public_total": ("机关运行经费", ("basic_expenditure", "public_total", "amount"), "机关运行经费"),
}


def prior_value(prior: dict[str, Decimal] | None, name: str, cur: Decimal) -> Decimal | None:
    """上年数 of a total: last year's printed figure, or (first year of a corpus) one drawn as a plausible change."""
    prior = prior or {}
    if name in prior:
        return prior[name]
    ratio = prior.get(f"__ratio__:{name}", prior.get("__ratio__"))
    return (cur / ratio).quantize(Decimal("0.01")) if ratio else None


def growth_figures(spec: ReportSpec, prior: dict[str, Decimal] | None) -> dict[str, tuple[Decimal, Decimal]]:
    """(本年数, 上年数) in 万元 of every total whose change the narrative can state (a nonzero prior year)."""
    out = {}
    for name, (_, ref, _) in GROWTH_TARGETS.items():
        cur = _f(spec, *ref)
        prev = prior_value(prior, name, cur)
        if prev:
            out[name] = (cur, prev)
    return out


def growth_rates(cur: Decimal, prev: Decimal) -> tuple[Decimal, Decimal]:
    """(the right rate: change ÷ 上年数, the seed's wrong one: change ÷ 本年数), in percent to 0.01 as printed."""
    diff = abs(cur - prev)
    return percent(diff, prev), percent(diff, cur)


def change_phrase(
    n: Narrator,
    figures: dict[str, tuple[Decimal, Decimal]],
    name: str,
    *,
    wrong_base: bool = False,
    with_prior: bool = False,
) -> str:
    """与上年相比，X增加D万元，增长R%。 — R on the prior year, or (a narrative_growth_rate defect) on this year.

    `with_prior` states both years: 比上年决算数P万元增加D万元，增长R% (the rate is still on P, never on D or this year).
    """
    if name not in figures:
        return ""
    label, ref, what = GROWTH_TARGETS[name]
    cur, prev = figures[name]
    diff = cur - prev
    if diff == 0:
        return f"与上年相比，{what}持平。"
    change = "increase" if diff > 0 else "decrease"
    right, wrong = growth_rates(cur, prev)
    printed = wrong if wrong_base else right
    amount = n.amt(abs(diff), label, ref, change=change, prior=prev)
    rate = n.pct(printed, label, ref, change=change, prior=prev, correct=right if printed != right else None)
    up = change == "increase"
    if with_prior:
        return f"比上年决算数{n.amt(prev)}万元{'增加' if up else '减少'}{amount}万元，{'增长' if up else '下降'}{rate}。"
    return f"与上年相比，{what}{'增加' if up else '减少'}{amount}万元，{'增长' if up else '下降'}{rate}。"


def narrative(
    spec: ReportSpec,
    prior: dict[str, Decimal] | None,
    overrides: dict[str, Decimal] | None = None,
    wrong_growth: str | None = None,
) -> list[tuple[str, list[str]]]:
    """The 情况说明 sections; `overrides` replaces one stated amount (a narrative_mismatch defect), `wrong_growth`
    names the total (a key of GROWTH_TARGETS) whose growth rate is computed on this year (narrative_growth_rate).

    The figures it states are recorded on `spec.narrative_facts` (the narrative's ground truth); the 绩效自评
    annex restating a few totals is set on `spec.annex`.
    """
    n = Narrator(spec)
    ov = overrides or {}
    y = spec.year
    out: list[tuple[str, list[str]]] = []
    figures = growth_figures(spec, prior)

    def said(key: str, value: Decimal) -> Decimal:
        return ov.get(key, value)

    def change(name: str, with_prior: bool = False) -> str:
        return change_phrase(n, figures, name, wrong_base=name == wrong_growth, with_prior=with_prior)

    n.section = "一"
    grand = _f(spec, "summary", "income.grand_total", "amount")
    out.append(
        (
            "一、收入支出决算总体情况说明",
            [
                f"{y}年度收入、支出总计{n.amt(said('income.grand_total', grand), '收入、支出总计', ('summary', 'income.grand_total', 'amount'))}万元。"
                + change("grand_total")
                + "主要原因是人员经费正常调整及业务工作经费变化。"
            ],
        )
    )
    n.section = "二"
    it = _f(spec, "summary", "income.total", "amount")
    fiscal = _f(spec, "income", "total", "fiscal_appropriation")
    parts = [("财政拨款收入", fiscal, ("income", "total", "fiscal_appropriation"))]
    for key, label in (
        ("income.superior_subsidy", "上级补助收入"),
        ("income.business", "事业收入"),
        ("income.operating", "经营收入"),
        ("income.affiliated_remittance", "附属单位上缴收入"),
        ("income.other", "其他收入"),
    ):
        parts.append((label, _f(spec, "summary", key, "amount"), ("summary", key, "amount")))
    seg = "；".join(
        f"{lab}{n.amt(v, lab, ref)}万元，占{n.pct(percent(v, it), lab + '占本年收入合计')}"
        for lab, v, ref in parts
    )
    out.append(
        (
            "二、收入决算情况说明",
            [
                f"{y}年度本年收入合计{n.amt(said('income.total', it), '本年收入合计', ('summary', 'income.total', 'amount'))}万元，其中：{seg}。"
                + change("income_total")
            ],
        )
    )
    n.section = "三"
    et = _f(spec, "summary", "expenditure.total", "amount")
    eparts = [
        (lab, _f(spec, "expenditure", "total", m), m)
        for m, lab in (
            ("basic", "基本支出"),
            ("project", "项目支出"),
            ("remit_superior", "上缴上级支出"),
            ("operating", "经营支出"),
            ("affiliated_subsidy", "对附属单位补助支出"),
        )
    ]
    seg = "；".join(
        f"{lab}{n.amt(v, lab, ('expenditure', 'total', m))}万元，占{n.pct(percent(v, et), lab + '占本年支出合计')}"
        for lab, v, m in eparts
    )
    out.append(
        (
            "三、支出决算情况说明",
            [
                f"{y}年度本年支出合计{n.amt(said('expenditure.total', et), '本年支出合计', ('summary', 'expenditure.total', 'amount'))}万元，其中：{seg}。"
                + change("expenditure_total")
            ],
        )
    )
    n.section = "四"
    fg = _f(spec, "appropriation_summary", "income.grand_total", "amount")
    out.append(
        (
            "四、财政拨款收入支出决算总体情况说明",
            [
                f"{y}年度财政拨款收、支总计{n.amt(said('appropriation.grand_total', fg), '财政拨款收、支总计', ('appropriation_summary', 'income.grand_total', 'amount'))}万元。"
                + change("fiscal_grand_total")
            ],
        )
    )
    n.section = "五"
    gb = _f(spec, "general_budget", "total", "total")
    paras = [
        f"（一）一般公共预算财政拨款支出决算总体情况。{y}年度一般公共预算财政拨款支出{n.amt(said('general_budget.total', gb), '一般公共预算财政拨款支出', ('general_budget', 'total', 'total'))}万元，"
        f"占本年支出合计的{n.pct(percent(gb, et), '一般公共预算财政拨款支出占本年支出合计')}。"
        + change("general_budget")
    ]
    gbt = spec.tables.get("general_budget")
    classes = [r for r in gbt.rows if len(r.subject_code) == 3] if gbt else []
    segs = []
    for r in classes:
        v = _f(spec, "general_budget", r.subject_code, "total")
        name = r.label.removesuffix("支出")
        segs.append(
            f"{name}（类）支出{n.amt(v, name, ('general_budget', r.subject_code, 'total'))}万元，"
            f"占{n.pct(percent(v, gb), name + '占一般公共预算财政拨款支出')}"
        )
    if segs:
        paras.append(
            f"（二）一般公共预算财政拨款支出决算结构情况。{y}年度一般公共预算财政拨款支出{n.amt(gb)}万元，主要用于以下方面："
            + "；".join(segs)
            + "。"
        )
    if spec.item_budgets and gbt:
        names = {r.subject_code: r.label for r in gbt.rows}
        budget_total = sum(spec.item_budgets.values(), Decimal("0.00"))
        detail = (
            f"（三）一般公共预算财政拨款支出决算具体情况。{y}年度一般公共预算财政拨款支出年初预算为{n.amt(budget_total)}万元，"
            f"支出决算为{n.amt(gb)}万元，完成年初预算的{n.pct(percent(gb, budget_total))}。其中："
        )
        paras.append(detail)
        for i, (code, budget) in enumerate(spec.item_budgets.items(), 1):
            actual = _f(spec, "general_budget", code, "total")
            path = f"{names.get(code[:3], code[:3])}（类）{names.get(code[:5], code[:5])}（款）{names.get(code, code)}（项）"
            # the first two items' names wrap onto a new line before their （项） / （款）, as drafters' do: the
            # figures still belong to this item, not to the previous one
            printed_path = path.replace("（项）", "\n（项）") if i == 1 else path
            printed_path = printed_path.replace("（款）", "\n（款）") if i == 2 else printed_path
            text = f"{i}、{printed_path}。年初预算为{n.amt(budget, path + '年初预算')}万元，支出决算为{n.amt(actual, path, ('general_budget', code, 'total'))}万元"
            if budget:
                text += f"，完成年初预算的{n.pct(percent(actual, budget))}"
            if actual > budget:
                text += "，决算数大于年初预算数的主要原因是年中追加预算。"
            elif actual < budget:
                text += "，决算数小于年初预算数的主要原因是严格控制支出、部分项目按进度结转下年。"
            else:
                text += "。"
            paras.append(text)
    out.append(("五、一般公共预算财政拨款支出决算情况说明", paras))
    n.section = "六"
    basic = _f(spec, "general_budget", "total", "basic")
    pers = _f(spec, "basic_expenditure", "personnel_total", "amount")
    pub = _f(spec, "basic_expenditure", "public_total", "amount")
    out.append(
        (
            "六、一般公共预算财政拨款基本支出决算情况说明",
            [
                f"{y}年度一般公共预算财政拨款基本支出{n.amt(basic, '基本支出', ('general_budget', 'total', 'basic'))}万元，其中：人员经费{n.amt(said('personnel_total', pers), '人员经费', ('basic_expenditure', 'personnel_total', 'amount'))}万元，"
                f"占基本支出的{n.pct(percent(pers, basic))}，主要包括基本工资、津贴补贴、奖金、绩效工资、机关事业单位基本养老保险缴费、"
                f"职业年金缴费、职工基本医疗保险缴费、住房公积金、退休费等；公用经费{n.amt(pub, '公用经费', ('basic_expenditure', 'public_total', 'amount'))}万元，占基本支出的"
                f"{n.pct(percent(pub, basic))}，主要包括办公费、印刷费、水电费、邮电费、物业管理费、差旅费、维修（护）费、"
                "会议费、培训费、公务接待费、工会经费、福利费、公务用车运行维护费、其他交通费用、办公设备购置等。"
            ],
        )
    )
    n.section = "七"
    tb = _f(spec, "three_public", "", "budget.total")
    ta = _f(spec, "three_public", "", "actual.total")
    paras = [
        f"（一）“三公”经费财政拨款支出决算总体情况说明。{y}年度“三公”经费财政拨款支出预算为{n.amt(tb, '“三公”经费预算', ('three_public', '', 'budget.total'))}万元，"
        f"支出决算为{n.amt(said('three_public.actual.total', ta), '“三公”经费决算', ('three_public', '', 'actual.total'))}万元，完成预算的{n.pct(percent(ta, tb))}。"
    ]
    ov_a = _f(spec, "three_public", "", "actual.overseas")
    veh = _f(spec, "three_public", "", "actual.vehicle_total")
    vp = _f(spec, "three_public", "", "actual.vehicle_purchase")
    vo = _f(spec, "three_public", "", "actual.vehicle_operation")
    rec = _f(spec, "three_public", "", "actual.reception")
    paras.append(
        f"（二）“三公”经费财政拨款支出决算具体情况说明。因公出国（境）费支出决算为{n.amt(ov_a, '因公出国（境）费', ('three_public', '', 'actual.overseas'))}万元，"
        f"占{n.pct(percent(ov_a, ta))}；公务用车购置及运行维护费支出决算为{n.amt(veh, '公务用车购置及运行维护费', ('three_public', '', 'actual.vehicle_total'))}万元，占{n.pct(percent(veh, ta))}，"
        f"其中：公务用车购置费{n.amt(vp, '公务用车购置费', ('three_public', '', 'actual.vehicle_purchase'))}万元，公务用车运行维护费{n.amt(vo, '公务用车运行维护费', ('three_public', '', 'actual.vehicle_operation'))}万元；公务接待费支出决算为{n.amt(rec, '公务接待费', ('three_public', '', 'actual.reception'))}万元，"
        f"占{n.pct(percent(rec, ta))}。"
    )
    out.append(("七、一般公共预算财政拨款“三公”经费支出决算情况说明", paras))
    n.section = "八"
    gf = figure(spec, "gov_fund", "total", "total")
    if gf:
        text = f"{y}年度政府性基金预算财政拨款支出{n.amt(gf, '政府性基金预算财政拨款支出', ('gov_fund', 'total', 'total'))}万元。"
        # the fund's own 年初结转和结余 / 本年收入 / 本年支出 / 年末结转和结余: the gov_fund table's, not the summary's
        parts = [
            (words, figure(spec, "gov_fund", "total", m), m)
            for words, m in (
                ("年初结转和结余", "opening_balance"),
                ("本年收入", "income"),
                ("本年支出", "total"),
                ("年末结转和结余", "closing_balance"),
            )
        ]
        if all(v is not None for _, v, _ in parts):
            text += (
                "政府性基金预算财政拨款"
                + "，".join(f"{w}{n.amt(v, w, ('gov_fund', 'total', m))}万元" for w, v, m in parts)
                + "。"
            )
    else:
        text = "本部门本年度没有政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出。"
    out.append(("八、政府性基金预算财政拨款收入支出决算情况说明", [text]))
    if "state_capital" in spec.tables:
        n.section = "九"
        sc = figure(spec, "state_capital", "total", "total")
        text = (
            f"{y}年度国有资本经营预算财政拨款支出{n.amt(sc, '国有资本经营预算财政拨款支出', ('state_capital', 'total', 'total'))}万元。"
            if sc
            else "本部门本年度没有使用国有资本经营预算财政拨款安排的支出。"
        )
        out.append(("九、国有资本经营预算财政拨款支出决算情况说明", [text]))
    n.section = "十" if "state_capital" in spec.tables else "九"
    out.append(
        (
            f"{n.section}、其他重要事项的情况说明",
            [
                f"（一）机关运行经费支出情况。{y}年度机关运行经费支出{n.amt(pub, '机关运行经费', ('basic_expenditure', 'public_total', 'amount'))}万元，"
                + (change("public_total", with_prior=True) or "。"),
                procurement_paragraph(spec, n),
            ],
        )
    )
    spec.annex = performance_annex(n, spec, eparts, ta)
    spec.narrative_facts = n.facts
    return out


def procurement_parts(spec: ReportSpec) -> tuple[Decimal, Decimal, Decimal]:
    """政府采购 货物 / 工程 / 服务 (万元): a share of the year's spending, drawn from the report's own seed so the
    figures are stable whatever else the factory draws."""
    import random

    rng = random.Random(f"{spec.seed}:procurement:{spec.doc_id}")
    base = _f(spec, "summary", "expenditure.total", "amount")
    share = [Decimal(str(round(rng.uniform(0.0, 0.12), 4))) for _ in range(3)]
    if rng.random() < 0.5:
        share[1] = Decimal(0)  # most departments buy no works
    return tuple((base * x).quantize(Decimal("0.01")) for x in share)  # type: ignore[return-value]


def procurement_paragraph(spec: ReportSpec, n: Narrator) -> str:
    """（二）政府采购支出情况: the total and its parts (货物 + 工程 + 服务 = total), then the amounts granted to
    中小企业 (of them to 小微企业) and the 中小企业 amounts by type, as the 2020s templates print them.

    `spec.procurement_style` picks a clean variant ("partial": 工程 of 0 left out of the list, as drafters do) or
    a prose defect's ("sme_exceeds": 中小企业 more than the whole procurement; "sme_parts_off": the 中小企业 parts
    do not add up to their total; "parts_exceed": a partial list whose parts exceed the total it states)."""
    import random

    goods, works, services = spec.procurement or procurement_parts(spec)
    total = (goods + works + services) if spec.procurement_total is None else spec.procurement_total
    rng = random.Random(f"{spec.seed}:sme:{spec.doc_id}")
    partial = (
        rng.random() < 0.5 and works == 0 and spec.procurement_total is None
    )  # list_sum_mismatch: all three
    style = spec.procurement_style or ("partial" if partial else "")
    cent = Decimal("0.01")
    if style == "parts_exceed":
        total = goods + services - max(cent, ((goods + services) * Decimal("0.1")).quantize(cent))
    listed = (
        [("货物", goods), ("服务", services)]
        if style in ("partial", "parts_exceed")
        else [
            ("货物", goods),
            ("工程", works),
            ("服务", services),
        ]
    )
    text = (
        f"（二）政府采购支出情况。{spec.year}年度政府采购支出总额{n.amt(total)}万元，其中："
        + "、".join(f"政府采购{w}支出{n.amt(v)}万元" for w, v in listed)
        + "。"
    )
    if total <= 0 or style == "parts_exceed":
        return text
    sme_parts = [
        (v * Decimal(str(round(rng.uniform(0.3, 1.0), 2)))).quantize(cent) for v in (goods, works, services)
    ]
    sme = sum(sme_parts, Decimal("0.00"))
    if style == "sme_exceeds":
        sme = max(total + cent, (total * Decimal("1.08")).quantize(cent))
    small = (sme * Decimal(str(round(rng.uniform(0.3, 0.9), 2)))).quantize(cent)
    text += (
        f"授予中小企业合同金额{n.amt(sme)}万元，占政府采购支出总额的{n.pct(percent(sme, total))}，"
        f"其中：授予小微企业合同金额{n.amt(small)}万元，占授予中小企业合同金额的{n.pct(percent(small, sme) if sme else Decimal('0.00'))}。"
    )
    if style == "sme_exceeds":
        return text
    if style == "sme_parts_off":
        big = max(range(3), key=lambda i: sme_parts[i])
        sme_parts[big] -= max(cent, (sme_parts[big] * Decimal("0.2")).quantize(cent))
    return (
        text
        + "、".join(
            f"授予中小企业{w}合同金额{n.amt(v)}万元"
            for w, v in zip(("货物", "工程", "服务"), sme_parts, strict=True)
        )
        + "。"
    )


def performance_annex(
    n: Narrator, spec: ReportSpec, eparts: list[tuple[str, Decimal, str]], three_public: Decimal
) -> list[tuple[str, list[str]]]:
    """The 部门整体支出绩效自评报告 annex: a second restatement of a few totals, in prose (as real reports do)."""
    n.section = "绩效自评"
    y = spec.year
    et = _f(spec, "summary", "expenditure.total", "amount")
    basic = next(v for lab, v, m in eparts if m == "basic")
    project = next(v for lab, v, m in eparts if m == "project")
    return [
        (
            "一、部门整体支出情况",
            [
                f"{y}年度本年支出合计{n.amt(et, '本年支出合计', ('summary', 'expenditure.total', 'amount'))}万元，"
                f"其中：基本支出{n.amt(basic, '基本支出', ('expenditure', 'total', 'basic'))}万元，"
                f"项目支出{n.amt(project, '项目支出', ('expenditure', 'total', 'project'))}万元。"
                "部门预算执行及时、有效，支出结构合理。"
            ],
        ),
        (
            "二、“三公”经费控制情况",
            [
                f"本部门严格执行中央八项规定精神，{y}年度“三公”经费支出"
                f"{n.amt(three_public, '“三公”经费决算', ('three_public', '', 'actual.total'))}万元，"
                "严格控制因公出国（境）、公务用车和公务接待支出。"
            ],
        ),
        ("三、绩效自评结论", ["经自评，本部门绩效目标总体实现，资金使用效益良好，绩效管理水平不断提高。"]),
    ]


GLOSSARY = [
    "一、财政拨款收入：指单位从同级财政部门取得的财政预算资金。",
    "二、事业收入：指事业单位开展专业业务活动及辅助活动取得的收入。",
    "三、经营收入：指事业单位在专业业务活动及其辅助活动之外开展非独立核算经营活动取得的收入。",
    "四、其他收入：指单位取得的除上述收入以外的各项收入。",
    "五、使用非财政拨款结余：指事业单位使用以前年度积累的非财政拨款结余弥补当年收支差额的金额。",
    "六、年初结转和结余：指单位以前年度尚未完成、结转到本年仍按原规定用途继续使用的资金，或项目已完成等产生的结余资金。",
    "七、结余分配：指事业单位按规定提取的职工福利基金、事业基金和缴纳的所得税等。",
    "八、年末结转和结余：指单位按有关规定结转到下年或以后年度继续使用的资金，或项目已完成等产生的结余资金。",
    "九、基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。",
    "十、项目支出：指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。",
    "十一、“三公”经费：指部门用财政拨款安排的因公出国（境）费、公务用车购置及运行费和公务接待费。",
    "十二、机关运行经费：指为保障行政单位（含参照公务员法管理的事业单位）运行用于购买货物和服务的各项资金。",
]


def duties_for(department: str, suffix: str) -> list[str]:
    field = (
        suffix.removesuffix("分局").removesuffix("局").removesuffix("中心").removesuffix("办公室") or "本部门"
    )
    return [
        f"（一）贯彻执行党中央、国务院和上级党委、政府关于{field}工作的方针政策和决策部署，拟订并组织实施本地区{field}工作的发展规划和政策措施。",
        f"（二）负责本地区{field}领域的监督管理和公共服务工作，组织实施相关专项工作。",
        "（三）负责本部门预算编制、执行和财务管理，管理所属单位的国有资产。",
        f"（四）完成上级党委、政府交办的其他任务。{department}按要求做好政务公开和信息化建设工作。",
    ]


def render_document(spec: ReportSpec, path: Path) -> tuple[int, dict[str, list[int]]]:
    """Write the whole report PDF; returns its page count and the pages each table occupies."""
    w = PdfWriter(
        path,
        title=f"{spec.department}{spec.year}年度部门决算",
        page_numbers=spec.template != "shanghai2024",
        running_header=f"{spec.department}{spec.year}年度部门决算" if spec.template == "qinghai2016" else "",
        serif="serif" in spec.options,
        rotated="rotated" in spec.options,
        detached_figures="detached_figures" in spec.options,
    )
    dep, y = spec.department, spec.year
    w.text_page(TextPage([("big", f"{spec.cover_year or y}年度"), ("big", dep), ("big", "部门决算")]))
    toc: list[tuple[str, str]] = [("title", "目录")]
    toc.append(("item", f"第一部分 {dep}概况"))
    toc += [("item", "    一、部门职责"), ("item", "    二、机构设置及决算单位构成")]
    toc.append(("item", f"第二部分 {y}年度部门决算表"))
    for i, kind in enumerate(spec.tables, 1):
        toc.append(("item", f"    {_cn(i)}、{spec.titles.get(kind, TITLES[kind])}"))
    toc.append(("item", f"第三部分 {y}年度部门决算情况说明"))
    for head, _ in spec.narrative:
        toc.append(("item", f"    {head}"))
    toc.append(("item", "第四部分 名词解释"))
    if spec.annex:
        toc.append(("item", "第五部分 附件：部门整体支出绩效自评报告"))
    w.text_page(TextPage(toc))
    blocks: list[tuple[str, str]] = [
        ("title", "第一部分"),
        ("title", f"{dep}概况"),
        ("heading", "一、部门职责"),
    ]
    blocks += [("para", d) for d in spec.duties]
    blocks.append(("heading", "二、机构设置及决算单位构成"))
    staff = ""
    if spec.headcount_authorized is not None:
        staff = f"本部门共有编制人数 {spec.headcount_authorized} 人，实有人数 {spec.headcount_actual} 人。"
    blocks.append(("para", f"（一）内设机构设置。{spec.structure}{staff}"))
    blocks.append(("para", f"（二）决算单位构成。{dep}{y}年度部门决算汇总公开单位构成包括：{dep}本级。"))
    w.text_page(TextPage(blocks))
    if spec.template != "shanghai2024":
        w.text_page(TextPage([("title", "第二部分"), ("title", f"{y}年度部门决算表")]))
    table_pages: dict[str, list[int]] = {}
    from juesuan.factory.variants import NUMBER_FONT_MARK, extra_grid, number_font, strip_tounicode

    for i, table in enumerate(spec.tables.values(), 1):
        grid = grid_for(spec, table, i)
        if "no_tounicode" in spec.options:
            grid.number_font = number_font()
        table_pages[table.kind] = w.table(grid)
        for extra in spec.extra_tables:
            if extra.after == table.kind:
                w.table(extra_grid(extra))
    for extra in spec.extra_tables:
        if not extra.after:
            w.table(extra_grid(extra))
    blocks = [("title", "第三部分"), ("title", f"{spec.explanation_year or y}年度部门决算情况说明")]
    for head, paras in spec.narrative:
        blocks.append(("heading", head))
        blocks += [("para", p) for p in paras]
    w.text_page(TextPage(blocks))
    w.text_page(
        TextPage([("title", "第四部分"), ("title", "名词解释"), *[("para", g) for g in spec.glossary]])
    )
    if spec.annex:
        blocks = [("title", "第五部分"), ("title", "附件"), ("title", f"{y}年度部门整体支出绩效自评报告")]
        for head, paras in spec.annex:
            blocks.append(("heading", head))
            blocks += [("para", p) for p in paras]
        w.text_page(TextPage(blocks))
        for extra in spec.annex_tables:
            w.table(extra_grid(extra))
    pages = w.save()
    if "no_tounicode" in spec.options:
        strip_tounicode(path, NUMBER_FONT_MARK)
    return pages, table_pages


def _cn(i: int) -> str:
    from juesuan.factory.catalogue import chinese_ordinal

    return chinese_ordinal(i)


def class_label(code: str, template: str) -> str:
    return OLD_CLASS_NAMES.get(code, CLASS_NAMES[code]) if template in OLD_TEMPLATES else CLASS_NAMES[code]
