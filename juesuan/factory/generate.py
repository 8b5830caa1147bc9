"""Plan and build a corpus: regions, departments, years, templates, units and injected defects, all from a seed.

Every random choice comes from a `random.Random` seeded by a string derived from the corpus seed and the report's
position, so one report does not change when another is added and the same seed gives byte-identical output.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from juesuan.factory.catalogue import CENTRAL_DEPARTMENTS, DEPARTMENT_KINDS, NAME_VARIANTS
from juesuan.factory.document import (
    GLOSSARY,
    GROWTH_TARGETS,
    duties_for,
    figure,
    growth_figures,
    growth_rates,
    narrative,
    render_document,
)
from juesuan.factory.layouts import TITLES
from juesuan.factory.model import Books, Profile, make_books, make_profile
from juesuan.factory.regions import OTHER_PROVINCES, TEMPLATE_HOME, Place, pick_place
from juesuan.factory.render import FactoryError
from juesuan.factory.spec import (
    CONTINUATIONS,
    MORE_TEMPLATES,
    OLD_TEMPLATES,
    OPTIONS,
    TEMPLATES,
    WAN,
    Defect,
    ManifestEntry,
    ReportSpec,
    SpecTable,
)
from juesuan.factory.tables import TABLE_ORDER, build_tables
from juesuan.factory.variants import apply_options

DEFECT_KINDS: tuple[str, ...] = (
    "leaf_typo",
    "cross_table_mismatch",
    "repeated_rows",
    "narrative_mismatch",
    "narrative_growth_rate",
)
#: Defects of the wording a careful reader catches (opt-in: `generate_corpus(defect_kinds=PROSE_DEFECT_KINDS)`), each
#: with the rule and location that must report it (see tests/test_rules_prose_defects.py).
PROSE_DEFECT_KINDS: tuple[str, ...] = (
    "wording_contradiction",
    "percent_sign_missing",
    "completion_zero_budget",
    "implausible_rate",
    "list_sum_mismatch",
    "wrong_year_heading",
    "template_placeholder",
    "repeated_paragraph",
    "prose_says_none",
    "fund_continuity_break",
    "sme_exceeds_procurement",
    "sme_parts_mismatch",
    "partial_list_exceeds",
    "cover_wrong_year",
    "title_other_department",
    "title_wrong_year",
    "budget_comparison_reversed",
    "level_word_wrong",
    "rate_on_zero_base",
    "figure_listed_twice",
    "amount_on_empty_fund",
    "fund_continuity_summary",
    "item_budget_off",
    "three_public_part_off",
    "zero_base_stated",  # a clean case: 比上年决算数0万元增加X万元 with no rate, which no rule may report
)
#: prose defects that need a government-fund or state-capital table with rows
FUND_DEFECTS = ("fund_continuity_break", "fund_continuity_summary")
DEFAULT_SEED = 20261127
DEFAULT_DEFECT_RATE = 0.15


@dataclass
class Plan:
    """One report to build."""

    doc_id: str
    region_index: int
    dept_index: int
    place: Place
    department: str
    year: int
    template: str
    unit_mode: str  # wan | yuan | mixed
    defect: str | None
    profile: Profile
    continuation: str | None = None  # forced CONTINUATIONS layout; None draws one
    options: tuple[str, ...] = ()  # spec.OPTIONS the report carries


def _units(template: str, mode: str, rng: random.Random) -> dict[str, str]:
    kinds = TABLE_ORDER[template]
    if mode == "yuan":
        return dict.fromkeys(kinds, "元")
    units = dict.fromkeys(kinds, "万元")
    if mode == "mixed":
        for k in rng.sample(["three_public", "basic_expenditure", "gov_fund", "general_budget"], 2):
            if k in units:
                units[k] = "元"
    return units


def plan_corpus(
    seed: int,
    regions: int,
    departments_per_region: int,
    years: tuple[int, ...],
    templates: tuple[str, ...],
    defect_rate: float,
    defect_kinds: tuple[str, ...] = DEFECT_KINDS,
) -> list[Plan]:
    for t in templates:
        if t not in TEMPLATES + MORE_TEMPLATES:
            raise FactoryError(f"unknown template {t!r}; known: {', '.join(TEMPLATES + MORE_TEMPLATES)}")
    if not templates or regions < 1 or departments_per_region < 1 or not years:
        raise FactoryError("need at least one template, region, department and year")
    rng = random.Random(f"{seed}:corpus")
    n_t = len(templates)
    primaries = [templates[i % n_t] for i in range(regions)]
    missing = [t for t in templates if t not in primaries]
    places: list[Place] = []
    used_codes: set[str] = set()
    for i, prim in enumerate(primaries):
        home = TEMPLATE_HOME[prim] if i < n_t else OTHER_PROVINCES[(i - n_t) % len(OTHER_PROVINCES)]
        prng = random.Random(f"{seed}:region:{i}")
        place = pick_place(prng, home)
        for _ in range(20):
            if place.adcode not in used_codes or home == "central":
                break
            place = pick_place(prng, home)
        used_codes.add(place.adcode)
        places.append(place)
    # templates no region has as primary go to some departments of non-central regions (every 4th, else the last)
    slots = [
        (i, j)
        for i, p in enumerate(places)
        if p.province != "中央"
        for j in range(departments_per_region)
        if j % 4 == 3
    ]
    if len(slots) < len(missing):
        slots += [(i, departments_per_region - 1) for i, p in enumerate(places) if p.province != "中央"]
        slots = sorted(set(slots))
    secondary = {slot: missing[n % len(missing)] for n, slot in enumerate(slots)} if missing else {}
    plans: list[Plan] = []
    for i, place in enumerate(places):
        central = place.province == "中央"
        kinds = random.Random(f"{seed}:kinds:{i}").sample(range(len(DEPARTMENT_KINDS)), len(DEPARTMENT_KINDS))
        for j in range(departments_per_region):
            template = secondary.get((i, j), primaries[i])
            prof_rng = random.Random(f"{seed}:profile:{i}:{j}")
            if central:
                base, kind_hint = CENTRAL_DEPARTMENTS[j % len(CENTRAL_DEPARTMENTS)]
                profile = make_profile(prof_rng, kind_index=kind_hint if j == 0 else None, central=True)
                name = (
                    base
                    if j < len(CENTRAL_DEPARTMENTS)
                    else f"{base}机关服务中心{j // len(CENTRAL_DEPARTMENTS)}"
                )
            else:
                profile = make_profile(prof_rng, kind_index=kinds[j % len(kinds)])
                name = f"{place.prefix}{profile.name_suffix}" + (
                    "" if j < len(kinds) else f"{j // len(kinds) + 1}"
                )
            if template in OLD_TEMPLATES:
                profile.state_capital_items = []
            for year in years:
                unit_rng = random.Random(f"{seed}:units:{i}:{j}:{year}")
                r = unit_rng.random()
                mode = "yuan" if r < 0.06 else "mixed" if r < 0.14 else "wan"
                code = place.adcode[:6] if place.adcode else "100000"
                plans.append(
                    Plan(f"{code}-{j + 1:02d}-{year}", i, j, place, name, year, template, mode, None, profile)
                )
    if not any(p.unit_mode != "wan" for p in plans):
        plans[min(1, len(plans) - 1)].unit_mode = "mixed"
    # defects: a share of the reports, every kind at least once when the corpus has room
    n_def = round(defect_rate * len(plans))
    if defect_rate > 0:
        n_def = max(n_def, min(len(defect_kinds), len(plans)))
    chosen = rng.sample(range(len(plans)), n_def) if n_def else []
    kinds_cycle = list(defect_kinds)
    rng.shuffle(kinds_cycle)
    for n, idx in enumerate(chosen):
        plans[idx].defect = kinds_cycle[n % len(kinds_cycle)]
    # a fund-continuity defect needs a government-fund or state-capital table with rows: swap it onto such a report
    has_funds = [i for i in chosen if plans[i].profile.gov_fund_items or plans[i].profile.state_capital_items]
    for i in chosen:
        if plans[i].defect in FUND_DEFECTS and i not in has_funds and has_funds:
            j = next((j for j in has_funds if plans[j].defect not in FUND_DEFECTS), None)
            if j is not None:
                plans[i].defect, plans[j].defect = plans[j].defect, plans[i].defect
    return plans


def build_spec(plan: Plan, seed: int, prior: dict[str, Decimal] | None) -> tuple[ReportSpec, Books]:
    rng = random.Random(f"{seed}:report:{plan.doc_id}")
    growth = rng.uniform(0.88, 1.18) ** (plan.year - 2020)
    books = make_books(rng, plan.profile, growth)
    units = _units(plan.template, plan.unit_mode, rng)
    perturb, defect = {}, None
    if plan.defect == "cross_table_mismatch":
        perturb, defect = _plan_mismatch(rng, books)
    spec = ReportSpec(
        doc_id=plan.doc_id,
        department=plan.department,
        year=plan.year,
        template=plan.template,
        province=plan.place.province,
        city=plan.place.city,
        county=plan.place.county,
        seed=seed,
    )
    spec.tables = build_tables(books, plan.template, units, plan.department, perturb=perturb)
    spec.code_style = "own" if plan.template == "shanghai2024" and rng.random() < 0.4 else "full"
    if plan.template == "shanghai2024" and rng.random() < 0.35:
        spec.empty_spill_after = "appropriation_summary"
    elif rng.random() < 0.06:
        spec.empty_spill_after = rng.choice(["income", "general_budget"])
    spec.clip_labels = plan.template == "hunan2020" and rng.random() < 0.5
    spec.blank_row_after_break = plan.template == "shanghai2024" and rng.random() < 0.3
    spec.levels_in_total_row = plan.template == "shanghai2024" and rng.random() < 0.5
    if plan.template != "shanghai2024" and rng.random() < 0.3:
        spec.titles["basic_expenditure"] = "一般公共预算财政拨款基本支出决算明细表"
    if plan.template in ("shanghai2024", "central2024"):
        spec.titles["state_capital"] = "国有资本经营预算财政拨款收入支出决算表"
    if plan.template == "guangdong2018":
        spec.titles.update(GUANGDONG_TITLES)
    spec.continuation = plan.continuation or _continuation(seed, plan)
    spec.options = plan.options
    apply_options(spec, seed)
    _vary_names(rng, spec)
    spec.item_budgets = _item_budgets(rng, spec)
    spec.headcount_authorized = plan.profile.headcount
    spec.headcount_actual = max(1, plan.profile.headcount + rng.randint(-3, 6))
    spec.duties = duties_for(plan.department, plan.profile.name_suffix)
    spec.structure = (
        f"{plan.department}内设机构包括：办公室、综合业务股、政策法规股、财务审计股、监督检查股。"
    )
    spec.glossary = GLOSSARY
    overrides: dict[str, Decimal] = {}
    wrong_growth: str | None = None
    if defect is not None:
        spec.defects.append(defect)
    if plan.defect == "leaf_typo":
        _apply_typo(rng, spec)
    elif plan.defect == "repeated_rows":
        _apply_repeat(rng, spec)
    elif plan.defect == "narrative_mismatch":
        overrides = _plan_narrative(rng, spec)
    elif plan.defect == "narrative_growth_rate":
        wrong_growth = _plan_growth(rng, spec, prior)
    if plan.defect in PROSE_DEFECT_KINDS:
        _plan_prose(plan.defect, spec)
    spec.narrative = narrative(spec, prior, overrides, wrong_growth)
    if plan.defect in PROSE_DEFECT_KINDS:
        _apply_prose(plan.defect, spec)
    return spec, books


_PROSE_LOCATION = {
    "wording_contradiction": ("narrative_wording", "narrative", "direction"),
    "percent_sign_missing": ("narrative_wording", "narrative", "percent_sign"),
    "completion_zero_budget": ("narrative_wording", "narrative", "completion_on_zero_budget"),
    "implausible_rate": ("narrative_wording", "narrative", "implausible_rate"),
    "list_sum_mismatch": ("narrative_list_sums", "narrative", "procurement"),
    "wrong_year_heading": ("document_identity", "document", "year"),
    "template_placeholder": ("template_residue", "document", "placeholder"),
    "repeated_paragraph": ("template_residue", "document", "repeated_paragraph"),
    "prose_says_none": ("narrative_empty_tables", "three_public", "said_none"),
    "fund_continuity_break": ("fund_continuity", "gov_fund", "total"),
    "sme_exceeds_procurement": ("narrative_parts_within_whole", "narrative", "sme"),
    "sme_parts_mismatch": ("narrative_list_sums", "narrative", "sme"),
    "partial_list_exceeds": ("narrative_parts_within_whole", "narrative", "list"),
    "cover_wrong_year": ("document_identity", "document", "year"),
    "title_other_department": ("document_identity", "document", "department"),
    "title_wrong_year": ("document_identity", "document", "year"),
    "budget_comparison_reversed": ("narrative_wording", "narrative", "budget_comparison"),
    "level_word_wrong": ("narrative_wording", "narrative", "direction"),
    "rate_on_zero_base": ("narrative_percentages", "narrative", ""),
    "figure_listed_twice": ("template_residue", "document", "figure_listed_twice"),
    "amount_on_empty_fund": ("narrative_empty_tables", "gov_fund", "stated_but_blank"),
    "fund_continuity_summary": ("fund_continuity", "appropriation_summary", "expenditure.closing_balance"),
    "item_budget_off": ("narrative_list_sums", "narrative", "items_budget"),
    "three_public_part_off": ("narrative_list_sums", "narrative", "three_public"),
    # clean: recorded with no rule, so any finding is a false alarm
    "zero_base_stated": ("", "narrative", ""),
}
#: 政府采购 paragraph variant each procurement defect prints (document.procurement_paragraph)
_PROCUREMENT_STYLE = {
    "sme_exceeds_procurement": "sme_exceeds",
    "sme_parts_mismatch": "sme_parts_off",
    "partial_list_exceeds": "parts_exceed",
}


def _plan_prose(kind: str, spec: ReportSpec) -> None:
    """Defects set before the prose is written (they change what it states)."""
    from juesuan.factory.document import procurement_parts

    if kind == "list_sum_mismatch":
        goods, works, services = procurement_parts(spec)
        spec.procurement = (goods, works, services)
        spec.procurement_total = goods + works + services + Decimal("12.34")
    elif kind == "wrong_year_heading":
        spec.explanation_year = spec.year - 1
    elif kind in _PROCUREMENT_STYLE:
        spec.procurement_style = _PROCUREMENT_STYLE[kind]
    elif kind == "cover_wrong_year":
        spec.cover_year = spec.year - 1
    elif kind == "title_other_department":
        spec.titles["summary"] = (
            f"{_other_department(spec)}{spec.year}年度{spec.titles.get('summary', '收入支出决算总表')}"
        )
    elif kind == "title_wrong_year":
        kind_ = "general_budget"
        spec.titles[kind_] = f"{spec.year - 1}年度{spec.titles.get(kind_, TITLES[kind_])}"
    elif kind == "fund_continuity_break":
        _break_fund_continuity(spec)
    elif kind == "fund_continuity_summary":
        _break_summary_continuity(spec)


def _other_department(spec: ReportSpec) -> str:
    """The same office one level up (永州市…县自然资源局 → 永州市自然资源局), or another central department: a table
    title left from the template of another report."""
    dep = spec.department
    for part in (spec.county, spec.city):
        if part and part in dep and dep.replace(part, "", 1) and dep.replace(part, "", 1) != dep:
            other = dep.replace(part, "", 1)
            if len(other) >= 4:
                return other
    return next(name for name, _ in CENTRAL_DEPARTMENTS if name not in dep and dep not in name)


def _break_summary_continuity(spec: ReportSpec) -> None:
    """In the appropriation summary, part of one fund column's 年末结转和结余 (一般公共预算 or 政府性基金 / 国有资本经营,
    whichever holds more) printed in the other's, its 总计 following: every column and row still adds up, but neither fund's
    年初 + 本年收入 − 本年支出 = 年末 holds any more (with one fund only, the balance identities would catch it)."""
    t = spec.tables["appropriation_summary"]
    rows = {r.line_item: r for r in t.rows if r.line_item}
    keys = ("expenditure.total", "expenditure.closing_balance", "expenditure.grand_total")
    spent, closing, grand = (rows.get(k) for k in keys)
    if not (spent and closing and grand):
        return
    fund = next((f for f in ("gov_fund", "state_capital") if spent.values.get(f)), None)
    if fund is None:
        return
    # from the column whose closing balance is larger to the other one
    src, dst = sorted(
        ("general_budget", fund), key=lambda f: closing.values.get(f) or Decimal(0), reverse=True
    )
    have = closing.values.get(src) or Decimal(0)
    step = Decimal("0.01") if t.unit == "万元" else Decimal("100")
    delta = min(have, max(step * 100, (have * Decimal("0.3")).quantize(step)))
    if delta < step:
        return
    for row in (closing, grand):
        row.values[src] = (row.values.get(src) or Decimal(0)) - delta
        row.values[dst] = (row.values.get(dst) or Decimal(0)) + delta
    spec.defects.append(
        Defect(
            kind="fund_continuity_summary",
            table_kind="appropriation_summary",
            line_item="expenditure.closing_balance",
            measure="fund_continuity",
            description=f"appropriation_summary: {delta} {t.unit} of the {src} 年末结转和结余 printed in the "
            f"{dst} column",
        )
    )


def _break_fund_continuity(spec: ReportSpec) -> None:
    """年末结转和结余 printed off by a few percent on the fund table's largest 项 and on its 款, 类 and 合计 rows
    (the columns still add up; only 年初 + 本年收入 − 本年支出 = 年末 breaks), before the prose restates them."""
    for kind in ("gov_fund", "state_capital"):
        table = spec.tables.get(kind)
        leaves = (
            [r for r in table.rows if len(r.subject_code) == 7 and "closing_balance" in r.values]
            if table
            else []
        )
        if not leaves:
            continue
        leaf = max(leaves, key=lambda r: (r.values.get("total") or 0, r.subject_code))
        step = Decimal("1.00") if table.unit == "万元" else Decimal("10000")
        delta = max(step, ((leaf.values.get("total") or 0) * Decimal("0.03")).quantize(step))
        chain = {leaf.subject_code, leaf.subject_code[:5], leaf.subject_code[:3]}
        for row in table.rows:
            if row.subject_code in chain or row.line_item == "total":
                row.values["closing_balance"] = (row.values.get("closing_balance") or Decimal(0)) + delta
        spec.defects.append(
            Defect(
                kind="fund_continuity_break",
                table_kind=kind,
                subject_code=leaf.subject_code,
                line_item="total",
                measure="fund_continuity",
                description=f"{kind} 年末结转和结余 of 项 {leaf.subject_code} (and its 款, 类, 合计) printed {delta} "
                f"{table.unit} above 年初 + 本年收入 − 本年支出",
            )
        )
        return


def _apply_prose(kind: str, spec: ReportSpec) -> None:
    """Edit the written 情况说明 for a wording defect, and record it with the rule and location that must find it."""
    rule, table, where = _PROSE_LOCATION[kind]
    description, old = "", ""
    sections = spec.narrative

    def edit(pred, change) -> str:  # the first paragraph `pred` accepts, rewritten by `change`
        for s_i, (head, paras) in enumerate(sections):
            for p_i, para in enumerate(paras):
                if pred(head, para):
                    paras[p_i] = change(para)
                    sections[s_i] = (head, paras)
                    return para
        return ""

    if kind == "wording_contradiction":
        old = edit(
            lambda h, p: "比上年决算数" in p and ("增加" in p or "减少" in p),
            lambda p: (
                p.replace("增加", "@")
                .replace("减少", "增加")
                .replace("@", "减少")
                .replace("增长", "@")
                .replace("下降", "增长")
                .replace("@", "下降")
            ),
        )
        description = "the change word after both years' figures is turned round"
    elif kind == "percent_sign_missing":
        old = edit(
            lambda h, p: re.search(r"(增长|下降)\d+\.\d+%", p) is not None,
            lambda p: re.sub(r"((?:增长|下降)\d+\.\d+)%", r"\1", p, count=1),
        )
        description = "a growth rate printed without its % sign"
    elif kind in ("completion_zero_budget", "implausible_rate"):
        item = re.compile(r"年初预算为([\d.,]+)万元，支出决算为([\d.,]+)万元，完成年初预算的([\d.]+)%")

        def rewrite(p: str) -> str:
            m = item.search(p)
            actual = Decimal(m.group(2).replace(",", ""))
            if kind == "completion_zero_budget":
                return (
                    p[: m.start()]
                    + f"年初预算为0万元，支出决算为{m.group(2)}万元，完成年初预算的{m.group(3)}%"
                    + p[m.end() :]
                )
            budget = (actual / 15).quantize(Decimal("0.01"))
            rate = (actual / budget * 100).quantize(Decimal("0.01"))
            return (
                p[: m.start()]
                + f"年初预算为{budget}万元，支出决算为{m.group(2)}万元，完成年初预算的{rate}%"
                + p[m.end() :]
            )

        old = edit(
            lambda h, p: item.search(p) is not None and float(item.search(p).group(2).replace(",", "")) > 0,
            rewrite,
        )
        description = (
            "完成年初预算 rate on a 0 budget"
            if kind == "completion_zero_budget"
            else "completion rate ≥ 1000%"
        )
    elif kind == "list_sum_mismatch":
        old = "x"
        description = "政府采购 parts do not add up to the stated total"
    elif kind == "wrong_year_heading":
        old = "x"
        description = f"第三部分 heading says {spec.year - 1}年度"
    elif kind == "template_placeholder":
        old = edit(
            lambda h, p: p.startswith("（二）政府采购"),
            lambda p: p + "（三）国有资产占用情况。截至年末，本部门共有车辆XX辆，此处填写资产情况。",
        )
        description = "placeholder XX / 此处填写 left in"
    elif kind == "repeated_paragraph":
        copy = next((p for h, ps in sections if h.startswith("六") for p in ps), "")
        old = edit(lambda h, p: p.startswith("（二）政府采购"), lambda p: p)
        if copy and old:
            for s_i, (head, paras) in enumerate(sections):
                if "其他重要事项" in head:
                    sections[s_i] = (head, [*paras, copy])
        description = "the 基本支出 paragraph printed again under 其他重要事项"
    elif kind == "prose_says_none":
        spent = figure(spec, "three_public", "", "actual.total") or 0
        old = edit(
            lambda h, p: spent > 0 and p.startswith("（一）“三公”经费"),
            lambda p: "本部门本年度无“三公”经费支出。" + p,
        )
        description = "says there is no 三公 spending while the table prints it"
    elif kind in FUND_DEFECTS:
        old = ""  # recorded where the tables are changed (none when the report has no fund with rows)
    elif kind in _PROCUREMENT_STYLE:
        old = next((p for _, ps in sections for p in ps if "政府采购支出总额" in p), "")
        description = {
            "sme_exceeds_procurement": "授予中小企业合同金额 stated above the 政府采购 total",
            "sme_parts_mismatch": "the 中小企业 amounts by 货物/工程/服务 do not add up to their total",
            "partial_list_exceeds": "a partial 其中 list (货物, 服务) whose parts exceed the 政府采购 total",
        }[kind]
    elif kind == "budget_comparison_reversed":
        old = edit(
            lambda h, p: "决算数大于年初预算数" in p or "决算数小于年初预算数" in p,
            lambda p: (
                p.replace("决算数大于", "@").replace("决算数小于", "决算数大于").replace("@", "决算数小于")
            ),
        )
        description = "决算数大于/小于年初预算数 turned round against the item's two figures"
    elif kind in ("level_word_wrong", "rate_on_zero_base", "zero_base_stated"):
        both = re.compile(
            r"比上年决算数\s*([\d.,]+)\s*万元(增加|减少)\s*([\d.,]+)\s*万元，(增长|下降)[\d.]+%"
        )
        this_year = re.compile(r"支出\s*([\d.,]+)\s*万元，比上年")

        def rewrite_both(p: str) -> str:
            m = both.search(p)
            if kind == "level_word_wrong":
                return p[: m.start()] + f"比上年决算数{m.group(1)}万元持平" + p[m.end() :]
            cur = this_year.search(p).group(1)
            rate = "，增长100.00%" if kind == "rate_on_zero_base" else ""
            return p[: m.start()] + f"比上年决算数0万元增加{cur}万元{rate}" + p[m.end() :]

        old = edit(lambda h, p: both.search(p) is not None and this_year.search(p) is not None, rewrite_both)
        description = {
            "level_word_wrong": "持平 said where this year's figure differs from last year's",
            "rate_on_zero_base": "增长100.00% on a prior year of 0",
            "zero_base_stated": "a prior year of 0 stated with its change and no rate (clean)",
        }[kind]
    elif kind == "figure_listed_twice":

        def twice(p: str) -> str:
            head, _, tail = p.partition("其中：")
            items, dot, rest = tail.partition("。")
            last = items.split("；")[-1]
            return f"{head}其中：{items}；{last}{dot}{rest}"

        old = edit(lambda h, p: h.startswith("二、") and "其中：" in p, twice)
        description = "the last income line listed twice in 二、收入决算情况说明"
    elif kind == "amount_on_empty_fund":
        none = "本部门本年度没有政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出。"
        gb = figure(spec, "general_budget", "total", "total") or Decimal("100.00")
        stated = (gb * Decimal("0.05")).quantize(Decimal("0.01"))
        old = edit(
            lambda h, p: p == none,
            lambda p: f"{spec.year}年度政府性基金预算财政拨款支出{stated}万元。",
        )
        description = "the prose states a 政府性基金 amount while the gov_fund table is blank"
    elif kind == "item_budget_off":
        item = re.compile(
            r"年初预算为\s*([\d.,]+)\s*万元，支出决算为\s*([\d.,]+)\s*万元，完成年初预算的([\d.]+)%"
        )

        def off_budget(p: str) -> str:
            m = item.search(p)
            budget, actual = (Decimal(m.group(i).replace(",", "")) for i in (1, 2))
            # 10 万元 off, on the side that keeps 决算数大于/小于年初预算数 true; the rate follows the new budget
            new = (
                budget + 10 if actual <= budget else max(budget - 10, (budget / 2).quantize(Decimal("0.01")))
            )
            rate = (actual * 100 / new).quantize(Decimal("0.01"))
            return (
                p[: m.start()]
                + f"年初预算为{new}万元，支出决算为{m.group(2)}万元，完成年初预算的{rate}%"
                + p[m.end() :]
            )

        old = edit(
            lambda h, p: (m := item.search(p)) is not None and Decimal(m.group(1).replace(",", "")) >= 1,
            off_budget,
        )
        description = (
            "one item's 年初预算 stated 10 万元 off: the items no longer add up to the 年初预算 stated"
        )
    elif kind == "three_public_part_off":
        part = re.compile(r"公务接待费支出决算为\s*([\d.,]+)\s*万元")
        old = edit(
            lambda h, p: part.search(p) is not None,
            lambda p: part.sub(
                lambda m: f"公务接待费支出决算为{Decimal(m.group(1).replace(',', '')) + 1}万元", p, count=1
            ),
        )
        description = "公务接待费 stated 1 万元 above the table: the 三公 items exceed the 三公 total stated"
    elif kind == "cover_wrong_year":
        old = "x"
        description = f"the cover says {spec.year - 1}年度"
    elif kind == "title_other_department":
        old = "x"
        description = f"the summary table is titled “{spec.titles['summary']}”"
    elif kind == "title_wrong_year":
        old = "x"
        description = f"the general-budget table is titled “{spec.titles['general_budget']}”"
    if old:
        spec.defects.append(
            Defect(kind=kind, table_kind=table, line_item=where, measure=rule, description=description)
        )


#: The 2016–2019 Guangdong titles: 公共财政拨款 where later reports print 一般公共预算财政拨款.
GUANGDONG_TITLES = {
    "general_budget": "公共财政拨款支出决算表",
    "basic_expenditure": "公共财政拨款基本支出决算表",
    "three_public": "公共财政拨款“三公”经费支出决算表",
    "gov_fund": "政府性基金预算财政拨款收入支出决算表",
}


def _continuation(seed: int, plan: Plan) -> str:
    """What continuation pages repeat, drawn from a generator of its own (the other draws stay as they were)."""
    r = random.Random(f"{seed}:continuation:{plan.doc_id}").random()
    if r < 0.55:
        return "template"
    return CONTINUATIONS[1 + int((r - 0.55) / 0.45 * (len(CONTINUATIONS) - 1))]


def _vary_names(rng: random.Random, spec: ReportSpec) -> None:
    """Now and then a table prints another name for a code (the code stays the key)."""
    for table in spec.tables.values():
        if rng.random() < 0.25:
            for row in table.rows:
                if row.subject_code in NAME_VARIANTS and rng.random() < 0.7:
                    row.label = NAME_VARIANTS[row.subject_code]


def _item_budgets(rng: random.Random, spec: ReportSpec) -> dict[str, Decimal]:
    """年初预算 of the general-budget 项 the narrative details (决算 vs 预算 with a completion rate)."""
    gb = spec.tables.get("general_budget")
    out: dict[str, Decimal] = {}
    if gb is None:
        return out
    for row in gb.rows:
        value = row.values.get("total")
        if len(row.subject_code) == 7 and value:
            v = value if gb.unit == "万元" else (value / WAN).quantize(Decimal("0.01"))
            f = rng.uniform(0.0, 1.3) if rng.random() < 0.2 else rng.uniform(0.85, 1.15)
            # an item left out of the 年初 budget (0: no completion rate is printed), or one whose budget is at
            # least a fifth of what was spent: real execution rates stay below 500%
            factor = Decimal(str(0 if f < 0.065 else round(max(f, 0.2), 4)))
            out[row.subject_code] = (v * factor).quantize(Decimal("0.01"))
    return out


def key_figures(spec: ReportSpec) -> dict[str, Decimal]:
    """Figures next year's narrative compares against (上年)."""
    out = {}
    for name, (kind, key, measure) in {
        "grand_total": ("summary", "income.grand_total", "amount"),
        "fiscal_grand_total": ("appropriation_summary", "income.grand_total", "amount"),
        "general_budget": ("general_budget", "total", "total"),
        "public_total": ("basic_expenditure", "public_total", "amount"),
        "income_total": ("summary", "income.total", "amount"),
        "expenditure_total": ("summary", "expenditure.total", "amount"),
    }.items():
        v = figure(spec, kind, key, measure)
        if v is not None:
            out[name] = v
    return out


