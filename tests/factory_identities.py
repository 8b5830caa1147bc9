"""A compact checker of the DOMAIN.md section 4 identities on truth cells, used only by the factory tests.

Independent of the rule catalogue on purpose (it verifies the generator, not the rules); the rule catalogue
(`expectations.check_report`) is the production implementation and should take over once it is stable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from juesuan.model import GoldCell

HALF = {"万元": Decimal(50), "元": Decimal("0.005")}  # half a printed cent, in yuan
ZERO = Decimal(0)


@dataclass
class Violation:
    identity: str
    table_kind: str
    key: str
    measure: str
    expected: Decimal
    actual: Decimal
    tolerance: Decimal

    def __str__(self) -> str:
        return (
            f"{self.identity} {self.table_kind}:{self.key}:{self.measure} "
            f"expected {self.expected} got {self.actual} (tol {self.tolerance})"
        )


class Cells:
    def __init__(self, cells: list[GoldCell], units: dict[str, str]) -> None:
        self.units = units
        self.v: dict[tuple[str, str, str], Decimal] = {}
        self.rows: dict[str, list[str]] = defaultdict(list)
        for c in cells:
            key = c.subject_code or c.line_item
            self.v[(c.table_kind, key, c.measure)] = c.amount_yuan
            if key not in self.rows[c.table_kind]:
                self.rows[c.table_kind].append(key)

    def get(self, kind: str, key: str, measure: str) -> Decimal:
        return self.v.get((kind, key, measure), ZERO)

    def has(self, kind: str) -> bool:
        return kind in self.rows

    def half(self, kind: str) -> Decimal:
        return HALF[self.units.get(kind, "万元")]


def check(cells: list[GoldCell], units: dict[str, str], *, strict: bool = False) -> list[Violation]:
    """Identities violated beyond the rounding envelope (or, with strict, by any amount: the rounding notes)."""
    c = Cells(cells, units)
    out: list[Violation] = []

    def eq(
        identity: str, kind: str, key: str, measure: str, total: Decimal, parts: list[Decimal], kinds=()
    ) -> None:  # type: ignore[no-untyped-def]
        half = max([c.half(kind), *[c.half(k) for k in kinds]])
        tol = ZERO if strict else (len(parts) + 1) * half
        s = sum(parts, ZERO)
        if abs(total - s) > tol:
            out.append(Violation(identity, kind, key, measure, s, total, tol))

    measures = {
        "income": ("total", ["fiscal_appropriation", "superior_subsidy", "business", "operating", "affiliated_remittance", "other"]),
        "expenditure": ("total", ["basic", "project", "remit_superior", "operating", "affiliated_subsidy"]),
        "general_budget": ("total", ["basic", "project"]),
        "gov_fund": ("total", ["basic", "project"]),
        "state_capital": ("total", ["basic", "project"]),
    }  # fmt: skip
    for kind, (tot, parts) in measures.items():
        if not c.has(kind):
            continue
        all_measures = {m for (k, _, m) in c.v if k == kind}
        codes = [k for k in c.rows[kind] if k.isdigit()]
        for key in c.rows[kind]:
            if any((kind, key, m) in c.v for m in parts):
                eq("row_sum", kind, key, tot, c.get(kind, key, tot), [c.get(kind, key, m) for m in parts])
        for m in all_measures:
            for code in codes:
                children = [k for k in codes if len(k) == len(code) + 2 and k.startswith(code)]
                if children:
                    eq(
                        "hierarchy",
                        kind,
                        code,
                        m,
                        c.get(kind, code, m),
                        [c.get(kind, k, m) for k in children],
                    )
            classes = [k for k in codes if len(k) == 3]
            if "total" in c.rows[kind]:
                eq(
                    "total_classes",
                    kind,
                    "total",
                    m,
                    c.get(kind, "total", m),
                    [c.get(kind, k, m) for k in classes],
                )

    s = "summary"
    if c.has(s):
        keys = c.rows[s]
        lines = [k for k in keys if k.startswith("income.") and k not in ("income.total", "income.grand_total", "income.use_non_fiscal_balance", "income.use_business_fund", "income.opening_balance")]  # fmt: skip
        eq(
            "summary_income_total",
            s,
            "income.total",
            "amount",
            c.get(s, "income.total", "amount"),
            [c.get(s, k, "amount") for k in lines],
        )
        use = c.get(s, "income.use_non_fiscal_balance", "amount") + c.get(
            s, "income.use_business_fund", "amount"
        )
        eq("summary_income_grand", s, "income.grand_total", "amount", c.get(s, "income.grand_total", "amount"), [c.get(s, "income.total", "amount"), use, c.get(s, "income.opening_balance", "amount")])  # fmt: skip
        classes = [k for k in keys if k.isdigit()]
        eq("summary_expenditure_total", s, "expenditure.total", "amount", c.get(s, "expenditure.total", "amount"), [c.get(s, k, "amount") for k in classes])  # fmt: skip
        eq("summary_expenditure_grand", s, "expenditure.grand_total", "amount", c.get(s, "expenditure.grand_total", "amount"), [c.get(s, "expenditure.total", "amount"), c.get(s, "expenditure.balance_distribution", "amount"), c.get(s, "expenditure.closing_balance", "amount")])  # fmt: skip
        eq("summary_balance", s, "grand_total", "amount", c.get(s, "income.grand_total", "amount"), [c.get(s, "expenditure.grand_total", "amount")])  # fmt: skip
        if c.has("income"):
            eq("cross_summary_income", s, "income.total", "amount", c.get(s, "income.total", "amount"), [c.get("income", "total", "total")], kinds=("income",))  # fmt: skip
        if c.has("expenditure"):
            eq("cross_summary_expenditure", s, "expenditure.total", "amount", c.get(s, "expenditure.total", "amount"), [c.get("expenditure", "total", "total")], kinds=("expenditure",))  # fmt: skip
            for k in classes:
                eq("cross_summary_class", s, k, "amount", c.get(s, k, "amount"), [c.get("expenditure", k, "total")], kinds=("expenditure",))  # fmt: skip

    a = "appropriation_summary"
    if c.has(a):
        keys = c.rows[a]
        funds = [f for f in ("general_budget", "gov_fund", "state_capital") if any((a, k, f) in c.v for k in keys) or f"income.{f}" in keys]  # fmt: skip
        exp_rows = [k for k in keys if k.isdigit() or k.startswith("expenditure.")]
        for k in exp_rows:
            eq("appropriation_row_sum", a, k, "total", c.get(a, k, "total"), [c.get(a, k, f) for f in funds])
        eq("appropriation_income_total", a, "income.total", "amount", c.get(a, "income.total", "amount"), [c.get(a, f"income.{f}", "amount") for f in funds])  # fmt: skip
        subs = [k for k in keys if k.startswith("income.opening_balance.")]
        if subs:
            eq("appropriation_opening", a, "income.opening_balance", "amount", c.get(a, "income.opening_balance", "amount"), [c.get(a, k, "amount") for k in subs])  # fmt: skip
        eq("appropriation_income_grand", a, "income.grand_total", "amount", c.get(a, "income.grand_total", "amount"), [c.get(a, "income.total", "amount"), c.get(a, "income.opening_balance", "amount")])  # fmt: skip
        classes = [k for k in keys if k.isdigit()]
        for m in ["total", *funds]:
            eq("appropriation_expenditure_total", a, "expenditure.total", m, c.get(a, "expenditure.total", m), [c.get(a, k, m) for k in classes])  # fmt: skip
            eq("appropriation_expenditure_grand", a, "expenditure.grand_total", m, c.get(a, "expenditure.grand_total", m), [c.get(a, "expenditure.total", m), c.get(a, "expenditure.closing_balance", m)])  # fmt: skip
        eq("appropriation_balance", a, "grand_total", "total", c.get(a, "income.grand_total", "amount"), [c.get(a, "expenditure.grand_total", "total")])  # fmt: skip
        if c.has("general_budget"):
            g = "general_budget"
            for k in classes:
                eq("cross_appropriation_general_budget", a, k, "general_budget", c.get(a, k, "general_budget"), [c.get(g, k, "total")], kinds=(g,))  # fmt: skip
            eq("cross_appropriation_general_budget", a, "expenditure.total", "general_budget", c.get(a, "expenditure.total", "general_budget"), [c.get(g, "total", "total")], kinds=(g,))  # fmt: skip
        for f in ("gov_fund", "state_capital"):
            if c.has(f):
                eq(f"cross_{f}_appropriation", f, "total", "total", c.get(f, "total", "total"), [c.get(a, "expenditure.total", f)], kinds=(a,))  # fmt: skip

    b = "basic_expenditure"
    if c.has(b):
        codes = [k for k in c.rows[b] if k.isdigit()]
        classes = [k for k in codes if len(k) == 3]
        for cls in classes:
            kids = [k for k in codes if len(k) == 5 and k.startswith(cls)]
            if kids:
                eq(
                    "basic_class_sum",
                    b,
                    cls,
                    "amount",
                    c.get(b, cls, "amount"),
                    [c.get(b, k, "amount") for k in kids],
                )
        eq("basic_personnel", b, "personnel_total", "amount", c.get(b, "personnel_total", "amount"), [c.get(b, k, "amount") for k in classes if k in ("301", "303")])  # fmt: skip
        eq("basic_public", b, "public_total", "amount", c.get(b, "public_total", "amount"), [c.get(b, k, "amount") for k in classes if k not in ("301", "303")])  # fmt: skip
        if c.has("general_budget"):
            eq("cross_general_budget_basic", "general_budget", "total", "basic", c.get("general_budget", "total", "basic"), [c.get(b, "personnel_total", "amount"), c.get(b, "public_total", "amount")], kinds=(b,))  # fmt: skip

    t = "three_public"
    if c.has(t):
        for side in ("budget", "actual"):
            eq("three_public_total", t, "", f"{side}.total", c.get(t, "", f"{side}.total"), [c.get(t, "", f"{side}.{m}") for m in ("overseas", "vehicle_total", "reception")])  # fmt: skip
            eq("three_public_vehicle", t, "", f"{side}.vehicle_total", c.get(t, "", f"{side}.vehicle_total"), [c.get(t, "", f"{side}.{m}") for m in ("vehicle_purchase", "vehicle_operation")])  # fmt: skip
        if c.has(b):
            tol = ZERO if strict else c.half(t) + c.half(b)
            for m, code in (("overseas", "30212"), ("reception", "30217"), ("vehicle_operation", "30231"), ("vehicle_purchase", "31013")):  # fmt: skip
                actual, line = c.get(t, "", f"actual.{m}"), c.get(b, code, "amount")
                if actual + tol < line:
                    out.append(Violation("three_public_inclusion", t, "", f"actual.{m}", line, actual, tol))
    return out
