"""The 部门预算 vocabulary: table kinds, measure keys and line items, as the real budgets print them.

Table kinds reuse the final-account keys where the table carries the same content (收支总表 → `summary`,
一般公共预算支出表 → `general_budget`, …), so the warehouse star, the code hierarchy and `mart.budget_vs_actual`
line budgets up with final accounts by (table kind, subject code, measure). Budget-only tables get their own
keys. docs/budget-domain.md describes every key with the real titles it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from juesuan.keywords import (
    alternation,
    first_key,
    first_rule,
    keyword_list,
    keyword_lists,
    pattern,
    rules,
    three_public,
    word_list,
)
from juesuan.parsing.subjects import class_code, strip_ordinal

#: Header and row-label words of the budget tables (juesuan/keywords/budgets.yaml).
_KW = "budgets"
_WS = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")


@dataclass(frozen=True)
class BudgetTableKind:
    key: str
    title: str  # canonical printed title
    measures: tuple[tuple[str, str], ...]  # (measure key, Chinese label)
    parsed: bool = True  # False: recognised and reported, not read (no amounts by code)


_SPLIT = (("total", "合计"), ("basic", "基本支出"), ("project", "项目支出"))
_PRIOR = tuple((f"prior.{k}", f"上年预算数{lbl}") for k, lbl in _SPLIT) + tuple(
    (f"change.{k}", f"增减{lbl}") for k, lbl in _SPLIT
)
_THREE = three_public.labels("budgets")  # juesuan/keywords/three_public.yaml
#: The 三公 items of the tables that print only them (no 会议费, 培训费, 机关运行经费 beside them).
_THREE_PUBLIC_ONLY = frozenset(three_public.CORE) - {"total"}
_THREE_PUBLIC_ALL = frozenset(three_public.FAMILY_ITEMS["budgets"])

BUDGET_TABLE_KINDS: dict[str, BudgetTableKind] = {
    t.key: t
    for t in [
        BudgetTableKind("summary", "收支总表", (("amount", "本年预算数"), ("prior", "上年预算数"))),
        BudgetTableKind(
            "income",
            "收入总表",
            (
                ("total", "合计"),
                ("fiscal_appropriation", "财政拨款收入"),
                ("general_budget", "一般公共预算拨款收入"),
                ("gov_fund", "政府性基金预算拨款收入"),
                ("state_capital", "国有资本经营预算拨款收入"),
                ("fiscal_special", "财政专户管理资金收入"),
                ("business", "事业收入"),
                ("operating", "事业单位经营收入"),
                ("superior_subsidy", "上级补助收入"),
                ("affiliated_remittance", "附属单位上缴收入"),
                ("other", "其他收入"),
                ("carryover", "上年结转结余"),
                ("use_business_fund", "用事业基金弥补收支差额"),
                ("use_non_fiscal_balance", "使用非财政拨款结余"),
                ("cash_balance", "上年实户资金余额"),
                ("general_budget.special_funds", "其中：专项资金列入部门预算的项目"),
                ("general_budget.appropriation", "公共财政拨款（补助）资金"),
                ("general_budget.special_income", "专项收入"),
                ("fiscal_special.education_fees", "专户管理教育收费"),
                ("fiscal_special.other_non_tax", "其他非税收入（财政专户）"),
                ("other_funds", "其他资金（小计）"),
                ("debt", "债务资金（银行贷款）"),
                ("carryover.used", "其中：动用上年结转和结余资金"),
            ),
        ),
        BudgetTableKind(
            "expenditure",
            "支出总表",
            (
                *_SPLIT,
                ("reserve", "单位预留机动经费"),
                ("operating", "事业单位经营支出"),
                ("remit_superior", "上缴上级支出"),
                ("affiliated_subsidy", "对附属单位补助支出"),
                ("carry_forward", "结转下年"),
                ("fund.general_budget", "一般公共预算拨款（西安：支出总表按资金来源）"),
                ("fund.gov_fund", "政府性基金拨款"),
                ("fund.business", "事业收入"),
                ("fund.operating", "事业单位经营收入"),
                ("fund.other", "其他收入"),
                ("fund.carryover", "上年结转"),
                ("fund.cash_balance", "上年实户资金余额"),
            ),
        ),
        BudgetTableKind(
            "appropriation_summary",
            "财政拨款收支总表",
            (
                ("amount", "预算数"),
                ("total", "合计"),
                ("general_budget", "一般公共预算"),
                ("gov_fund", "政府性基金预算"),
                ("state_capital", "国有资本经营预算"),
            ),
        ),
        BudgetTableKind("general_budget", "一般公共预算支出表", _SPLIT + _PRIOR),
        BudgetTableKind(
            "general_budget_economic",
            "一般公共预算支出表（按经济分类）",
            (*_SPLIT, ("amount", "预算数")),
        ),
        BudgetTableKind(
            "basic_expenditure",
            "一般公共预算基本支出表",
            (("amount", "预算数"), ("total", "合计"), ("personnel", "人员经费"), ("public", "公用经费")),
        ),
        BudgetTableKind(
            "basic_function",
            "一般公共预算基本支出表（按功能分类）",
            (("total", "合计"), ("personnel", "人员经费"), ("public", "公用经费")),
        ),
        BudgetTableKind(
            "three_public",
            "财政拨款“三公”经费支出表",
            tuple((f"budget.{k}", f"本年预算数{lbl}") for k, lbl in _THREE)
            + tuple((f"prior.{k}", f"上年预算数{lbl}") for k, lbl in _THREE)
            + tuple((f"change.{k}", f"增减{lbl}") for k, lbl in _THREE),
        ),
        BudgetTableKind("gov_fund", "政府性基金预算支出表", _SPLIT + _PRIOR),
        BudgetTableKind("appropriation_expenditure", "财政拨款支出表（按功能分类）", _SPLIT + _PRIOR),
        BudgetTableKind(
            "appropriation_basic",
            "财政拨款基本支出表（按经济分类）",
            (("amount", "预算数"), ("total", "合计"), ("personnel", "人员经费"), ("public", "公用经费")),
        ),
        BudgetTableKind(
            "admin_operation", "一般公共预算机关运行经费支出表", (("total", "机关运行经费支出"),)
        ),
        BudgetTableKind("state_capital", "国有资本经营预算支出表", _SPLIT + _PRIOR),
        BudgetTableKind(
            "basic_total",
            "基本支出总表",
            (("total", "合计"), ("personnel", "人员经费"), ("public", "公用经费")),
        ),
        BudgetTableKind(
            "project_economic",
            "一般公共预算项目支出表（按经济分类）",
            (("total", "合计"), ("general_budget", "一般公共预算"), ("gov_fund", "政府性基金预算")),
        ),
        BudgetTableKind("project_expenditure", "项目支出表", (), parsed=False),
        BudgetTableKind(
            "procurement",
            "政府采购预算表",
            (
                ("total", "合计"),
                ("fiscal_appropriation", "财政拨款小计"),
                ("general_budget", "一般公共预算"),
                ("gov_fund", "政府性基金预算"),
                ("state_capital", "国有资本经营预算"),
                ("fiscal_special", "财政专户管理资金"),
                ("unit_funds", "单位资金"),
                ("non_fiscal_balance", "使用非财政拨款结余"),
                ("carryover", "上年结转"),
            ),
        ),
        BudgetTableKind("performance", "绩效目标表", (), parsed=False),
    ]
}

#: 烟台 prints the 基本支出 table as 部门经济分类 × 政府经济分类 (a row per pair: 301 工资福利支出 under 501 机关工资福利支出
#: and again under 505 对事业单位经常性补助): each row is keyed by its 部门经济分类 code and the line item
#: `gov_economic:<政府经济分类 code>`.
CROSS_KEY = "gov_economic"

#: Tables read into cells (the others are recognised and reported with a note).
PARSED_KINDS = tuple(k for k, t in BUDGET_TABLE_KINDS.items() if t.parsed)
#: Read, then folded into another kind (广州's 行政经费及“三公”经费预算表 → three_public).
FOLDED_KINDS = ("three_public_funds", "three_public_meetings")


#: `norm`'s whitespace and quotes dropped in one pass (it runs for every line of every page of a budget)
_WS_QUOTES = re.compile(r"[\s“”\"'‘’「」『』]+")


def norm(text: str) -> str:
    return _WS_QUOTES.sub("", text)


_TITLE_HINT = re.compile(alternation(word_list(_KW, "title_words")) + "[^，。；]*表")
#: Title → table kind (juesuan/keywords/budgets.yaml: titles).
_TITLES = rules(_KW, "titles")


def classify_title(text: str) -> str | None:
    """Budget table kind of a printed title; None when the line is not a table title.

    Unparsed extras (项目支出表, 政府采购, 绩效目标) and tables of other families are 'other': the grid under them is
    skipped rather than read as the previous table's continuation.
    """
    t = norm(text)
    t = re.sub(r"^(?:表\d+|[（(]?[一二三四五六七八九十]+[、）)]|\d+[.．、]?|附表\d*[:：]?)", "", t)
    if "表" not in t or t.startswith(("注", "说明", "详见")) or "。" in t or "，" in t:
        return None
    if not _TITLE_HINT.search(t) or re.fullmatch(r"(公开)?\d+表", t):
        return None
    if len(t) > 60 or re.search(r"(说明|情况说明)$", t):
        return None
    return first_rule(_TITLES, t) or "other"


def project_by_economic_code(title: str) -> bool:
    """项目支出 by economic class (一般公共预算项目支出情况表（按经济分类科目）): amounts by code, so read; the
    project lists by name (项目支出总表, 项目支出预算情况表) stay extras."""
    t = norm(title)
    return "项目支出" in t and "经济分类" in t and "绩效" not in t


_YEAR: ContextVar[int | None] = ContextVar("juesuan_budget_year", default=None)


@contextmanager
def budget_year(year: int | None) -> Iterator[None]:
    """The year of the budget being read, so a column headed 2025年预算数 in a 2026 budget is the prior year."""
    token = _YEAR.set(year)
    try:
        yield
    finally:
        _YEAR.reset(token)


def _earlier_year(j: str) -> bool:
    year = _YEAR.get()
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})年", j)]
    return bool(year and years and max(years) < year)


def _three_public_item(j: str) -> str | None:
    """The 三公 item a column header names (总计, 因公出国(境)费, 公务接待费, 公务用车…), or None."""
    if (item := three_public.item(j, _THREE_PUBLIC_ONLY)) is not None:
        return item
    if "总计" in j or "三公" in j:
        return "total"
    return None


_LABEL_COLUMNS = word_list(_KW, "label_columns")


def label_column(path: list[str]) -> bool:
    """The subject column headed by its classification alone (广州: 部门预算支出经济科目, 功能分类科目) holds
    "[301]工资福利支出": code and name in one cell, read as a label whose leading code keys the row."""
    leaf = path[-1] if path else ""
    if leaf in _LABEL_COLUMNS:
        return True  # 深圳: the budget unit of each block; the year of each 三公 row
    return (
        bool(re.fullmatch(r".*(?:经济|功能)(?:分类)?科目(?:[（(][^）)]*[）)])?", leaf)) and "编码" not in leaf
    )


#: Fund sources of the 收入总表 columns (and of 西安's 支出总表 by fund source): (measure key, header words), the
#: more specific first (使用非财政拨款结余 before 财政拨款; 其中：专项资金列入部门预算的项目 before 一般公共预算).
INCOME_SOURCES = keyword_list(_KW, "measures.income_sources")
#: Header words that make a 支出总表 column a fund source rather than a kind of expenditure.
_FUND_WORDS = word_list(_KW, "measures.fund_words")


#: A column of the change from last year, of a rate (not money) among those, of last year's budget.
_CHANGE_HEADER = pattern(_KW, "measures.change")
_RATE_WORDS = word_list(_KW, "measures.rate")
_PRIOR_HEADER = pattern(_KW, "measures.prior")
#: Column header words → measure key, per table kind (juesuan/keywords/budgets.yaml: measures).
_THREE_PUBLIC_FUNDS = tuple((k, w) for k, ws in keyword_list(_KW, "measures.three_public_funds") for w in ws)
_THREE_PUBLIC_FUNDS_TOTAL = word_list(_KW, "measures.three_public_funds_total")
_ADMIN_OPERATION_WORDS = word_list(_KW, "measures.admin_operation")
_EXPENDITURE_MEASURES = keyword_list(_KW, "measures.expenditure")
_PROCUREMENT_MEASURES = keyword_list(_KW, "measures.procurement")
_PROJECT_ECONOMIC_MEASURES = keyword_list(_KW, "measures.project_economic")
_BASIC_MEASURES = keyword_list(_KW, "measures.basic")
_APPROPRIATION_MEASURES = keyword_list(_KW, "measures.appropriation_summary")
_SUMMARY_EXPENDITURE_MEASURES = keyword_list(_KW, "measures.summary_expenditure")
_AMOUNT_WORDS = word_list(_KW, "measures.amount")


def measure(kind: str, path: list[str], side: str | None) -> str | None:
    """Measure key of an amount column from its header path (top to leaf)."""
    j = "".join(path)
    prefix = ""
    if _CHANGE_HEADER.search(j):
        if any(w in j for w in _RATE_WORDS):
            return None  # a rate column is derived, not a money measure
        prefix = "change."
    elif _PRIOR_HEADER.search(j) or _earlier_year(j) or path[:1] == ["上年"]:
        prefix = "prior."
    if kind == "three_public_funds":
        fund = next(
            (key for key, word in _THREE_PUBLIC_FUNDS if word in j),
            None,
        )
        item = _three_public_item(j)
        if item is not None:  # 深圳: a column per item × fund source, a row per year
            return f"{item}.{fund}" if fund else item
        if fund:  # 广州: a row per item, a column per fund source
            return fund
        return "total" if any(w in j for w in _THREE_PUBLIC_FUNDS_TOTAL) else None
    if kind in ("three_public", "three_public_meetings"):
        side_key = prefix.rstrip(".") or "budget"
        m = three_public.item(j, _THREE_PUBLIC_ALL)
        if m is None:
            if kind == "three_public_meetings" and "三公" not in j and "合计" in j:
                m = "total_all"  # 西安: 三公 + 会议费 + 培训费, beside the 三公 小计
            elif any(w in j for w in three_public.TOTAL_WORDS):
                m = "total"
            else:
                return None
        return f"{side_key}.{m}"
    if kind == "income" or (kind == "expenditure" and any(w in j for w in _FUND_WORDS)):
        # 西安's 支出总表 is by fund source (the 收入总表's columns): `fund.<source>` beside its 合计
        if (key := first_key(INCOME_SOURCES, j)) is not None:
            return prefix + (key if kind == "income" or key == "total" else f"fund.{key}")
        if kind == "income" and re.search(r"金额|预算数", j):
            return (
                prefix + "amount"
            )  # 江苏 2019: one 金额 column, a row per fund source (folded: fund_tree_key)
        return None
    if kind == "expenditure" and "政府采购" in j:  # 深圳: procurement within the year's expenditure
        if "中小企业" in j:
            return prefix + "procurement.sme_reserved"
        if "小型" in j or "微型" in j:
            return prefix + "procurement.small_micro_reserved"
        return prefix + "procurement"
    if kind == "admin_operation":
        if any(w in j for w in _ADMIN_OPERATION_WORDS):
            return prefix + "total"
        return None
    if kind in (
        "expenditure",
        "general_budget",
        "general_budget_economic",
        "gov_fund",
        "state_capital",
        "appropriation_expenditure",
    ):
        if "基本支出" in j and ("人员" in path[-1] or "公用" in path[-1]):
            return prefix + ("basic.personnel" if "人员" in path[-1] else "basic.public")
        if re.fullmatch(
            r"(?:人员|公用)经费支出", path[-1] if path else ""
        ):  # 西安 明细表: 基本支出 in two parts
            return prefix + ("basic.personnel" if "人员" in path[-1] else "basic.public")
        if "专项业务经费" in j:  # 西安: 项目支出 is called 专项业务经费
            return prefix + "project"
        if (key := first_key(_EXPENDITURE_MEASURES, j)) is not None:
            return prefix + key
        return prefix + "total" if prefix == "change." else None  # a lone 增减 column: of the total
    if kind == "procurement":
        key = first_key(_PROCUREMENT_MEASURES, j)
        return None if key is None else prefix + key
    if kind == "project_economic":
        key = first_key(_PROJECT_ECONOMIC_MEASURES, j)
        return None if key is None else prefix + key
    if kind in ("basic_expenditure", "basic_function", "appropriation_basic"):
        if (key := first_key(_BASIC_MEASURES, j)) is not None:
            return prefix + key
        if kind == "basic_expenditure" and path and path[-1] == "基本支出":
            return prefix + "total"  # 江苏 2019: the one amount column is headed 基本支出
        return None
    if kind == "appropriation_summary" and side == "expenditure":
        key = first_key(_APPROPRIATION_MEASURES, j)
        return None if key is None else prefix + key
    if (
        kind == "summary"
        and side == "expenditure"
        and (key := first_key(_SUMMARY_EXPENDITURE_MEASURES, j)) is not None
    ):
        return prefix + key
    if any(w in j for w in _AMOUNT_WORDS):
        return prefix + "amount" if prefix != "prior." else "prior"
    return None


_INCOME_LINES = keyword_list(_KW, "lines.income")

_EXPENDITURE_LINES = keyword_list(_KW, "lines.expenditure")


#: Sides of the expenditure panels a summary prints by economic classification (西安's 部门综合预算收支总表: by
#: function, by 部门预算支出经济分类 and by 政府预算支出经济分类, each panel summing to the same 支出总计).
ECONOMIC_PANELS = ("expenditure.economic", "expenditure.gov_economic")
_HEADINGS = {
    label: key for key, labels in keyword_list(_KW, "lines.headings", match="exact") for label in labels
}
#: Row labels read whole (juesuan/keywords/budgets.yaml: lines.exact): the income side's, and the 合计 row's.
_EXACT_LINES = dict(keyword_list(_KW, "lines.exact", match="exact"))
_INCOME_EXACT = {
    label: key for key, labels in _EXACT_LINES.items() if key.startswith("income.") for label in labels
}
#: 部门预算支出经济分类 sections of 西安's summary panel (their (1)… items belong to the section above them)
_ECONOMIC_SECTIONS = keyword_list(_KW, "lines.economic_sections")
#: Summary lines beyond the final-account ones (西安): matched before the generic lines of the side.
_SUMMARY_EXTRA_LINES = keyword_lists(_KW, "lines.summary_extra")


def panel_side(path: str, side: str) -> str:
    """An expenditure panel headed by an economic classification (部门预算支出经济分类科目, 政府预算支出经济分类科目)."""
    if side == "expenditure" and "经济分类" in path:
        return "expenditure.gov_economic" if "政府" in path else "expenditure.economic"
    return side


#: Row label words → totals of an economic expenditure panel (juesuan/keywords/budgets.yaml).
_ECONOMIC_PANEL_LINES = keyword_list(_KW, "lines.economic_panel")


def _economic_panel_line(side: str, n: str, state: object) -> str | None:
    """Line item of a row of an economic expenditure panel: its totals, sections and items by name."""
    if (key := first_key(_ECONOMIC_PANEL_LINES, n)) is not None:
        return f"{side}.{key}"
    if n in _HEADINGS:
        return f"{side}.{_HEADINGS[n]}"
    if side == "expenditure.economic":
        if (key := first_key(_ECONOMIC_SECTIONS, n)) is not None:
            state.sub = key  # type: ignore[attr-defined]
            return f"{side}.{key}"
        return f"{side}.{getattr(state, 'sub', None) or 'other'}:{n}"
    return f"{side}:{n}"


#: The fund of a 上年结转 / 结余 line of a summary's income side (juesuan/keywords/budgets.yaml).
_CARRYOVER_FUNDS = keyword_list(_KW, "lines.carryover_funds")


def line_item(kind: str, side: str | None, label: str, state: object) -> str | None:
    """Line-item key of an uncoded row (summary sides, 合计, 人员经费/公用经费)."""
    n = strip_ordinal(label)
    if not n:
        return None  # a row of amounts without a label column is its table's total (juesuan.parsing.tables)
    if kind in ("summary", "appropriation_summary"):
        n = re.sub(r"^(?:\d+[.．、]|其中[:：])", "", n.strip())
        if side in ECONOMIC_PANELS:
            return _economic_panel_line(side, n, state)
        if n in _HEADINGS:  # 西安: 一、部门预算 / 一、财政拨款 atop each panel, its amount the panel's total
            return f"{'income' if side == 'income' else 'expenditure'}.{_HEADINGS[n]}"
        if (key := first_key(_SUMMARY_EXTRA_LINES.get(side or "", ()), n)) is not None:
            return key
        lines = _INCOME_LINES if side == "income" else _EXPENDITURE_LINES
        if re.fullmatch(r"(?:当年|本年)(?:收入|支出)小计", n):
            # 江苏 2019: 当年收入小计 / 当年支出小计 is the year's total; the 收入合计 / 支出合计 below it adds the
            # 上年结转 / 结转下年 lines, i.e. it is the grand total
            state.year_subtotal = True  # type: ignore[attr-defined]
            return "income.total" if side == "income" else "expenditure.total"
        if getattr(state, "year_subtotal", False) and n in ("收入合计", "支出合计"):
            return "income.grand_total" if side == "income" else "expenditure.grand_total"
        if side == "income" and n in _INCOME_EXACT:
            return _INCOME_EXACT[n]
        if side == "income" and re.search(r"结余|结转", n) and not re.search(r"总计|合计", n):
            key = first_key(_CARRYOVER_FUNDS, n)
            return "income.carryover" if key is None else f"income.carryover.{key}"
        if side != "income" and re.fullmatch(r"结转(?:结余)?下年|结转下年(?:结余)?|年末结转(?:和)?结余", n):
            return "expenditure.carry_forward"
        if (key := first_key(lines, n)) is not None:
            return key
        if side != "income" and class_code(label, {}) is None and not re.search(r"[0-9]", n):
            # 款 / 项 printed by name under their class (深圳): kept by name, the coded tables hold the codes
            return f"expenditure.subject:{n}"
        return None
    if kind == "three_public_funds" and re.search(r"(?:19|20)\d{2}年|增减", n):
        if "增减" in n:  # 深圳: a row per year (2025年 / 2026年 / 增减变化金额)
            return "three_public.side:change"
        year, printed = _YEAR.get(), int(re.search(r"((?:19|20)\d{2})年", n).group(1))
        return "three_public.side:" + ("prior" if year and printed < year else "budget")
    if kind == "three_public_funds":
        if "行政经费" in n:
            return "three_public.admin_expenses"
        if (item := three_public.item(n, _THREE_PUBLIC_ONLY)) is not None:
            return f"three_public.{item}"
        return "three_public.total" if "三公" in n else None
    if kind in ("basic_expenditure", "basic_total", "appropriation_basic"):
        if n.startswith("人员经费"):
            return "personnel_total"
        if n.startswith("公用经费"):
            return "public_total"
    if kind == "income" and (fund := fund_tree_line(n, state)):
        return fund
    if n in _EXACT_LINES["total"] or n.endswith("合计"):
        return "total"
    if kind in _BY_UNIT and _UNIT_NAME.search(re.sub(r"[（(][^（()）]*[）)]$", "", n) or n):
        return f"unit:{n}"  # a row per budget unit (部门/单位) in a per-unit table
    return None


#: 江苏 2019's 收入预算总表 is a tree of fund sources with one 金额 column: a group (一般公共预算资金 …) over its 小计
#: and items. Each row is keyed `fund:<measure>` and the rows are folded into the 合计 row of the income table
#: (`juesuan.budgets.parse`), the measure being the fund source as in the other regions' 收入总表 columns.
FUND_GROUPS = keyword_list(_KW, "lines.fund_groups", match="prefix")
#: Items under each group → measure key (其他资金's items are the 收入总表's own columns: 事业收入, 经营收入 …).
FUND_ITEMS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = keyword_lists(_KW, "lines.fund_items")


def fund_tree_line(n: str, state: object) -> str | None:
    """`fund:<measure>` of a row of a fund-source tree (收入总计, 一般公共预算资金 小计, its items …), or None.

    The group's name is printed once, in a cell merged down its rows (read with its first row): it sets the group
    for the item rows under it.
    """
    if n == "收入总计":
        state.fund_group = None  # type: ignore[attr-defined]
        return "fund:total"
    rest = n
    for key, words in FUND_GROUPS:
        word = next((w for w in words if n.startswith(w)), None)
        if word is not None:
            state.fund_group, rest = key, n[len(word) :]  # type: ignore[attr-defined]
            if rest in ("", "小计", "合计"):
                return f"fund:{key}"
            break
    group = getattr(state, "fund_group", None)
    rest = re.sub(r"^其中[:：]", "", rest)
    for key, words in FUND_ITEMS.get(group or "", ()):
        if any(w in rest for w in words):
            return f"fund:{key}"
    return None


#: Tables some regions print per budget unit (a row per 单位 instead of, or above, the subject codes).
_BY_UNIT = (
    "income",
    "expenditure",
    "general_budget",
    "general_budget_economic",
    "gov_fund",
    "state_capital",
    "three_public_meetings",
)
_UNIT_NAME = re.compile(alternation(word_list(_KW, "unit_name_endings")) + "$")


_EXTRAS = rules(_KW, "extras")  # juesuan/keywords/budgets.yaml


def extra_table_kind(title: str) -> str | None:
    """The extra a title names (绩效目标表, 政府采购预算表, 项目支出表, 基本支出总表), or None."""
    t = norm(title)
    if "表" not in t or "。" in t or "，" in t:
        return None
    if ("一般公共预算" in t or "财政拨款" in t) and "基本支出" in t:
        return None  # the family's 一般公共预算 / 财政拨款基本支出表 itself (by economic or by function code)
    if project_by_economic_code(t):
        return None  # read into cells (project_economic)
    return first_rule(_EXTRAS, t)


#: Line items of the budget summaries → Chinese label (the warehouse's line-item dimension documents them).
BUDGET_LINE_ITEMS: dict[str, str] = {
    "income.fiscal": "本年财政拨款收入",
    "income.subtotal": "本年收入",
    "income.other_funds": "本年其他资金收入",
    "income.general_budget": "一般公共预算拨款收入",
    "income.gov_fund": "政府性基金预算拨款收入",
    "income.state_capital": "国有资本经营预算拨款收入",
    "income.fiscal_special": "财政专户管理资金收入",
    "income.business": "事业收入",
    "income.operating": "事业单位经营收入",
    "income.superior_subsidy": "上级补助收入",
    "income.affiliated_remittance": "附属单位上缴收入",
    "income.other": "其他收入",
    "income.total": "本年收入合计",
    "income.carryover": "上年结转结余",
    "income.use_business_fund": "用事业基金弥补收支差额",
    "income.grand_total": "收入总计",
    "expenditure.basic": "基本支出",
    "expenditure.project": "项目支出",
    "expenditure.reserve": "单位预留机动经费",
    "expenditure.operating": "事业单位经营支出",
    "expenditure.remit_superior": "上缴上级支出",
    "expenditure.affiliated_subsidy": "对附属单位补助支出",
    "expenditure.total": "本年支出合计",
    "expenditure.carry_forward": "结转下年",
    "expenditure.grand_total": "支出总计",
    "income.department_budget": "部门预算（收入）",
    "income.general_budget.special_funds": "其中：专项资金列入部门预算的项目",
    "income.business.fiscal_special": "其中：纳入财政专户管理的收费",
    "income.use_non_fiscal_balance": "使用非财政拨款结余",
    "income.cash_balance": "上年实户资金余额",
    "expenditure.department_budget": "部门预算（支出）",
    "expenditure.fiscal": "财政拨款（支出）",
    "expenditure.unallocated_cash": "未安排支出的实户资金",
    **{
        f"expenditure.{panel}.{key}": f"{label}（{name}）"
        for panel, name in (("economic", "部门预算支出经济分类"), ("gov_economic", "政府预算支出经济分类"))
        for key, label in (
            ("department_budget", "部门预算"),
            ("fiscal", "财政拨款"),
            ("total", "本年支出合计"),
            ("carry_forward", "结转下年"),
            ("unallocated_cash", "未安排支出的实户资金"),
            ("grand_total", "支出总计"),
        )
    },
    **{
        f"expenditure.economic.{key}": label
        for key, label in (
            ("basic", "人员经费和公用经费支出"),
            ("project", "专项业务经费支出"),
            ("remit_superior", "上缴上级支出"),
            ("operating", "事业单位经营支出"),
            ("affiliated_subsidy", "对附属单位补助支出"),
        )
    },
    "total": "合计",
    "personnel_total": "人员经费合计",
    "public_total": "公用经费合计",
}