# ---- defects -----------------------------------------------------------------------------------------


def _plan_mismatch(rng: random.Random, books: Books) -> tuple[dict[str, tuple[str, str, int]], Defect]:
    if rng.random() < 0.5 and books.income:
        kind = "income"
        item = rng.choice(sorted(books.income))
        measure = "other" if books.income[item]["other"] else "fiscal_appropriation"
        other = "summary 本年收入合计 and the summary income lines"
    else:
        kind = "general_budget"
        item = rng.choice(sorted(books.general_budget))
        measure = "basic"
        other = "appropriation_summary (一般公共预算财政拨款 column) and basic_expenditure 人员/公用经费合计"
    delta = rng.randint(5_000, 200_000) * 100
    leaves = getattr(books, kind)
    sign = 1 if leaves[item][measure] < delta or rng.random() < 0.5 else -1
    d = Defect(
        kind="cross_table_mismatch",
        table_kind=kind,
        subject_code=item,
        measure=measure,
        line_item="",
        description=(
            f"the {kind} table was printed from books where 项 {item} {measure} is {sign * delta / 100:+.2f} 元 off; "
            f"the table is internally consistent but its 合计 and class rows disagree with {other}"
        ),
    )
    return {kind: (item, measure, sign * delta)}, d


def _typo_value(rng: random.Random, value: Decimal) -> Decimal:
    text = f"{value:.2f}"
    int_part, frac = text.split(".")
    for _ in range(20):
        pos = rng.randrange(len(int_part))
        digits = [d for d in "0123456789" if d != int_part[pos] and not (pos == 0 and d == "0")]
        new = int_part[:pos] + rng.choice(digits) + int_part[pos + 1 :]
        if new != int_part:
            return Decimal(f"{new}.{frac}")
    return value + Decimal(1)


