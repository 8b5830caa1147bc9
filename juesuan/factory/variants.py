"""Layout options on top of a template (spec.OPTIONS): what else real portals print around the public tables.

Sichuan-style 13+ table sets print 项目支出, 政府采购 and 国有资产占用 tables beside the nine public ones; 绩效自评
annexes print their own scored tables; Shaanxi prints 会议费 and 培训费 in the 三公 table. Tables that are not public
ones are drawn but never in the truth (the parser skips them with a note); 会议费 and 培训费 are in the truth.
"""

from __future__ import annotations

import random
from decimal import Decimal

from juesuan.factory.render import BCell, Grid, HCell
from juesuan.factory.spec import ExtraTable, ReportSpec, format_amount

_PROJECTS = (
    "信息化系统运行维护",
    "办公楼维修改造",
    "专项业务经费",
    "政策宣传与培训",
    "执法装备购置",
    "课题研究与规划编制",
    "基层站所运行保障",
    "档案数字化",
)
_PURCHASES = ("货物类", "工程类", "服务类")
_ASSETS = (
    ("房屋（平方米）", 2),
    ("土地（平方米）", 2),
    ("车辆（辆）", 0),
    ("单价50万元以上通用设备（台、套）", 0),
    ("单价100万元以上专用设备（台、套）", 0),
)


def apply_options(spec: ReportSpec, seed: int) -> None:
    """Add what the report's options print (spec.options); draws come from a generator of their own."""
    rng = random.Random(f"{seed}:options:{spec.doc_id}")
    thousands = spec.template in ("shanghai2024", "central2024", "guangdong2018")
    if "meetings" in spec.options and "three_public" in spec.tables:
        _meetings(spec, rng)
    if "extra_tables" in spec.options:
        spec.extra_tables = _sichuan_tables(spec, rng, thousands)
    if "annex_tables" in spec.options:
        spec.annex_tables = _annex_tables(spec, rng, thousands)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def _meetings(spec: ReportSpec, rng: random.Random) -> None:
    table = spec.tables["three_public"]
    row = table.rows[0]
    scale = Decimal(1) if table.unit == "万元" else Decimal(10000)
    for item in ("meeting", "training"):
        budget = _money(rng, 50, 3000)
        actual = (budget * Decimal(str(round(rng.uniform(0.6, 1.0), 3)))).quantize(Decimal("0.01"))
        row.values[f"budget.{item}"] = (budget * scale).quantize(Decimal("0.01"))
        row.values[f"actual.{item}"] = (actual * scale).quantize(Decimal("0.01"))


def _sichuan_tables(spec: ReportSpec, rng: random.Random, thousands: bool) -> list[ExtraTable]:
    def amt(v: Decimal) -> str:
        return format_amount(v, thousands=thousands)

    projects = rng.sample(_PROJECTS, rng.randint(3, 6))
    rows = []
    total = Decimal(0)
    for name in projects:
        v = _money(rng, 500, 90000)
        total += v
        rows.append([name, amt(v), amt(v), ""])
    project = ExtraTable(
        title="项目支出决算表",
        header=["项目名称", "本年支出合计", "财政拨款", "其他资金"],
        rows=[["合计", amt(total), amt(total), ""], *rows],
        after="expenditure",
    )
    prows = []
    ptotal = [Decimal(0), Decimal(0)]
    for kind in _PURCHASES:
        budget = _money(rng, 1000, 50000)
        actual = (budget * Decimal("0.95")).quantize(Decimal("0.01"))
        ptotal[0] += budget
        ptotal[1] += actual
        prows.append(
            [kind, amt(budget), amt(actual), amt((actual * Decimal("0.3")).quantize(Decimal("0.01")))]
        )
    purchase = ExtraTable(
        title="政府采购情况表",
        header=["采购类别", "采购预算", "实际采购金额", "授予中小企业合同金额"],
        rows=[["合计", amt(ptotal[0]), amt(ptotal[1]), ""], *prows],
    )
    arows = []
    for name, decimals in _ASSETS:
        n = rng.randint(1, 4000)
        arows.append([name, f"{n}.00" if decimals else str(n), amt(_money(rng, 1000, 900000))])
    assets = ExtraTable(title="国有资产占用情况表", header=["项目", "数量", "账面原值"], rows=arows)
    return [project, purchase, assets]


def _annex_tables(spec: ReportSpec, rng: random.Random, thousands: bool) -> list[ExtraTable]:
    rows = []
    for name in rng.sample(_PROJECTS, 4):
        budget = _money(rng, 1000, 80000)
        done = (budget * Decimal(str(round(rng.uniform(0.7, 1.0), 3)))).quantize(Decimal("0.01"))
        rate = (done * 100 / budget).quantize(Decimal("0.01"))
        rows.append([name, format_amount(budget, thousands=thousands), format_amount(done, thousands=thousands), f"{rate}%", "10", f"{rng.randint(7, 10)}.00"])  # fmt: skip
    return [
        ExtraTable(
            title=f"{spec.year}年度部门整体支出绩效自评表",
            header=["项目", "全年预算数", "全年执行数", "执行率", "分值", "得分"],
            rows=rows,
        )
    ]


def extra_grid(table: ExtraTable, unit: str = "万元") -> Grid:
    """A plain ruled table for a table that is not public (one header row)."""
    n = len(table.header)
    widths = [2.6] + [1.2] * (n - 1)
    header = [HCell(0, i, text) for i, text in enumerate(table.header)]
    body = [[BCell(text, align="l" if i == 0 else "r") for i, text in enumerate(row)] for row in table.rows]
    grid = Grid(kind="other", title=table.title, col_widths=widths, header=header, header_rows=1, body=body)
    grid.unit_line = f"单位：{unit}"
    return grid


__all__ = ["apply_options", "extra_grid"]
