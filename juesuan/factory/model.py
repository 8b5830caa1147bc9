"""The exact books behind one generated report, in integer cents (fen), before anything is rounded for print.

Leaf amounts are drawn; every parent, total and balance is computed exactly from them, so the identities of
DOMAIN.md section 4 hold to the cent before printing. Printing rounds each value independently (templates.py).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from juesuan.factory.catalogue import (
    COMMON_ITEMS,
    DEPARTMENT_KINDS,
    ECONOMIC_TABLE,
    ECONOMIC_WEIGHTS,
    GOV_FUND_ITEMS,
    OPTIONAL_ECONOMIC,
    STATE_CAPITAL_ITEMS,
)

INCOME_SOURCES = ("superior_subsidy", "business", "operating", "affiliated_remittance", "other")
EXTRA_ITEMS = (
    "2019999",
    "2050803",
    "2080801",
    "2089999",
    "2130705",
    "2240106",
    "2080599",
    "2101199",
    "2070109",
    "2011199",
    "2080502",
    "2101102",
    "2200106",
    "2120501",
)


@dataclass
class Profile:
    """What stays the same for one department across years: its kind, subjects and size."""

    kind_index: int
    name_suffix: str
    basic_items: list[str]
    project_items: list[str]
    gov_fund_items: list[str]
    state_capital_items: list[str]
    economic_codes: list[str]
    scale_yuan: int  # typical annual expenditure
    has_non_fiscal: bool
    headcount: int


@dataclass
class Books:
    """Exact amounts in fen for one report year."""

    # per 项: measure → fen
    expenditure: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # basic, project, remit_superior, ...
    general_budget: dict[str, dict[str, int]] = field(default_factory=dict)  # basic, project
    gov_fund: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # opening_balance, income, basic, project, closing_balance
    state_capital: dict[str, dict[str, int]] = field(default_factory=dict)  # same shape as gov_fund
    income: dict[str, dict[str, int]] = field(default_factory=dict)  # fiscal_appropriation + INCOME_SOURCES
    economic: dict[str, int] = field(default_factory=dict)  # 款 → fen (basic expenditure, general budget)
    fund_opening: dict[str, int] = field(default_factory=dict)  # general_budget / gov_fund / state_capital
    fund_income: dict[str, int] = field(default_factory=dict)
    fund_expenditure: dict[str, int] = field(default_factory=dict)
    fund_closing: dict[str, int] = field(default_factory=dict)
    source_income: dict[str, int] = field(default_factory=dict)  # INCOME_SOURCES → fen
    use_non_fiscal_balance: int = 0
    non_fiscal_opening: int = 0
    non_fiscal_closing: int = 0
    balance_distribution: int = 0
    three_public_budget: dict[str, int] = field(default_factory=dict)
    three_public_actual: dict[str, int] = field(default_factory=dict)

    # -- derived totals -------------------------------------------------------------------------------
    @property
    def income_total(self) -> int:
        return sum(self.fund_income.values()) + sum(self.source_income.values())

    @property
    def expenditure_total(self) -> int:
        return sum(sum(v.values()) for v in self.expenditure.values())

    @property
    def opening_total(self) -> int:
        return sum(self.fund_opening.values()) + self.non_fiscal_opening

    @property
    def closing_total(self) -> int:
        return sum(self.fund_closing.values()) + self.non_fiscal_closing

    @property
    def grand_total(self) -> int:
        return self.income_total + self.use_non_fiscal_balance + self.opening_total


def make_profile(rng: random.Random, *, kind_index: int | None = None, central: bool = False) -> Profile:
    """Draw a department: its kind (or the given one), subjects, size and whether it has non-fiscal money."""
    if kind_index is None:
        kind_index = rng.randrange(len(DEPARTMENT_KINDS))
    suffix, core, projects, gov_items = DEPARTMENT_KINDS[kind_index]
    # a consolidated report (本级 + subordinate units) carries many more subjects, so its tables span pages
    large = rng.random() < 0.4
    n_proj = len(projects) if large else rng.randint(max(1, len(projects) // 2), len(projects))
    project_items = sorted(rng.sample(list(projects), n_proj))
    keep = 0.9 if large else 0.45
    common = [
        c for c in COMMON_ITEMS if c in ("2080505", "2080506", "2101101", "2210201") or rng.random() < keep
    ]
    extras = [e for e in EXTRA_ITEMS if rng.random() < (0.65 if large else 0.2)]
    basic_items = sorted(set(core) | set(common))
    project_items = sorted((set(project_items) | set(extras)) - set(basic_items))
    gf: list[str] = []
    if gov_items and rng.random() < 0.5:
        gf = sorted(rng.sample(list(gov_items), rng.randint(1, min(2, len(gov_items)))))
    elif rng.random() < 0.06:
        gf = [rng.choice(GOV_FUND_ITEMS)]
    sc = [rng.choice(STATE_CAPITAL_ITEMS)] if rng.random() < 0.08 else []
    econ = [c for c in ECONOMIC_WEIGHTS if c not in OPTIONAL_ECONOMIC or rng.random() < 0.5]
    scale = int(math.exp(rng.uniform(math.log(3e6), math.log(2.5e8 if central else 6e7)))) * (
        3 if large else 1
    )
    return Profile(
        kind_index=kind_index,
        name_suffix=suffix,
        basic_items=basic_items,
        project_items=project_items,
        gov_fund_items=gf,
        state_capital_items=sc,
        economic_codes=econ,
        scale_yuan=scale,
        has_non_fiscal=rng.random() < 0.55,
        headcount=max(5, int(scale / rng.uniform(2.0e5, 4.5e5))),
    )


def split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Partition `total` fen into len(weights) non-negative integers proportional to noisy weights, exactly."""
    if not weights:
        return []
    noisy = [w * rng.uniform(0.6, 1.4) for w in weights]
    s = sum(noisy) or 1.0
    parts = [int(total * w / s) for w in noisy]
    rest = total - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: -noisy[i])
    i = 0
    while rest > 0:
        parts[order[i % len(order)]] += 1
        rest -= 1
        i += 1
    return parts