def _apply_typo(rng: random.Random, spec: ReportSpec) -> None:
    candidates = []
    for kind in ("expenditure", "income", "general_budget"):
        t = spec.tables[kind]
        for row in t.rows:
            if len(row.subject_code) == 7 and row.values.get("total"):
                candidates.append((kind, row))
    kind, row = rng.choice(candidates)
    measure = "total"
    old = row.values[measure]
    new = _typo_value(rng, old)
    row.values[measure] = new
    parent = row.subject_code[:5]
    spec.defects.append(
        Defect(
            kind="leaf_typo",
            table_kind=kind,
            subject_code=row.subject_code,
            measure=measure,
            description=(
                f"项 {row.subject_code} {measure} printed {new} instead of {old} ({spec.tables[kind].unit}); "
                f"breaks 款 {parent} = Σ项 and the row's total = Σ columns"
            ),
        )
    )


def _apply_repeat(rng: random.Random, spec: ReportSpec) -> None:
    kind = rng.choice(["general_budget", "expenditure"])
    t: SpecTable = spec.tables[kind]
    classes = [i for i, r in enumerate(t.rows) if len(r.subject_code) == 3]
    i = rng.choice(classes)
    t.repeat_rows = [i, i + 1] if i + 1 < len(t.rows) else [i]
    t.repeat_at_break = rng.random() < 0.7
    codes = ", ".join(t.rows[k].subject_code for k in t.repeat_rows)
    spec.defects.append(
        Defect(
            kind="repeated_rows",
            table_kind=kind,
            subject_code=t.rows[i].subject_code,
            measure="",
            description=(
                f"rows {codes} are printed a second time "
                + (
                    "at the top of the table's next page (or at its end if it fits one page)"
                    if t.repeat_at_break
                    else "after the table's last row"
                )
                + "; the repeats are not in the truth and must not be summed"
            ),
        )
    )


