"""The DOMAIN.md section 2 vocabulary: table kinds, measure keys and line-item keys with their Chinese labels.

One place for every key the parser emits, the factory prints, the rules reference and the warehouse documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from juesuan.keywords import three_public


@dataclass(frozen=True)
class TableKind:
    key: str
    title: str  # canonical printed title
    measures: tuple[tuple[str, str], ...]  # (measure key, Chinese label)


TABLE_KINDS: dict[str, TableKind] = {
    t.key: t
    for t in [
        TableKind("summary", "收入支出决算总表", (("amount", "决算数"),)),
        TableKind(
            "income",
            "收入决算表",
            (
                ("total", "本年收入合计"),
                ("fiscal_appropriation", "财政拨款收入"),
                ("superior_subsidy", "上级补助收入"),
                ("business", "事业收入"),
                ("operating", "经营收入"),
                ("affiliated_remittance", "附属单位上缴收入"),
                ("other", "其他收入"),
            ),
        ),
        TableKind(
            "expenditure",
            "支出决算表",
            (
                ("total", "本年支出合计"),
                ("basic", "基本支出"),
                ("project", "项目支出"),
                ("remit_superior", "上缴上级支出"),
                ("operating", "经营支出"),
                ("affiliated_subsidy", "对附属单位补助支出"),
            ),
        ),
        TableKind(
            "appropriation_summary",
            "财政拨款收入支出决算总表",
            (
                ("amount", "决算数"),
                ("total", "合计"),
                ("general_budget", "一般公共预算财政拨款"),
                ("gov_fund", "政府性基金预算财政拨款"),
                ("state_capital", "国有资本经营预算财政拨款"),
            ),
        ),
        TableKind(
            "general_budget",
            "一般公共预算财政拨款支出决算表",
            (("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")),
        ),
        TableKind("basic_expenditure", "一般公共预算财政拨款基本支出决算表", (("amount", "决算数"),)),
        TableKind(
            "three_public",
            "一般公共预算财政拨款“三公”经费支出决算表",
            tuple(
                (f"{side}.{m}", f"{side_label}{label}")
                for side, side_label in (("budget", "预算数"), ("actual", "决算数"))
                for m, label in three_public.labels("final_accounts")  # juesuan/keywords/three_public.yaml
            ),
        ),
        TableKind(
            "gov_fund",
            "政府性基金预算财政拨款收入支出决算表",
            (
                ("opening_balance", "年初结转和结余"),
                ("income", "本年收入"),
                ("total", "本年支出小计"),
                ("basic", "基本支出"),
                ("project", "项目支出"),
                ("closing_balance", "年末结转和结余"),
            ),
        ),
        TableKind(
            "state_capital",
            "国有资本经营预算财政拨款支出决算表",
            (
                ("opening_balance", "年初结转和结余"),
                ("income", "本年收入"),
                ("total", "本年支出合计"),
                ("basic", "基本支出"),
                ("project", "项目支出"),
                ("closing_balance", "年末结转和结余"),
            ),
        ),
    ]
}

#: Uncoded line items (summary, appropriation_summary, footers) → Chinese label.
LINE_ITEMS: dict[str, str] = {
    "income.general_budget": "一般公共预算财政拨款收入",
    "income.gov_fund": "政府性基金预算财政拨款收入",
    "income.state_capital": "国有资本经营预算财政拨款收入",
    "income.fiscal": "财政拨款收入",
    "income.superior_subsidy": "上级补助收入",
    "income.business": "事业收入",
    "income.operating": "经营收入",
    "income.affiliated_remittance": "附属单位上缴收入",
    "income.other": "其他收入",
    "income.total": "本年收入合计",
    "income.use_non_fiscal_balance": "使用非财政拨款结余（含专用结余）",
    "income.use_business_fund": "用事业基金弥补收支差额",
    "income.opening_balance": "年初结转和结余",
    "income.opening_balance.general_budget": "年初结转和结余：一般公共预算财政拨款",
    "income.opening_balance.gov_fund": "年初结转和结余：政府性基金预算财政拨款",
    "income.opening_balance.state_capital": "年初结转和结余：国有资本经营预算财政拨款",
    "income.grand_total": "收入总计",
    "expenditure.total": "本年支出合计",
    "expenditure.balance_distribution": "结余分配",
    "expenditure.closing_balance": "年末结转和结余",
    "expenditure.closing_balance.general_budget": "年末结转和结余：一般公共预算财政拨款",
    "expenditure.closing_balance.gov_fund": "年末结转和结余：政府性基金预算财政拨款",
    "expenditure.closing_balance.state_capital": "年末结转和结余：国有资本经营预算财政拨款",
    "expenditure.grand_total": "支出总计",
    "total": "合计",
    "personnel_total": "人员经费合计",
    "public_total": "公用经费合计",
}

#: Economic classes whose sum is 人员经费 (the rest of basic expenditure is 公用经费).
PERSONNEL_ECONOMIC_CLASSES = ("301", "303")


def measure_label(table_kind: str, measure: str) -> str:
    for key, label in TABLE_KINDS[table_kind].measures:
        if key == measure:
            return label
    raise KeyError(f"unknown measure {measure!r} for table {table_kind!r}")


def subject_level(code: str) -> str:
    """类 / 款 / 项 by code length (3 / 5 / 7 digits)."""
    return {3: "类", 5: "款", 7: "项"}[len(code)]


def parent_code(code: str) -> str | None:
    return {5: code[:3], 7: code[:5]}.get(len(code))