def allocate(total: int, bases: dict[str, int]) -> dict[str, int]:
    """Distribute `total` (may be negative) over keys proportionally to `bases`, exactly; result stays ≥ 0."""
    keys = sorted(bases, key=lambda k: (-bases[k], k))
    base_sum = sum(bases.values())
    if not keys:
        return {}
    if base_sum == 0:
        return {k: (total if i == 0 else 0) for i, k in enumerate(keys)}
    out = {k: bases[k] * total // base_sum for k in keys}
    out[keys[0]] += total - sum(out.values())
    return out


def _fen(rng: random.Random, yuan: float, *, whole_yuan: bool) -> int:
    """A drawn amount in fen: whole yuan (most ledgers) or with cents."""
    if whole_yuan:
        return round(yuan) * 100
    return round(yuan * 100)


def make_books(rng: random.Random, profile: Profile, year_factor: float) -> Books:
    b = Books()
    scale = profile.scale_yuan * year_factor
    whole = rng.random() < 0.6
    basic_share = rng.uniform(0.45, 0.85)

    # 1. basic expenditure by economic 款 (general-budget funded): personnel + public
    basic_total = _fen(rng, scale * basic_share, whole_yuan=whole)
    weights = [ECONOMIC_WEIGHTS[c] for c in profile.economic_codes]
    for code, amt in zip(profile.economic_codes, split(rng, basic_total, weights), strict=True):
        b.economic[code] = amt - amt % 100 if whole else amt
    # 2. general budget by 项: basic split over basic items, project over project items
    gb_basic = sum(b.economic.values())
    basic_items = profile.basic_items
    bw = [5.0 if not it.startswith(("208", "210", "221")) else 1.0 for it in basic_items]
    basic_parts = split(rng, gb_basic, bw)
    project_items = [p for p in profile.project_items if rng.random() < 0.9] or profile.project_items[:1]
    # some core items also carry project money
    proj_targets = project_items + [it for it in basic_items[:2] if rng.random() < 0.3]
    gb_project = _fen(rng, scale * (1 - basic_share) * rng.uniform(0.6, 1.0), whole_yuan=whole)
    proj_parts = split(rng, gb_project, [1.0] * len(proj_targets))
    for it, amt in zip(basic_items, basic_parts, strict=True):
        b.general_budget.setdefault(it, {"basic": 0, "project": 0})["basic"] += amt
    for it, amt in zip(proj_targets, proj_parts, strict=True):
        b.general_budget.setdefault(it, {"basic": 0, "project": 0})["project"] += amt
    b.general_budget = {k: v for k, v in b.general_budget.items() if v["basic"] or v["project"]}

    # 3. government fund / state capital (project money on their own items)
    fund_rows: dict[str, dict[str, dict[str, int]]] = {"gov_fund": {}, "state_capital": {}}
    for fund, items in (("gov_fund", profile.gov_fund_items), ("state_capital", profile.state_capital_items)):
        if not items or rng.random() < 0.15:
            continue
        total = _fen(rng, scale * rng.uniform(0.05, 0.6), whole_yuan=whole)
        for it, amt in zip(items, split(rng, total, [1.0] * len(items)), strict=True):
            fund_rows[fund][it] = {"basic": 0, "project": amt}
    # 4. expenditure by 项 (all sources)
    for it, v in b.general_budget.items():
        b.expenditure[it] = {"basic": v["basic"], "project": v["project"]}
    for rows in fund_rows.values():
        for it, v in rows.items():
            e = b.expenditure.setdefault(it, {"basic": 0, "project": 0})
            e["project"] += v["project"]
    non_fiscal_exp: dict[str, int] = {}
    if profile.has_non_fiscal:
        targets = rng.sample(sorted(b.expenditure), k=min(len(b.expenditure), rng.randint(1, 4)))
        for it in targets:
            amt = _fen(rng, scale * rng.uniform(0.005, 0.08), whole_yuan=whole)
            measure = "basic" if rng.random() < 0.6 else "project"
            b.expenditure[it][measure] += amt
            non_fiscal_exp[it] = non_fiscal_exp.get(it, 0) + amt
        if rng.random() < 0.12:
            it = targets[0]
            for measure in ("operating", "affiliated_subsidy", "remit_superior"):
                if rng.random() < 0.5:
                    amt = _fen(rng, scale * rng.uniform(0.002, 0.02), whole_yuan=whole)
                    b.expenditure[it][measure] = b.expenditure[it].get(measure, 0) + amt
                    non_fiscal_exp[it] = non_fiscal_exp.get(it, 0) + amt
    for e in b.expenditure.values():
        for m in ("remit_superior", "operating", "affiliated_subsidy"):
            e.setdefault(m, 0)

    # 5. balances per fund: opening + income − expenditure = closing, all ≥ 0
    fund_exp = {
        "general_budget": sum(v["basic"] + v["project"] for v in b.general_budget.values()),
        "gov_fund": sum(v["project"] for v in fund_rows["gov_fund"].values()),
        "state_capital": sum(v["project"] for v in fund_rows["state_capital"].values()),
    }
    for fund, exp in fund_exp.items():
        if exp == 0 and fund != "general_budget":
            b.fund_opening[fund] = b.fund_income[fund] = b.fund_expenditure[fund] = b.fund_closing[fund] = 0
            continue
        opening = _fen(rng, exp / 100 * rng.uniform(0, 0.12), whole_yuan=whole) if rng.random() < 0.5 else 0
        closing = _fen(rng, exp / 100 * rng.uniform(0, 0.12), whole_yuan=whole) if rng.random() < 0.55 else 0
        income = exp + closing - opening
        if income < 0:
            closing, income = closing - income, 0
        b.fund_opening[fund], b.fund_income[fund] = opening, income
        b.fund_expenditure[fund], b.fund_closing[fund] = exp, closing
    # per-item fund rows carry their own balances (on the largest item)
    for fund in ("gov_fund", "state_capital"):
        rows = fund_rows[fund]
        if not rows:
            continue
        big = max(sorted(rows), key=lambda k: rows[k]["project"])
        for it, v in rows.items():
            op = b.fund_opening[fund] if it == big else 0
            cl = b.fund_closing[fund] if it == big else 0
            inc = v["basic"] + v["project"] + cl - op
            getattr(b, fund)[it] = {"opening_balance": op, "income": inc, "basic": v["basic"], "project": v["project"], "closing_balance": cl}  # fmt: skip

    # 6. non-fiscal sources
    nf_exp = sum(non_fiscal_exp.values())
    if nf_exp or profile.has_non_fiscal:
        b.use_non_fiscal_balance = int(nf_exp * rng.uniform(0.05, 0.4)) if rng.random() < 0.2 else 0
        b.balance_distribution = int(nf_exp * rng.uniform(0.05, 0.3)) if rng.random() < 0.12 else 0
        b.non_fiscal_opening = int(nf_exp * rng.uniform(0.05, 0.5)) if rng.random() < 0.35 else 0
        b.non_fiscal_closing = int(nf_exp * rng.uniform(0.05, 0.5)) if rng.random() < 0.35 else 0
    need = (
        nf_exp
        + b.balance_distribution
        + b.non_fiscal_closing
        - b.non_fiscal_opening
        - b.use_non_fiscal_balance
    )
    if need < 0:
        b.non_fiscal_closing -= need
        need = 0
    operating_exp = sum(e.get("operating", 0) for e in b.expenditure.values())
    src = dict.fromkeys(INCOME_SOURCES, 0)
    if need:
        src["operating"] = min(need, int(operating_exp * 1.05))
        rest = need - src["operating"]
        choices = ["other", "business", "superior_subsidy", "affiliated_remittance"]
        w = [rng.choice([0, 1, 3]) for _ in choices]
        w[0] = max(w[0], 1)
        for k, amt in zip(choices, split(rng, rest, [float(x) for x in w]), strict=True):
            src[k] = amt
    b.source_income = src

    # 7. income by 项: fiscal appropriation allocated like expenditure, non-fiscal on the non-fiscal items
    fiscal: dict[str, int] = {}
    gb_bases = {it: v["basic"] + v["project"] for it, v in b.general_budget.items()}
    for it, amt in allocate(b.fund_income["general_budget"], gb_bases).items():
        fiscal[it] = fiscal.get(it, 0) + amt
    for fund in ("gov_fund", "state_capital"):
        for it, v in getattr(b, fund).items():
            fiscal[it] = fiscal.get(it, 0) + v["income"]
    nf_bases = non_fiscal_exp or {max(sorted(b.expenditure), key=lambda k: sum(b.expenditure[k].values())): 1}
    for it in sorted(set(fiscal) | set(nf_bases)):
        b.income[it] = {"fiscal_appropriation": fiscal.get(it, 0), **dict.fromkeys(INCOME_SOURCES, 0)}
    for s, amt in src.items():
        for it, part in allocate(amt, nf_bases).items():
            b.income[it][s] += part
    b.income = {k: v for k, v in b.income.items() if any(v.values())}

    # 8. three public: actuals at least the economic lines, budgets round and mostly above actuals
    econ = b.economic
    actual = {
        "overseas": econ.get("30212", 0),
        "vehicle_purchase": econ.get("31013", 0),
        "vehicle_operation": econ.get("30231", 0),
        "reception": econ.get("30217", 0),
    }
    for k in actual:
        if actual[k] and rng.random() < 0.25:
            actual[k] += _fen(rng, actual[k] / 100 * rng.uniform(0.01, 0.3), whole_yuan=True)
    budget = {}
    for k, v in actual.items():
        if v == 0 and rng.random() < 0.7:
            budget[k] = 0
        else:
            budget[k] = (
                math.ceil(v * rng.uniform(0.9, 1.6) / 1_000_000 + 0.01) * 1_000_000 if v else 2_000_000
            )
    for d in (actual, budget):
        d["vehicle_total"] = d["vehicle_purchase"] + d["vehicle_operation"]
        d["total"] = d["overseas"] + d["vehicle_total"] + d["reception"]
    b.three_public_actual, b.three_public_budget = actual, budget
    return b


def economic_class_totals(econ: dict[str, int]) -> dict[str, int]:
    return {cls: sum(econ.get(code, 0) for code, _ in items) for cls, (_, items) in ECONOMIC_TABLE.items()}