_NARRATIVE_TARGETS = (
    ("income.total", "summary", "income.total", "amount", "本年收入合计"),
    ("expenditure.total", "summary", "expenditure.total", "amount", "本年支出合计"),
    ("general_budget.total", "general_budget", "total", "total", "一般公共预算财政拨款支出"),
    ("personnel_total", "basic_expenditure", "personnel_total", "amount", "人员经费"),
    ("income.grand_total", "summary", "income.grand_total", "amount", "收入、支出总计"),
)


def _plan_narrative(rng: random.Random, spec: ReportSpec) -> dict[str, Decimal]:
    for _ in range(10):
        key, kind, row_key, measure, label = rng.choice(_NARRATIVE_TARGETS)
        v = figure(spec, kind, row_key, measure)
        if v:
            break
    else:
        key, kind, row_key, measure, label = _NARRATIVE_TARGETS[0]
        v = figure(spec, kind, row_key, measure) or Decimal("0.00")
    delta = max(Decimal("1.00"), (v * Decimal(rng.uniform(0.01, 0.12))).quantize(Decimal("0.01")))
    wrong = v + delta if rng.random() < 0.6 or v < delta * 2 else v - delta
    is_line = not row_key.isdigit()
    spec.defects.append(
        Defect(
            kind="narrative_mismatch",
            table_kind=kind,
            line_item=row_key if is_line else "",
            subject_code="" if is_line else row_key,
            measure=measure,
            description=f"情况说明 states {label} {wrong} 万元; the {kind} table prints {v} 万元",
        )
    )
    return {key: wrong}


