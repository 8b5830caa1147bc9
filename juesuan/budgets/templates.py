"""Factory budgets that imitate the real budgets' producers, sizes and per-unit parts, with exact truth.

The real 2026 budgets come from three producers: Excel 2007 (上海: 元, codes split 类|款|项), Word 2010 (北京 万元
with 上年 / 增减; 西安 元 with 2 decimals, 部门综合预算… titles, 表N numbering) and iText 5.5.13 (深圳: 万元, 表 N
numbering, 部门名称 line, a department of dozens of budget units, 262 pages, most of them per-unit prose, project
lists and performance targets). A template sets the producer metadata, the titles and numbering, the unit, the
number of budget units (the per-unit 收入总表) and the per-unit parts (prose, 项目支出表 and 绩效目标表 per unit,
which are extras: recognised, noted, not cells). Every printed amount of the public tables is in the truth file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from juesuan.budgets.factory import TITLES, BudgetSpec, _fmt, _grid, _wan, budget_from_final
from juesuan.factory.render import BCell, Grid, HCell, PdfWriter
from juesuan.factory.spec import ReportSpec, SpecTable, yuan_of

_XIAN_TITLES = {
    "summary": "部门综合预算收支总表",
    "income": "部门综合预算收入总表",
    "expenditure": "部门综合预算支出总表",
    "appropriation_summary": "部门综合预算财政拨款收支总表",
    "general_budget": "部门综合预算一般公共预算支出明细表（按支出功能分类科目）",
    "basic_expenditure": "部门综合预算一般公共预算基本支出明细表（按支出经济分类科目）",
    "basic_function": "部门综合预算一般公共预算基本支出明细表（按支出功能分类科目）",
    "three_public": "部门综合预算一般公共预算“三公”经费支出表",
    "gov_fund": "部门综合预算政府性基金收支表",
    "state_capital": "部门综合预算国有资本经营预算支出表",
    "project_economic": "一般公共预算项目支出情况表（按经济分类科目）",
    "procurement": "政府采购预算表",
}
_SHENZHEN_TITLES = {
    "summary": "收支总表",
    "income": "收入总表",
    "expenditure": "支出总表",
    "appropriation_summary": "财政拨款收支总表",
    "general_budget": "一般公共预算支出表（按功能分类）",
    "basic_expenditure": "一般公共预算基本支出表",
    "basic_function": "一般公共预算基本支出表（按功能分类）",
    "three_public": "财政拨款“三公”经费支出表",
    "gov_fund": "政府性基金预算支出表",
    "state_capital": "国有资本经营预算支出表",
    "project_economic": "一般公共预算项目支出情况表（按经济分类科目）",
    "procurement": "政府采购预算表",
}
#: 江苏 2019 (a Word 2007 export, 公开NN表): the family's own titles; the coded tables, 三公 and 机关运行经费 are
#: titled by their layouts (`padded_cells`)
_JIANGSU_TITLES = {
    "summary": "收支预算总表",
    "income": "收入预算总表",
    "expenditure": "支出预算总表",
    "appropriation_summary": "财政拨款收支预算总表",
    "gov_fund": "政府性基金预算财政拨款支出预算表",
    "state_capital": "国有资本经营预算财政拨款支出预算表",
    "project_economic": "一般公共预算项目支出预算表（按经济分类科目）",
    "procurement": "政府采购预算表",
}
_ITEXT = "iText® 5.5.13 ©2000-2018 iText Group NV (AGPL-version)"
_INDICATORS = (
    ("产出指标", "数量指标", "完成年度工作任务数"),
    ("产出指标", "质量指标", "工作任务完成合格率"),
    ("产出指标", "时效指标", "按期完成率"),
    ("产出指标", "成本指标", "项目成本控制在预算内"),
    ("效益指标", "社会效益指标", "服务对象覆盖面"),
    ("效益指标", "可持续影响指标", "长效机制建立情况"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度"),
)


@dataclass(frozen=True)
class BudgetTemplate:
    """How one real producer lays a budget out."""

    name: str
    style: (
        str  # the drawing style of the public tables: excel (codes split, 编制单位) / word (one code column)
    )
    unit: str
    creator: str
    producer: str
    titles: dict[str, str]
    numbering: str  # "" (none), "表{n}" (西安), "表 {n}" (深圳)
    n_units: int  # budget units of the department (a row each in the 收入总表)
    prior: bool  # 上年预算数 and 增减 beside the 一般公共预算 table
    projects_per_unit: int = 0  # per-unit 项目支出表 and 绩效目标表 (extras), and a paragraph per unit
    layouts: tuple[
        str, ...
    ] = ()  # layout families (`juesuan.budgets.layouts.LAYOUTS`) its tables are drawn in

    def stamp(self, w: PdfWriter) -> None:
        """The producer's metadata (Creator / Producer), as the real files carry it."""
        w.c.setCreator(self.creator)
        w.c.setProducer(self.producer)

    def dress(self, grid: Grid, number: int) -> None:
        if self.numbering:
            grid.table_no = self.numbering.format(n=number)

    def unit_prose(self, spec: BudgetSpec) -> list[tuple[str, str]]:
        """深圳: a part per budget unit (十六、<unit> / <unit>预算 X 万元 …): its own figures, never the department's."""
        if not self.projects_per_unit:
            return []
        income = spec.tables["income"]
        out: list[tuple[str, str]] = [("heading", "二、各预算单位预算情况")]
        for i, row in enumerate(r for r in income.rows if (r.line_item or "").startswith("unit:")):
            name = row.label
            total = yuan_of(row.values["total"], income.unit)
            fiscal = yuan_of(row.values["general_budget"], income.unit)
            out.append(("heading", f"（{_cn(i + 1)}）{name}"))
            out.append(
                (
                    "para",
                    f"{name}预算{_wan(total)}万元，其中一般公共预算拨款收入{_wan(fiscal)}万元，"
                    f"主要用于保障单位正常运转和完成年度重点工作任务。",
                )
            )
        return out

    def unit_extras(self, spec: BudgetSpec, w: PdfWriter) -> None:
        """Per unit: its 项目支出表 (projects by name) and a 绩效目标表 per project — pages of extras."""
        if not self.projects_per_unit:
            return
        rng = random.Random(f"{spec.doc_id}:extras")
        income = spec.tables["income"]
        units = [r for r in income.rows if (r.line_item or "").startswith("unit:")]
        body: list[list[BCell]] = []
        plans: list[tuple[str, str, Decimal]] = []
        for row in units:
            total = yuan_of(row.values["total"], income.unit)
            body.append([BCell(row.label), BCell(""), BCell(_wan(total), align="r")])
            for k in range(self.projects_per_unit):
                amount = (total * Decimal(rng.randint(5, 30)) / 1000).quantize(Decimal("0.01"))
                name = f"{('业务运行', '信息化运维', '专项工作', '设备购置', '宣传培训')[k % 5]}项目{k + 1}"
                body.append([BCell(f"  {name}"), BCell("其他运转类"), BCell(_wan(amount), align="r")])
                plans.append((row.label, name, amount))
        t = SpecTable(kind="project_expenditure", unit="万元")
        header = [HCell(0, 0, "单位（项目）名称"), HCell(0, 1, "项目类别"), HCell(0, 2, "项目金额")]
        w.table(_grid(spec, t, "项目支出总表", [4.0, 1.6, 1.4], header, 1, body))
        for unit_name, name, amount in plans:
            header = [HCell(0, 0, "一级指标"), HCell(0, 1, "二级指标"), HCell(0, 2, "三级指标"), HCell(0, 3, "指标值")]  # fmt: skip
            rows = [
                [BCell(a), BCell(b), BCell(c), BCell(f"{rng.randint(90, 100)}%")] for a, b, c in _INDICATORS
            ]
            t = SpecTable(kind="performance", unit="万元")
            g = _grid(spec, t, "项目支出绩效目标表", [1.4, 1.8, 3.0, 1.2], header, 1, rows)
            g.department_line = f"单位名称：{unit_name}"
            g.notes = [
                f"项目名称：{name}；预算金额：{_fmt(amount / 10000 * 10000)}元；年度目标：按期完成年度工作任务。"
            ]
            w.table(g)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    tens, ones = divmod(n, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


TEMPLATES: dict[str, BudgetTemplate] = {
    t.name: t
    for t in (
        BudgetTemplate(
            "shanghai_excel2007",
            "excel",
            "元",
            "Microsoft® Excel® 2007",
            "Microsoft® Excel® 2007",
            TITLES["excel"],
            "",
            3,
            False,
        ),
        BudgetTemplate(
            "beijing_word2010",
            "word",
            "万元",
            "Microsoft® Word 2010",
            "Microsoft® Word 2010",
            TITLES["word"],
            "",
            4,
            True,
        ),
        BudgetTemplate(
            "xian_word2010",
            "word",
            "元",
            "Microsoft® Word 2010",
            "Microsoft® Word 2010",
            _XIAN_TITLES,
            "表{n}",
            6,
            False,
            projects_per_unit=2,
        ),
        BudgetTemplate(
            "shenzhen_itext", "word", "万元", "", _ITEXT, _SHENZHEN_TITLES, "表 {n}", 12, False, 3
        ),
        # 江苏省高级人民法院 2019: every table of the family in 江苏's layouts, white boxes inset in every cell
        BudgetTemplate(
            "jiangsu_word2007",
            "word",
            "万元",
            "Microsoft® Office Word 2007",
            "Microsoft® Office Word 2007",
            _JIANGSU_TITLES,
            "公开{n:02d}表",
            1,
            False,
            layouts=(
                "panels_with_use",
                "fund_tree",
                "single_row_totals",
                "appropriation_with_use",
                "padded_cells",
            ),
        ),
        # 深圳市人社局's size: dozens of units, every unit's projects and their targets (hundreds of pages)
        BudgetTemplate(
            "shenzhen_itext_large", "word", "万元", "", _ITEXT, _SHENZHEN_TITLES, "表 {n}", 45, False, 4
        ),
    )
}


def budget_from_template(final: ReportSpec, template: str, *, seed: int = 0) -> BudgetSpec:
    """The budget of a final-account spec's department and year, in a real producer's layout."""
    try:
        tpl = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown budget template {template!r}; known: {', '.join(TEMPLATES)}") from None
    spec = budget_from_final(
        final, style=tpl.style, seed=seed, unit=tpl.unit, prior=tpl.prior, n_units=tpl.n_units
    )
    spec.doc_id = f"{final.doc_id}-budget-{template}"
    spec.template = tpl
    if tpl.layouts:
        from juesuan.budgets.layouts import LAYOUTS

        for layout in tpl.layouts:
            LAYOUTS[layout](spec, seed=seed)
    spec.projects = []  # the template draws its own per-unit 绩效目标表
    return spec


__all__ = ["TEMPLATES", "BudgetTemplate", "budget_from_template"]