#: a wrong-base rate must differ visibly from the right one (the rules compare percentages to 0.01)
_GROWTH_MIN_GAP = Decimal("0.10")


def _plan_growth(rng: random.Random, spec: ReportSpec, prior: dict[str, Decimal] | None) -> str | None:
    """Pick the total whose growth rate the narrative computes on this year instead of the prior year (as the
    seed's 情况说明 does: 增加25.3万元，增长3.72% = 25.3 / 679.72 where 25.3 / 654.42 = 3.87%)."""
    figures = growth_figures(spec, prior)
    eligible = [
        name
        for name, (cur, prev) in figures.items()
        if cur and abs(growth_rates(cur, prev)[0] - growth_rates(cur, prev)[1]) >= _GROWTH_MIN_GAP
    ]
    if not eligible:
        return None
    name = rng.choice(eligible)
    label, (kind, key, measure), _ = GROWTH_TARGETS[name]
    cur, prev = figures[name]
    right, wrong = growth_rates(cur, prev)
    diff = abs(cur - prev)
    verb = "增长" if cur > prev else "下降"
    is_line = not key.isdigit()
    spec.defects.append(
        Defect(
            kind="narrative_growth_rate",
            table_kind=kind,
            line_item=key if is_line else "",
            subject_code="" if is_line else key,
            measure=measure,
            description=(
                f"情况说明 states {label} {verb} {wrong}% (change {diff} 万元 divided by this year's {cur} 万元); "
                f"on the prior year's {prev} 万元 it is {right}%"
            ),
        )
    )
    return name


# ---- corpus ------------------------------------------------------------------------------------------


MANIFEST_COLUMNS = ("doc_id", "file", "truth_file", "narrative_file", "department", "province", "city", "county", "year", "template", "units", "defects", "pages", "cells", "table_pages", "continuation", "options")  # fmt: skip


def generate_corpus(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    regions: int = 3,
    departments_per_region: int = 10,
    years: tuple[int, ...] = (2023, 2024),
    templates: tuple[str, ...] | None = None,
    defect_rate: float = DEFAULT_DEFECT_RATE,
    continuations: tuple[str, ...] | None = None,
    options: tuple[str, ...] | None = None,
    defect_kinds: tuple[str, ...] = DEFECT_KINDS,
) -> list[ManifestEntry]:
    """Write `<doc_id>.pdf` + `<doc_id>.truth.csv` per report, and manifest.csv / manifest.json, into out_dir.

    `continuations` forces the continuation-page layouts (CONTINUATIONS), cycled over the reports in order;
    `options` likewise gives each report layout options (OPTIONS, several joined by '+'). A report with
    `summary_report` is a department's 汇总 report and comes with its own unit's 本级 report beside it.
    `defect_kinds` are the defects injected (DEFECT_KINDS, PROSE_DEFECT_KINDS or any mix of them).
    """
    unknown = set(defect_kinds) - set(DEFECT_KINDS) - set(PROSE_DEFECT_KINDS)
    if unknown:
        raise FactoryError(f"unknown defect kinds {sorted(unknown)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    years = tuple(sorted(years))
    plans = plan_corpus(
        seed, regions, departments_per_region, years, tuple(templates or TEMPLATES), defect_rate, defect_kinds
    )
    if continuations:
        unknown = [c for c in continuations if c not in CONTINUATIONS]
        if unknown:
            raise FactoryError(f"unknown continuation layout(s) {unknown}; known: {', '.join(CONTINUATIONS)}")
        for n, plan in enumerate(plans):
            plan.continuation = continuations[n % len(continuations)]
    if options:
        for n, plan in enumerate(plans):
            chosen = tuple(o for o in options[n % len(options)].split("+") if o)
            unknown = [o for o in chosen if o not in OPTIONS]
            if unknown:
                raise FactoryError(f"unknown layout option(s) {unknown}; known: {', '.join(OPTIONS)}")
            plan.options = chosen
        plans = _with_unit_reports(plans)
    entries: list[ManifestEntry] = []
    prior: dict[tuple[int, int], dict[str, Decimal]] = {}
    for plan in plans:
        key = (plan.region_index, plan.dept_index)
        prev = prior.get(key) or _synthetic_prior(seed, plan)
        spec, _ = build_spec(plan, seed, prev)
        prior[key] = key_figures(spec)
        entry = write_report(spec, out_dir)
        entries.append(entry)
    write_manifest(entries, out_dir)
    return entries


def _with_unit_reports(plans: list[Plan]) -> list[Plan]:
    """A department's 汇总 report (department printed with （汇总）) followed by its own unit's 本级 report:
    two documents of one department-year that the warehouse must keep apart."""
    out: list[Plan] = []
    for plan in plans:
        if "summary_report" not in plan.options:
            out.append(plan)
            continue
        name = plan.department
        plan.department = f"{name}（汇总）"
        own = replace(
            plan,
            doc_id=f"{plan.doc_id}-bj",
            department=f"{name}本级",
            options=tuple(o for o in plan.options if o != "summary_report"),
        )
        out += [plan, own]
    return out


def _synthetic_prior(seed: int, plan: Plan) -> dict[str, Decimal]:
    """The first year's 上年 figures: not printed anywhere else, drawn as a plausible change (one overall ratio,
    each total off it by a few percent, as totals of one department move together but not in lockstep)."""
    rng = random.Random(f"{seed}:prior:{plan.doc_id}")
    ratio = rng.uniform(0.8, 1.25)
    out = {"__ratio__": Decimal(str(round(ratio, 4)))}
    for name in GROWTH_TARGETS:
        out[f"__ratio__:{name}"] = Decimal(str(round(ratio * rng.uniform(0.95, 1.05), 4)))
    return out


def write_report(spec: ReportSpec, out_dir: Path) -> ManifestEntry:
    pdf = out_dir / f"{spec.doc_id}.pdf"
    truth = out_dir / f"{spec.doc_id}.truth.csv"
    pages, table_pages = render_document(spec, pdf)
    csv_text = spec.truth_csv()
    truth.write_text(csv_text, encoding="utf-8")
    narrative = out_dir / f"{spec.doc_id}.narrative.csv"
    narrative.write_text(spec.narrative_csv(), encoding="utf-8")
    return ManifestEntry(
        doc_id=spec.doc_id,
        file=pdf.name,
        truth_file=truth.name,
        narrative_file=narrative.name,
        department=spec.department,
        province=spec.province,
        city=spec.city,
        county=spec.county,
        year=spec.year,
        template=spec.template,
        units=spec.units(),
        defects=[d.to_dict() for d in spec.defects],
        pages=pages,
        cells=csv_text.count("\n") - 1,
        table_pages=table_pages,
        continuation=spec.continuation,
        options=list(spec.options),
    )


def write_manifest(entries: list[ManifestEntry], out_dir: Path) -> None:
    data = [e.to_dict() for e in entries]
    (out_dir / "manifest.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    w.writeheader()
    for rec in data:
        w.writerow(
            {
                **rec,
                "units": ";".join(f"{k}={v}" for k, v in rec["units"].items()),
                "defects": json.dumps(rec["defects"], ensure_ascii=False) if rec["defects"] else "",
                "options": "+".join(rec["options"]),
                "table_pages": ";".join(
                    f"{k}={'+'.join(map(str, v))}" for k, v in rec["table_pages"].items()
                ),
            }
        )
    (out_dir / "manifest.csv").write_text(buf.getvalue(), encoding="utf-8")
