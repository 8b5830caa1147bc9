"""Budget layout families seen in real budgets, imitated by the factory with exact truth.

Each function takes a factory `BudgetSpec` (drawn from a final account's books, every identity exact) and
re-lays one of its tables the way a family of real budgets prints it, keeping the truth in step, so the parser's
handling of that layout stays covered without the real file:

- `crossed_economic`: the 一般公共预算基本支出表 as 部门经济分类 × 政府经济分类 (烟台: a row per pair of codes, 301
  工资福利支出 once under 501 机关工资福利支出 and again under 505 对事业单位经常性补助).
- `unit_blocks`: 支出总表 and 一般公共预算支出表 as a block per budget unit (深圳: 预算单位 | 科目编码 | 科目名称, the
  department's row, then each unit's row followed by its function codes, the same codes again in the next block).
- `multi_panel_summary`: the 收支总表 with its expenditure printed in three panels (西安's 部门综合预算收支总表: by
  function class, by 部门预算支出经济分类 in 人员经费和公用经费 / 专项业务经费 sections, by 政府预算支出经济分类).
- `padded_cells`: 江苏 2019's Excel export (white background rects inset in every cell, one 金额 column, the
  财政拨款 tables by function and economic code, the 机关运行经费 table, one row of 三公 / 会议费 / 培训费);
  `unruled_codes`: the same coded tables printed without any rule.
- `gov_fund_money`: a department that also spends 政府性基金 money (彩票公益金), printed by function code in the
  政府性基金预算支出表 and carried through every table that adds fund sources; with `padded_cells` after it, 江苏
  2019's 财政拨款 tables = 一般公共预算 + 政府性基金 code by code.
- `unit_codes`: 西安's per-unit tables with hierarchical unit codes (单位编码 | 单位名称: 合计, the department's
  group row 101, its units 101001 …): the 收入总表, the 支出总表 by fund source (fund.<source>), the 三公 table
  with 会议费 and 培训费 (上年 / 当年 / 增减 column groups, a row per unit), and the 一般公共预算基本支出表 by
  function code (表7).
"""

from __future__ import annotations

import random
from decimal import Decimal

from juesuan.budgets.factory import (
    _CLASS_ORDINALS,
    _MEASURE_LABELS,
    HUNDRED,
    BudgetSpec,
    _grid,
    _to_hundred,
    _tree,
)
from juesuan.budgets.vocabulary import CROSS_KEY
from juesuan.factory.render import BCell, Grid, HCell
from juesuan.factory.spec import SpecRow, SpecTable, format_amount, round_unit, yuan_of
from juesuan.factory.tables import THREE_PUBLIC_ITEMS

#: 部门预算支出经济分类 → 政府预算支出经济分类, as the 2018 correspondence table maps them (the common cases):
#: a 款 of the department classification → the 政府经济分类 款 a 机关 books it under; classes not listed → 59999.
GOV_ECONOMIC_OF = {
    "30101": "50101",
    "30102": "50101",
    "30103": "50101",
    "30107": "50101",
    "30108": "50102",
    "30109": "50102",
    "30110": "50102",
    "30111": "50102",
    "30112": "50102",
    "30113": "50103",
    "301": "50199",
    "30215": "50202",
    "30216": "50203",
    "30217": "50206",
    "30231": "50208",
    "30299": "50299",
    "302": "50201",
    "30302": "50905",
    "30399": "50999",
    "303": "50901",
    "310": "50306",
}
#: the 事业单位 share of a department class: booked under 对事业单位经常性 / 资本性补助 (class 303 has none)
GOV_ECONOMIC_INSTITUTION = {"301": "50501", "302": "50502", "310": "50601"}
GOV_ECONOMIC_NAMES = {
    "501": "机关工资福利支出",
    "50101": "工资奖金津补贴",
    "50102": "社会保障缴费",
    "50103": "住房公积金",
    "50199": "其他工资福利支出",
    "502": "机关商品和服务支出",
    "50201": "办公经费",
    "50202": "会议费",
    "50203": "培训费",
    "50206": "公务接待费",
    "50208": "公务用车运行维护费",
    "50299": "其他商品和服务支出",
    "503": "机关资本性支出（一）",
    "50306": "设备购置",
    "505": "对事业单位经常性补助",
    "50501": "工资福利支出",
    "50502": "商品和服务支出",
    "506": "对事业单位资本性补助",
    "50601": "资本性支出（一）",
    "509": "对个人和家庭的补助",
    "50901": "社会福利和救助",
    "50905": "离退休费",
    "50999": "其他对个人和家庭的补助",
    "599": "其他支出",
    "59999": "其他支出",
}
_MEASURES = ("total", "personnel", "public")


def _gov_code(dept_code: str) -> str:
    return GOV_ECONOMIC_OF.get(dept_code) or GOV_ECONOMIC_OF.get(dept_code[:3]) or "59999"


def crossed_economic(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay `spec`'s 一般公共预算基本支出表 as 部门经济分类 × 政府经济分类 (烟台), truth included.

    Each 部门经济分类 款 goes to its 政府经济分类 款; about half of those with an institution counterpart are split
    between the 机关 code and the 事业单位 one (505/506), so a 部门 class is printed under two 政府 classes.
    """
    rng = random.Random(f"{seed}:crossed:{spec.doc_id}")
    table = spec.tables["basic_expenditure"]
    unit = table.unit
    names = {r.subject_code: r.label for r in table.rows if r.subject_code}
    leaves: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in table.rows:
        code = row.subject_code
        if not code or len(code) != 5:
            continue
        yuan = {m: yuan_of(row.values.get(m, Decimal(0)), unit) for m in _MEASURES}
        institution = GOV_ECONOMIC_INSTITUTION.get(code[:3])
        parts = [(_gov_code(code), Decimal(1))]
        if institution and yuan["total"] >= 200 and rng.random() < 0.5:
            share = Decimal(str(round(rng.uniform(0.2, 0.5), 2)))
            parts = [(_gov_code(code), 1 - share), (institution, share)]
        left = dict(yuan)
        for i, (gov, share) in enumerate(parts):
            if i == len(parts) - 1:
                vals = left
            else:
                vals = {m: _to_hundred(v * share) for m, v in yuan.items()}
                vals["total"] = vals["personnel"] + vals["public"]
                left = {m: left[m] - vals[m] for m in _MEASURES}
            leaves[(code, gov)] = vals
    crossed = SpecTable(kind="basic_expenditure", unit=unit, note=table.note)
    total = {m: sum((v[m] for v in leaves.values()), Decimal(0)) for m in _MEASURES}
    crossed.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(total[m], unit) for m in _MEASURES})
    )
    pairs = sorted({(code[:3], gov[:3]) for code, gov in leaves})
    for dept_class, gov_class in pairs:
        members = sorted(
            (k, v) for k, v in leaves.items() if k[0][:3] == dept_class and k[1][:3] == gov_class
        )
        sums = {m: sum((v[m] for _, v in members), Decimal(0)) for m in _MEASURES}
        rows = [(dept_class, gov_class, sums)] + [(code, gov, v) for (code, gov), v in members]
        for code, gov, vals in rows:
            crossed.rows.append(
                SpecRow(
                    label=names.get(code, code),
                    subject_code=code,
                    line_item=f"{CROSS_KEY}:{gov}",
                    values={m: round_unit(vals[m], unit) for m in _MEASURES},
                )
            )
    spec.tables["basic_expenditure"] = crossed
    spec.grids["basic_expenditure"] = crossed_economic_grid


def crossed_economic_grid(
    spec: BudgetSpec, table: SpecTable, title: str, printed_gov: list[str] | None = None
) -> Grid:
    """Two code + name groups before the amounts; codes split 类 | 款 in the excel style, whole in the word one.

    `printed_gov`: the 政府经济分类 code printed on each row (when the truth does not key rows by it)."""
    split = spec.style == "excel"
    header: list[HCell] = []
    col = 0
    for system in ("部门预算支出经济分类", "政府预算支出经济分类"):
        if split:
            header += [HCell(0, col, "科目编码", colspan=2), HCell(1, col, "类"), HCell(1, col + 1, "款")]
            header.append(HCell(0, col + 2, f"{system}科目名称", rowspan=2))
            col += 3
        else:
            header += [HCell(0, col, f"{system}科目编码", rowspan=2)]
            header += [HCell(0, col + 1, f"{system}科目名称", rowspan=2)]
            col += 2
    header.append(HCell(0, col, "基本支出预算", colspan=3))
    header += [HCell(1, col + j, t) for j, t in enumerate(("小计", "人员支出", "日常公用支出"))]
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [BCell(_amount(row.values.get(m)), align="r") for m in _MEASURES]
        if row.line_item == "total":
            body.append([BCell("合计", colspan=col, align="c"), *vals])
            continue
        i = len(body)
        gov = printed_gov[i] if printed_gov is not None else (row.line_item or ":").split(":", 1)[1]
        lead: list[BCell] = []
        for code, name in (
            (row.subject_code or "", row.label),
            (gov, GOV_ECONOMIC_NAMES.get(gov, gov) if gov else ""),
        ):
            if split:
                lead += [BCell(code[:3], align="c"), BCell(code[3:5], align="c")]
            else:
                lead.append(BCell(code))
            lead.append(BCell(name))
        body.append([*lead, *vals])
    widths = ([0.5, 0.5, 2.4] if split else [1.0, 2.4]) * 2 + [1.1] * 3
    return _grid(spec, table, title, widths, header, 2, body, landscape=True)


def annotated_economic(spec: BudgetSpec, seed: int = 0, *, split: bool = True) -> None:
    """Re-lay the 一般公共预算基本支出表 as 西安 prints its 明细表（按支出经济分类科目）: each 部门经济分类 class once
    (no 政府经济分类 code), each 款 with the 政府经济分类 款 it maps to beside it. With `split` some 款 are shared
    between the 机关 code and the 事业单位 one (西安市司法局: 30101 under 50101 and again under 50501), so the 款
    rows are keyed by the pair; without (西安市统计局) every 款 is printed once and its code alone keys it."""
    rng = random.Random(f"{seed}:annotated:{spec.doc_id}")
    table = spec.tables["basic_expenditure"]
    unit = table.unit
    out = SpecTable(kind="basic_expenditure", unit=unit, note=table.note)
    printed: list[str] = []
    rows: list[tuple[SpecRow, str]] = []
    for row in table.rows:
        code = row.subject_code
        if not code or len(code) != 5:
            rows.append((row, ""))
            continue
        institution = GOV_ECONOMIC_INSTITUTION.get(code[:3])
        total = yuan_of(row.values.get("total", Decimal(0)), unit)
        if not (split and institution and total >= 200 and rng.random() < 0.5):
            rows.append((row, _gov_code(code)))
            continue
        share = Decimal(str(round(rng.uniform(0.2, 0.5), 2)))
        first = {
            m: _to_hundred(yuan_of(row.values.get(m, Decimal(0)), unit) * (1 - share)) for m in _MEASURES
        }
        first["total"] = first["personnel"] + first["public"]
        rest = {m: yuan_of(row.values.get(m, Decimal(0)), unit) - first[m] for m in _MEASURES}
        for vals, gov in ((first, _gov_code(code)), (rest, institution)):
            values = {m: round_unit(vals[m], unit) for m in _MEASURES}
            rows.append((SpecRow(label=row.label, subject_code=code, values=values), gov))
    codes = [r.subject_code for r, gov in rows if gov]
    keyed = len(codes) != len(set(codes))
    for row, gov in rows:
        line = f"{CROSS_KEY}:{gov}" if keyed and gov else row.line_item
        out.rows.append(
            SpecRow(label=row.label, subject_code=row.subject_code, line_item=line, values=row.values)
        )
        printed.append(gov)
    spec.tables["basic_expenditure"] = out
    spec.grids["basic_expenditure"] = lambda s, t, title: crossed_economic_grid(s, t, title, printed)


def annotated_economic_unique(spec: BudgetSpec, seed: int = 0) -> None:
    """`annotated_economic` without shared 款 (西安市统计局): the 政府经济分类 codes only annotate the rows."""
    annotated_economic(spec, seed, split=False)


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format_amount(value, thousands=True)


_SPLIT = ("total", "basic", "project")


#: The fewest budget units `unit_blocks` splits a department over. With two, a figure the department prints
#: exactly splits into two whose roundings cancel, and the units' printed figures always add up to the
#: department's; 深圳市人社局 has 21 units, and its department row is 0.03 万元 off their sum.
MIN_BLOCK_UNITS = 4


def _split_yuan(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` split by `weights` in whole yuan, the last part taking the remainder: each unit's own figure is
    finer than 0.01 万元, so a 万元 table rounds it on its own and the parts' printed sum may miss the whole's."""
    whole = sum(weights, Decimal(0))
    parts = [(amount * w / whole).quantize(Decimal(1)) for w in weights[:-1]]
    return [*parts, amount - sum(parts, Decimal(0))]


def _holders(units: list[str], rng: random.Random) -> list[str]:
    """The units a 项 is budgeted in, in print order: the own office alone, one institution alone, or two to four
    units sharing it."""
    draw = rng.random()
    if draw < 0.25:
        return [units[0]]
    if draw < 0.4:
        return [rng.choice(units[1:])]
    chosen = set(rng.sample(units, rng.randint(2, min(len(units), 4))))
    return [u for u in units if u in chosen]


def _more_units(spec: BudgetSpec, rng: random.Random) -> None:
    """Give a department of fewer than `MIN_BLOCK_UNITS` budget units that many, its per-unit 收入总表 re-split
    over them (the 合计 unchanged)."""
    from juesuan.budgets.factory import unit_names, units_income

    if len(spec.units) >= MIN_BLOCK_UNITS:
        return
    spec.units = unit_names(spec.department, MIN_BLOCK_UNITS)
    inc = spec.tables["income"]
    tot = next(r for r in inc.rows if r.line_item == "total").values
    fiscal, business, other = (
        yuan_of(tot.get(m, Decimal(0)), inc.unit) for m in ("general_budget", "business", "other")
    )
    new = units_income(spec.units, fiscal, business, other, inc.unit, rng)
    new.note = inc.note
    spec.tables["income"] = new


def unit_blocks(spec: BudgetSpec, seed: int = 0, *, head: str = "department") -> None:
    """Re-lay `spec`'s 支出总表 and 一般公共预算支出表 as a block per budget unit (深圳), truth included.

    Every 项 is budgeted in one unit or shared by several (at least `MIN_BLOCK_UNITS` units; one without any 项
    prints no block), each unit's share in whole yuan as its own books keep it; each printed figure (a unit's
    row, its 类 / 款 / 项) is its own yuan rounded to the table's unit, so in 万元 a unit's 类 may be 0.01 off the
    sum of its 款 and the units' figures a few 0.01 万元 off the department's, as the real ones are. `head` is what
    precedes the blocks: `department`, the department's row alone (the exact sum of the units, no 合计 row, as
    深圳 does); `department_block`, the department's row followed by its own codes (the exact sums of the units'
    blocks), a block like the units'; `total`, a 合计 row and no department row at all.
    """
    if head not in ("department", "department_block", "total"):
        raise ValueError(f"unknown head of the unit blocks {head!r}")
    rng = random.Random(f"{seed}:unit_blocks:{spec.doc_id}")
    _more_units(spec, rng)
    units = spec.units
    for kind in ("expenditure", "general_budget"):
        table = spec.tables[kind]
        unit = table.unit
        names = {r.subject_code: r.label for r in table.rows if r.subject_code}
        codes = set(names)
        leaves = {c: r for c, r in ((r.subject_code, r) for r in table.rows if r.subject_code) if c}
        per_unit: dict[str, dict[str, dict[str, Decimal]]] = {u: {} for u in units}
        for code, row in sorted(leaves.items()):
            if any(c != code and c.startswith(code) for c in codes):
                continue  # a parent: summed from the leaves of each block
            yuan = {m: yuan_of(row.values.get(m, Decimal(0)), unit) for m in ("basic", "project")}
            holders = _holders(units, rng)
            weights = [Decimal(rng.randint(20, 100)) for _ in holders]
            parts = {m: _split_yuan(v, weights) for m, v in yuan.items()}
            for i, u in enumerate(holders):
                vals = {m: parts[m][i] for m in yuan}
                if any(vals.values()):
                    per_unit[u][code] = {**vals, "total": vals["basic"] + vals["project"]}
        blocks = SpecTable(kind=kind, unit=unit, note=table.note)
        whole = {m: sum((v[m] for b in per_unit.values() for v in b.values()), Decimal(0)) for m in _SPLIT}
        label = spec.department
        if head == "total":
            blocks.rows.append(SpecRow(label="合计", line_item="total", values=_in(whole, unit)))
        else:
            blocks.rows.append(SpecRow(label=label, line_item=f"unit:{label}", values=_in(whole, unit)))
        if head == "department_block":
            summed: dict[str, dict[str, Decimal]] = {}
            for code, vals in ((c, v) for b in per_unit.values() for c, v in b.items()):
                node = summed.setdefault(code, dict.fromkeys(_SPLIT, Decimal(0)))
                for m in _SPLIT:
                    node[m] += vals[m]
            for code, vals in _tree(summed, _SPLIT):
                blocks.rows.append(
                    SpecRow(
                        label=names.get(code, code),
                        subject_code=code,
                        line_item=f"unit:{label}",
                        values=_in(vals, unit),
                    )
                )
        for u in (u for u in units if per_unit[u]):
            own = {m: sum((v[m] for v in per_unit[u].values()), Decimal(0)) for m in _SPLIT}
            blocks.rows.append(SpecRow(label=u, line_item=f"unit:{u}", values=_in(own, unit)))
            for code, vals in _tree(per_unit[u], _SPLIT):
                blocks.rows.append(
                    SpecRow(
                        label=names.get(code, code),
                        subject_code=code,
                        line_item=f"unit:{u}",
                        values=_in(vals, unit),
                    )
                )
        spec.tables[kind] = blocks
        spec.grids[kind] = unit_blocks_grid
    _three_public_blocks(spec, rng)


_FUNDS = (
    ("general_budget", "一般公共预算"),
    ("gov_fund", "政府性基金预算"),
    ("state_capital", "国有资本经营预算"),
)
_BLOCK_ITEMS = ("total", "overseas", "reception", "vehicle_total", "vehicle_purchase", "vehicle_operation")


def _three_public_blocks(spec: BudgetSpec, rng: random.Random) -> None:
    """深圳's 财政拨款“三公”经费支出表: a block of three rows (上年, 本年, 增减变化金额) for the department, then
    one per unit (the own office and two institutions); a column per item × fund source (all of it 一般公共预算,
    the other funds printed 0.00). Each unit's items are whole yuan, rounded to 0.01 万元 on their own."""
    tp = spec.tables["three_public"].rows[0].values
    leaves = ("overseas", "reception", "vehicle_purchase", "vehicle_operation")
    chosen = {spec.units[0], *rng.sample(spec.units[1:], min(2, len(spec.units) - 1))}
    holders = [u for u in spec.units if u in chosen]
    blocks: dict[str, dict[str, dict[str, Decimal]]] = {}
    for side in ("prior", "budget"):
        whole = {m: yuan_of(tp.get(f"{side}.{m}", Decimal(0)), "万元") for m in leaves}
        weights = [Decimal(rng.randint(20, 100)) for _ in holders]
        parts = {m: _split_yuan(v, weights) for m, v in whole.items()}
        for name, vals in (
            (spec.department, whole),
            *((u, {m: parts[m][i] for m in leaves}) for i, u in enumerate(holders)),
        ):
            v = dict(vals)
            v["vehicle_total"] = v["vehicle_purchase"] + v["vehicle_operation"]
            v["total"] = v["overseas"] + v["reception"] + v["vehicle_total"]
            blocks.setdefault(name, {})[side] = v
    t = SpecTable(kind="three_public", unit="万元")
    for name, sides in blocks.items():
        sides["change"] = {m: sides["budget"][m] - sides["prior"][m] for m in _BLOCK_ITEMS}
        values = {
            f"{side}.{m}.{fund}": round_unit(
                sides[side][m] if fund == "general_budget" else Decimal(0), "万元"
            )
            for side in ("prior", "budget", "change")
            for m in _BLOCK_ITEMS
            for fund, _ in _FUNDS
        }
        line = "" if name == spec.department else f"unit:{name}"
        t.rows.append(SpecRow(label=name, line_item=line, values=values))
    spec.tables["three_public"] = t
    spec.grids["three_public"] = three_public_blocks_grid


def three_public_blocks_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """预算单位 | 年度 | 总计 · 因公出国(境)费 · 公务接待费 · 公务用车购置及运行维护费 (小计 · 购置费 · 运行维护费), each
    split by fund source; the unit named on the first of its three rows."""
    title = "财政拨款“三公”经费支出表"
    header = [HCell(0, 0, "预算单位", rowspan=3), HCell(0, 1, "年度", rowspan=3)]
    col = 2
    for label in ("总计", "因公出国(境)费", "公务接待费"):
        header.append(HCell(0, col, label, rowspan=2, colspan=3))
        col += 3
    header.append(HCell(0, col, "公务用车购置及运行维护费", colspan=9))
    for j, label in enumerate(("小计", "公务用车购置费", "公务用车运行维护费")):
        header.append(HCell(1, col + 3 * j, label, colspan=3))
    header += [HCell(2, 2 + k, _FUNDS[k % 3][1]) for k in range(18)]
    body: list[list[BCell]] = []
    for row in table.rows:
        for side, year in (
            ("prior", f"{spec.year - 1}年"),
            ("budget", f"{spec.year}年"),
            ("change", "增减变化金额"),
        ):
            vals = [
                BCell(_amount(row.values.get(f"{side}.{m}.{fund}")), align="r")
                for m in _BLOCK_ITEMS
                for fund, _ in _FUNDS
            ]
            body.append([BCell(row.label if side == "prior" else ""), BCell(year), *vals])
    return _grid(spec, table, title, [2.2, 1.0] + [0.75] * 18, header, 3, body, landscape=True)


def _in(vals: dict[str, Decimal], unit: str) -> dict[str, Decimal]:
    return {m: round_unit(vals[m], unit) for m in _SPLIT}


def unit_blocks_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """预算单位 | 科目编码 | 科目名称 | 合计 | 基本支出 | 项目支出: a unit's row names it in the first column only."""
    header = [HCell(0, 0, "预算单位"), HCell(0, 1, "科目编码"), HCell(0, 2, "科目名称")]
    header += [HCell(0, 3 + j, _MEASURE_LABELS[m]) for j, m in enumerate(_SPLIT)]
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [BCell(_amount(row.values.get(m)), align="r") for m in _SPLIT]
        if row.subject_code:
            body.append([BCell(""), BCell(row.subject_code), BCell(row.label), *vals])
        else:
            body.append([BCell(row.label), BCell(""), BCell(""), *vals])
    return _grid(spec, table, title, [3.0, 1.1, 2.6, 1.2, 1.2, 1.2], header, 1, body, landscape=True)


#: 部门预算支出经济分类 class → the 政府预算支出经济分类 class of a 机关 (the summary's third panel)
GOV_CLASS_OF = {"301": "501", "302": "502", "303": "509", "310": "503"}
_NUM = "一二三四五六七八九十"


def multi_panel_summary(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay `spec`'s 收支总表 in four panels (西安): income, expenditure by function class, by 部门预算支出经济分类
    (the 基本支出 classes under 人员经费和公用经费支出, the 项目支出 as 商品和服务支出 under 专项业务经费支出) and by
    政府预算支出经济分类, each headed by 一、部门预算 and closed by its own 本年支出合计 and 支出总计."""
    old = spec.tables["summary"]
    unit = old.unit
    line = {r.line_item: r.values.get("amount", Decimal(0)) for r in old.rows if r.line_item}
    basic_table = spec.tables["basic_expenditure"]
    classes = [r for r in basic_table.rows if r.subject_code and len(r.subject_code) == 3]
    basic = sum((r.values["total"] for r in classes), Decimal(0))
    total = line["expenditure.total"]
    project = total - basic
    t = SpecTable(kind="summary", unit=unit, note=old.note)

    def add(side: str, label: str, key: str, value: Decimal, code: str = "") -> None:
        t.rows.append(
            SpecRow(label=label, subject_code=code, line_item=key, side=side, values={"amount": value})
        )

    add("income", "一、部门预算", "income.department_budget", line["income.total"])
    add("income", "1、财政拨款", "income.fiscal", line["income.general_budget"])
    add("income", "(1)一般公共预算拨款", "income.general_budget", line["income.general_budget"])
    add("income", "2、事业收入", "income.business", line["income.business"])
    add("income", "3、其他收入", "income.other", line["income.other"])
    panels: list[list[tuple[str, str, Decimal, str]]] = [[], [], []]
    panels[0].append(("一、部门预算", "expenditure.department_budget", total, ""))
    for i, r in enumerate(r for r in old.rows if r.subject_code):
        name = r.label.split("、", 1)[-1]
        panels[0].append((f"{i + 1}、{name}", "", r.values["amount"], r.subject_code))
    e, g = "expenditure.economic", "expenditure.gov_economic"
    panels[1].append(("一、部门预算", f"{e}.department_budget", total, ""))
    panels[1].append(("1、人员经费和公用经费支出", f"{e}.basic", basic, ""))
    for i, r in enumerate(classes):
        panels[1].append((f"({i + 1}){r.label}", f"{e}.basic:{r.label}", r.values["total"], ""))
    panels[1].append(("2、专项业务经费支出", f"{e}.project", project, ""))
    panels[1].append(("(1)商品和服务支出", f"{e}.project:商品和服务支出", project, ""))
    gov: dict[str, Decimal] = {}
    for r in classes:
        key = GOV_CLASS_OF.get(r.subject_code, "599")
        gov[key] = gov.get(key, Decimal(0)) + r.values["total"]
    gov["502"] = gov.get("502", Decimal(0)) + project
    panels[2].append(("一、部门预算", f"{g}.department_budget", total, ""))
    for i, (code, value) in enumerate(sorted(gov.items())):
        name = GOV_ECONOMIC_NAMES[code]
        panels[2].append((f"{i + 1}、{name}", f"{g}:{name}", value, ""))
    for side, rows in zip(("expenditure", e, g), panels, strict=True):
        for label, key, value, code in rows:
            add(side, label, key, value, code)
    add("income", "本年收入合计", "income.total", line["income.total"])
    add("income", "上年结转", "income.carryover", line["income.carryover"])
    add("income", "收入总计", "income.grand_total", line["income.grand_total"])
    for side in ("expenditure", e, g):
        add(side, "本年支出合计", f"{side}.total", total)
        add(side, "结转下年", f"{side}.carry_forward", line["expenditure.carry_forward"])
        add(side, "支出总计", f"{side}.grand_total", line["expenditure.grand_total"])
    spec.tables["summary"] = t
    spec.grids["summary"] = multi_panel_grid


def multi_panel_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """收入 (项目 | 预算数) beside 支出 in three panels, each a 科目（按大类） | 预算数 pair; the totals close each panel
    on the last lines, the other lines fill from the top."""
    sides = ("income", "expenditure", "expenditure.economic", "expenditure.gov_economic")
    heads = (
        "项目",
        "支出功能分类科目（按大类）",
        "部门预算支出经济分类科目（按大类）",
        "政府预算支出经济分类科目（按大类）",
    )
    foot = ("total", "carry_forward", "grand_total", "carryover")
    header = [HCell(0, 0, "收入", colspan=2), HCell(0, 2, "支出", colspan=6)]
    for i, head in enumerate(heads):
        header += [HCell(1, 2 * i, head), HCell(1, 2 * i + 1, "预算数")]
    columns = []
    for side in sides:
        rows = [r for r in table.rows if r.side == side]
        body = [r for r in rows if r.line_item.rsplit(".", 1)[-1] not in foot]
        columns.append((body, [r for r in rows if r.line_item.rsplit(".", 1)[-1] in foot]))
    n = max(len(b) for b, _ in columns)
    grid_body: list[list[BCell]] = []
    for i in range(n + 3):
        cells: list[BCell] = []
        for body, tail in columns:
            r = body[i] if i < len(body) else tail[i - n] if n <= i < n + len(tail) else None
            cells += [
                BCell(r.label if r else ""),
                BCell(_amount(r.values.get("amount")) if r else "", align="r"),
            ]
        grid_body.append(cells)
    return _grid(spec, table, title, [2.4, 1.3] * 4, header, 2, grid_body, landscape=True)


_THREE_LEAVES = ("overseas", "reception", "vehicle_purchase", "vehicle_operation", "meeting", "training")
_THREE_COLS = (
    "total_all",
    "total",
    "overseas",
    "reception",
    "vehicle_total",
    "vehicle_purchase",
    "vehicle_operation",
    "meeting",
    "training",
)


def _three_sums(v: dict[str, Decimal]) -> dict[str, Decimal]:
    v = dict(v)
    v["vehicle_total"] = v["vehicle_purchase"] + v["vehicle_operation"]
    v["total"] = v["overseas"] + v["reception"] + v["vehicle_total"]
    v["total_all"] = v["total"] + v["meeting"] + v["training"]
    return v


def unit_codes(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay `spec` the way 西安 prints its per-unit tables (unit codes, the department's group row), truth included."""
    rng = random.Random(f"{seed}:unit_codes:{spec.doc_id}")
    dept_code = "1" + str(rng.randrange(10, 99))
    coded = [(f"{dept_code}{i + 1:03d}", u) for i, u in enumerate(spec.units)]
    group = f"unit_group:{dept_code}{spec.department}"
    # 收入总表 and the 支出总表 by fund source: the same sources, a row per unit
    inc = spec.tables["income"]
    by_unit = {r.label: r.values for r in inc.rows if r.line_item.startswith("unit:")}
    tot = next(r.values for r in inc.rows if r.line_item == "total")
    for kind, prefix in (("income", ""), ("expenditure", "fund.")):
        t = SpecTable(kind=kind, unit=inc.unit)

        def keyed(vals: dict[str, Decimal], prefix: str = prefix) -> dict[str, Decimal]:
            return {(m if m == "total" else prefix + m): v for m, v in vals.items()}

        t.rows.append(SpecRow(label="合计", line_item="total", values=keyed(tot)))
        t.rows.append(SpecRow(label=f"{dept_code}{spec.department}", line_item=group, values=keyed(tot)))
        for code, name in coded:
            t.rows.append(
                SpecRow(label=f"{code}{name}", line_item=f"unit:{code}{name}", values=keyed(by_unit[name]))
            )
        spec.tables[kind] = t
        spec.grids[kind] = unit_codes_grid
    # 三公 with 会议费 and 培训费, a row per unit
    tp = spec.tables["three_public"].rows[0].values
    sides: dict[str, dict[str, dict[str, Decimal]]] = {}
    for side in ("prior", "budget"):
        leaves = {m: yuan_of(tp.get(f"{side}.{m}", Decimal(0)), "万元") for m in _THREE_LEAVES[:4]}
        leaves["meeting"] = _to_hundred(Decimal(rng.randrange(20, 200)) * 1000)
        leaves["training"] = _to_hundred(Decimal(rng.randrange(20, 400)) * 1000)
        parts: dict[str, dict[str, Decimal]] = {"": _three_sums(leaves)}
        left = dict(leaves)
        for k, (code, _) in enumerate(coded):  # the first unit most of it, the last what is left
            low, high = (0.5, 0.9) if k == 0 else (0.3, 0.7)
            last = k == len(coded) - 1
            share = left if last else {m: _to_hundred(v * Decimal(str(round(rng.uniform(low, high), 2)))) for m, v in left.items()}  # fmt: skip
            parts[code] = _three_sums(share)
            left = {m: left[m] - share[m] for m in leaves}
        sides[side] = parts
    t = SpecTable(kind="three_public", unit="元")
    for key, label, line in (
        ("", "合计", ""),
        ("", f"{dept_code}{spec.department}", group),
        *((code, f"{code}{name}", f"unit:{code}{name}") for code, name in coded),
    ):
        values: dict[str, Decimal] = {}
        for m in _THREE_COLS:
            p, b = sides["prior"][key][m], sides["budget"][key][m]
            values.update({f"prior.{m}": p, f"budget.{m}": b, f"change.{m}": b - p})
        t.rows.append(
            SpecRow(label=label, line_item=line, values={k: round_unit(v, "元") for k, v in values.items()})
        )
    spec.tables["three_public"] = t
    spec.grids["three_public"] = three_public_units_grid
    # 一般公共预算基本支出 by function code (表7): the general budget's 基本支出, split 人员经费 / 公用经费
    gb = spec.tables["general_budget"]
    leaves_b: dict[str, dict[str, Decimal]] = {}
    codes = {r.subject_code for r in gb.rows if r.subject_code}
    for r in gb.rows:
        code = r.subject_code
        if not code or any(c != code and c.startswith(code) for c in codes):
            continue
        basic = yuan_of(r.values.get("basic", Decimal(0)), gb.unit)
        personnel = _to_hundred(basic * Decimal(str(round(rng.uniform(0.6, 0.95), 2))))
        leaves_b[code] = {"total": basic, "personnel": personnel, "public": basic - personnel}
    names = {r.subject_code: r.label for r in gb.rows if r.subject_code}
    bf = SpecTable(kind="basic_function", unit=gb.unit)
    measures = ("total", "personnel", "public")
    whole = {m: sum((v[m] for v in leaves_b.values()), Decimal(0)) for m in measures}
    bf.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(whole[m], gb.unit) for m in measures})
    )
    for code, vals in _tree(leaves_b, measures):
        bf.rows.append(
            SpecRow(
                label=names.get(code, code),
                subject_code=code,
                values={m: round_unit(vals[m], gb.unit) for m in measures},
            )
        )
    spec.tables["basic_function"] = bf
    spec.grids["basic_function"] = basic_function_grid


_SOURCE_HEAD = {"general_budget": "一般公共预算拨款", "business": "事业收入", "other": "其他收入"}


def unit_codes_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """单位编码 | 单位名称 | 合计 | 一般公共预算拨款 | 事业收入 | 其他收入 under one 部门预算 header."""
    sources = ("general_budget", "business", "other")
    header = [
        HCell(0, 0, "单位编码", rowspan=2),
        HCell(0, 1, "单位名称", rowspan=2),
        HCell(0, 2, "部门预算", colspan=4),
    ]
    header += [HCell(1, 2, "合计")] + [HCell(1, 3 + j, _SOURCE_HEAD[m]) for j, m in enumerate(sources)]
    prefix = "fund." if table.kind == "expenditure" else ""
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [
            BCell(_amount(row.values.get(m if m == "total" else prefix + m)), align="r")
            for m in ("total", *sources)
        ]
        if row.line_item == "total":
            body.append([BCell(""), BCell("合计", align="c"), *vals])
            continue
        code = _lead_code(row.label)
        body.append([BCell(code), BCell(row.label[len(code) :]), *vals])
    return _grid(spec, table, title, [1.0, 3.2] + [1.3] * 4, header, 2, body)


def _lead_code(label: str) -> str:
    return label[: len(label) - len(label.lstrip("0123456789"))]


def three_public_units_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """上年 / 当年 / 增减变化情况, each: 合计 | 一般公共预算拨款安排的“三公”经费预算 (小计, 因公出国（境）费用, 公务接待费,
    公务用车购置及运行维护费: 小计, 购置费, 运行维护费) | 会议费 | 培训费; a row per unit (单位编码 | 单位名称)."""
    title = "部门综合预算一般公共预算拨款“三公”经费及会议费、培训费支出预算表"  # 西安's title names 会议费、培训费
    header = [HCell(0, 0, "单位编码", rowspan=4), HCell(0, 1, "单位名称", rowspan=4)]
    col = 2
    for side in ("上年", "当年", "增减变化情况"):
        header.append(HCell(0, col, side, colspan=9))
        header.append(HCell(1, col, "合计", rowspan=3))
        header.append(HCell(1, col + 1, "一般公共预算拨款安排的“三公”经费预算", colspan=6))
        header += [HCell(2, col + 1, "小计", rowspan=2), HCell(2, col + 2, "因公出国（境）费用", rowspan=2)]
        header += [
            HCell(2, col + 3, "公务接待费", rowspan=2),
            HCell(2, col + 4, "公务用车购置及运行维护费", colspan=3),
        ]
        header += [
            HCell(3, col + 4, "小计"),
            HCell(3, col + 5, "公务用车购置费"),
            HCell(3, col + 6, "公务用车运行维护费"),
        ]
        header += [HCell(1, col + 7, "会议费", rowspan=3), HCell(1, col + 8, "培训费", rowspan=3)]
        col += 9
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [
            BCell(_amount(row.values.get(f"{side}.{m}")), align="r")
            for side in ("prior", "budget", "change")
            for m in _THREE_COLS
        ]
        if not row.line_item:
            body.append([BCell(""), BCell("合计", align="c"), *vals])
            continue
        code = _lead_code(row.label)
        body.append([BCell(code), BCell(row.label[len(code) :]), *vals])
    return _grid(spec, table, title, [0.9, 2.2] + [0.85] * 27, header, 4, body, landscape=True)


def basic_function_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """功能科目编码 | 功能科目名称 | 合计 | 人员经费支出 | 公用经费支出 (西安 表7)."""
    header = [HCell(0, 0, "功能科目编码"), HCell(0, 1, "功能科目名称"), HCell(0, 2, "合计")]
    header += [HCell(0, 3, "人员经费支出"), HCell(0, 4, "公用经费支出")]
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [BCell(_amount(row.values.get(m)), align="r") for m in ("total", "personnel", "public")]
        if row.line_item == "total":
            body.append([BCell("合计", colspan=2, align="c"), *vals])
        else:
            body.append([BCell(row.subject_code), BCell(row.label), *vals])
    return _grid(spec, table, title, [1.2, 3.0, 1.3, 1.3, 1.3], header, 1, body)


_PADDED_TITLES = {
    "appropriation_expenditure": "财政拨款支出预算表（功能科目）",
    "appropriation_basic": "财政拨款基本支出预算表（经济科目）",
    "general_budget": "一般公共预算支出预算表（功能科目）",
    "basic_expenditure": "一般公共预算基本支出预算表（经济科目）",
    "three_public": "“三公”经费、会议费、培训费支出预算表",
    "admin_operation": "一般公共预算机关运行经费支出预算表",
}
#: the amount column's header in each 江苏 2019 coded table
_PADDED_AMOUNT_HEAD = {"basic_expenditure": "基本支出", "admin_operation": "机关运行经费支出"}
#: 合计, the 三公 items in the final accounts' column order, 会议费, 培训费 (江苏 2019's one-row table)
_PADDED_THREE = ("total_all", *THREE_PUBLIC_ITEMS, "meeting", "training")


def _amount_column(table: SpecTable, kind: str, codes: str = "") -> SpecTable:
    """`table` with its 合计 column alone (江苏 2019 prints one 金额 column), keyed as `kind`; with `codes`,
    only the rows of that economic class, its class row as the 合计."""
    out = SpecTable(kind=kind, unit=table.unit)
    for r in table.rows:
        if codes and not r.subject_code.startswith(codes):
            continue
        out.rows.append(
            SpecRow(
                label=r.label,
                subject_code=r.subject_code,
                line_item=r.line_item,
                values={"total": r.values["total"]},
            )
        )
    if codes and out.rows:
        out.rows.insert(0, SpecRow(label="合计", line_item="total", values=dict(out.rows[0].values)))
    return out


#: 政府性基金 spending of `gov_fund_money`: 229 其他支出 / 22960 彩票公益金安排的支出 / 2296002 用于社会福利的彩票公益金支出
FUND_NAMES = {"229": "其他支出", "22960": "彩票公益金安排的支出", "2296002": "用于社会福利的彩票公益金支出"}
#: where the funds' basic expenditure is booked by economic code (the fund tables print it by function code only)
FUND_BASIC_NAMES = {"302": "商品和服务支出", "30201": "办公费"}
_FUND_KINDS = ("gov_fund", "state_capital")


def _add_leaf(table: SpecTable, leaf: str, names: dict[str, str], values: dict[str, Decimal]) -> None:
    """Add `values` to the row of code `leaf` in a coded table (合计 and 类 / 款 / 项 rows, values in its unit), to
    its parents and to the 合计, inserting the rows it lacks in code order."""
    coded = {r.subject_code: r for r in table.rows if r.subject_code}
    for n in range(3, len(leaf) + 1, 2):
        row = coded.setdefault(leaf[:n], SpecRow(label=names[leaf[:n]], subject_code=leaf[:n]))
        for m, v in values.items():
            row.values[m] = row.values.get(m, Decimal(0)) + v
    for row in table.rows:
        if row.line_item == "total" and not row.subject_code:
            for m, v in values.items():
                row.values[m] = row.values.get(m, Decimal(0)) + v
    table.rows = [r for r in table.rows if not r.subject_code] + [coded[c] for c in sorted(coded)]


def _appropriation(spec: BudgetSpec) -> SpecTable:
    """The 财政拨款支出表 by function code: 一般公共预算 + 政府性基金 + 国有资本经营, row by row (合计 column)."""
    gb = spec.tables["general_budget"]
    out = SpecTable(kind=gb.kind, unit=gb.unit)
    out.rows = [
        SpecRow(
            label=r.label,
            subject_code=r.subject_code,
            line_item=r.line_item,
            values={"total": r.values["total"]},
        )
        for r in gb.rows
    ]
    for kind in _FUND_KINDS:
        fund = spec.tables.get(kind)
        codes = {r.subject_code for r in fund.rows if r.subject_code} if fund else set()
        names = {r.subject_code: r.label for r in fund.rows if r.subject_code} if fund else {}
        for r in fund.rows if fund else ():
            if r.subject_code and not any(
                c != r.subject_code and c.startswith(r.subject_code) for c in codes
            ):
                _add_leaf(
                    out,
                    r.subject_code,
                    names,
                    {"total": yuan_of(r.values["total"], fund.unit) / _per(gb.unit)},
                )
    return out


def _per(unit: str) -> Decimal:
    return Decimal(10000) if unit == "万元" else Decimal(1)


def _fund_basic(spec: BudgetSpec, unit: str) -> Decimal:
    """The funds' basic expenditure (their 合计 rows' 基本支出), in `unit`."""
    total = Decimal(0)
    for kind in _FUND_KINDS:
        fund = spec.tables.get(kind)
        for r in fund.rows if fund else ():
            if r.line_item == "total" and not r.subject_code:
                total += yuan_of(r.values.get("basic", Decimal(0)), fund.unit) / _per(unit)
    return total


def _appropriation_basic(spec: BudgetSpec) -> SpecTable:
    """The 财政拨款基本支出表 by economic code: the 一般公共预算基本支出表 plus the funds' basic expenditure, booked on
    30201 办公费 (the fund tables say how much, not on what)."""
    basic = spec.tables["basic_expenditure"]
    out = SpecTable(kind=basic.kind, unit=basic.unit)
    out.rows = [
        SpecRow(
            label=r.label,
            subject_code=r.subject_code,
            line_item=r.line_item,
            values={"total": r.values["total"]},
        )
        for r in basic.rows
    ]
    extra = _fund_basic(spec, basic.unit)
    if extra:
        names = {**FUND_BASIC_NAMES, **{r.subject_code: r.label for r in basic.rows if r.subject_code}}
        _add_leaf(out, "30201", names, {"total": extra})
    return out


def _add_class(table: SpecTable, code: str, name: str, values: dict[str, Decimal]) -> None:
    """Add `values` to a two-sided summary's expenditure line of class `code` (a new line in code order when it has
    none), the class lines numbered 一、二、… again."""
    classes = [r for r in table.rows if r.side == "expenditure" and r.subject_code]
    row = next((r for r in classes if r.subject_code == code), None)
    if row is None:
        row = SpecRow(label=name, subject_code=code, side="expenditure")
        at = next((table.rows.index(r) for r in classes if r.subject_code > code), None)
        if at is None:
            at = table.rows.index(classes[-1]) + 1 if classes else len(table.rows)
        table.rows.insert(at, row)
    for m, v in values.items():
        row.values[m] = row.values.get(m, Decimal(0)) + v
    numbered = [r for r in table.rows if r.side == "expenditure" and r.subject_code]
    for i, r in enumerate(numbered):
        r.label = f"{_CLASS_ORDINALS[i % 10]}、{r.label.split('、', 1)[-1]}"


def _add_line(table: SpecTable, key: str, values: dict[str, Decimal]) -> None:
    for row in table.rows:
        if row.line_item == key:
            for m, v in values.items():
                row.values[m] = row.values.get(m, Decimal(0)) + v


def gov_fund_money(spec: BudgetSpec, seed: int = 0) -> None:
    """Give the department 政府性基金 money (彩票公益金 for social welfare: mostly 项目支出, some 基本支出), printed by
    function code in the 政府性基金预算支出表 and carried, truth included, through every table that adds fund
    sources: the 收支总表 (政府性基金预算拨款收入, the class line, the totals), the 收入总表 (a 政府性基金 column, the
    department's own office), the 支出总表 (the fund's codes) and the 财政拨款收支总表 (its 政府性基金 column). The
    一般公共预算 tables stay as they are; `padded_cells` after it prints 江苏's 财政拨款 tables as their sum."""
    rng = random.Random(f"{seed}:gov_fund_money:{spec.doc_id}")
    unit = spec.tables["expenditure"].unit
    per = _per(unit)
    project = Decimal(rng.randrange(5_000, 40_000)) * HUNDRED / per  # 50 to 400 万元, to the 100 yuan
    basic = Decimal(rng.randrange(500, 4_000)) * HUNDRED / per
    values = {"total": project + basic, "basic": basic, "project": project}
    fund = SpecTable(kind="gov_fund", unit=unit)
    fund.rows.append(SpecRow(label="合计", line_item="total"))
    _add_leaf(fund, "2296002", FUND_NAMES, values)
    spec.tables["gov_fund"] = fund
    _add_leaf(spec.tables["expenditure"], "2296002", FUND_NAMES, values)
    f = values["total"]
    summary = spec.tables["summary"]
    _add_class(summary, "229", FUND_NAMES["229"], {"amount": f})
    for key in (
        "income.gov_fund",
        "income.total",
        "income.grand_total",
        "expenditure.total",
        "expenditure.grand_total",
    ):
        _add_line(summary, key, {"amount": f})
    income = spec.tables["income"]
    own = next(r for r in income.rows if r.line_item.startswith("unit:"))  # the department's own office
    for row in (next(r for r in income.rows if r.line_item == "total"), own):
        row.values["total"] += f
        row.values["gov_fund"] = f
    a = spec.tables["appropriation_summary"]
    _add_class(a, "229", FUND_NAMES["229"], {"total": f, "gov_fund": f})
    for key in ("income.gov_fund", "income.total", "income.grand_total"):
        _add_line(a, key, {"amount": f})
    _add_line(a, "expenditure.grand_total", {"total": f, "gov_fund": f})
    _add_line(a, "expenditure.total", {"total": f, "gov_fund": f})


def padded_cells(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay `spec` the way 江苏 2019 (Excel export) prints its coded tables, truth included: one 金额 column,
    black rules as thin filled bars and a white background rect inset in every cell (edges that are no cell
    boundary), class rows whose amount cell is split by white strips above and below the text; the 财政拨款支出表
    by function and 财政拨款基本支出表 by economic code (财政拨款 = 一般公共预算 + 政府性基金 + 国有资本经营, summed from
    the fund tables: the 一般公共预算 tables again unless `gov_fund_money` gave the department fund money, whose
    basic expenditure is booked on 30201 办公费); the 一般公共预算机关运行经费支出表 (the 302
    商品和服务支出 rows of the basic expenditure: a department of administrative units); and one row of 三公, 会议费
    and 培训费 under a three-level header, amounts centred under header lines drawn on white boxes, the unit
    wrapped as 单位：万 / 元."""
    rng = random.Random(f"{seed}:padded_cells:{spec.doc_id}")
    gb, basic = spec.tables["general_budget"], spec.tables["basic_expenditure"]
    laid = {
        "appropriation_expenditure": _amount_column(_appropriation(spec), "appropriation_expenditure"),
        "appropriation_basic": _amount_column(_appropriation_basic(spec), "appropriation_basic"),
        "general_budget": _amount_column(gb, "general_budget"),
        "basic_expenditure": _amount_column(basic, "basic_expenditure"),
    }
    admin = _amount_column(basic, "admin_operation", codes="302")
    tp = spec.tables["three_public"].rows[0].values
    leaves = {m: tp.get(f"budget.{m}", Decimal(0)) for m in _THREE_LEAVES[:4]}
    leaves["meeting"] = Decimal(rng.randrange(2000, 40000)) / 100
    leaves["training"] = Decimal(rng.randrange(2000, 90000)) / 100
    sums = _three_sums(leaves)
    three = SpecTable(kind="three_public", unit="万元")
    three.rows.append(SpecRow(label="", values={f"budget.{m}": sums[m] for m in _PADDED_THREE if sums[m]}))
    tables: dict[str, SpecTable] = {}
    for kind, table in spec.tables.items():
        if kind in ("general_budget", "basic_expenditure"):
            continue
        tables[kind] = three if kind == "three_public" else table
        if (
            kind == "appropriation_summary"
        ):  # 江苏: the 财政拨款 tables follow their 收支总表, then 一般公共预算
            tables.update(laid)
    if admin.rows:
        tables["admin_operation"] = admin
    spec.tables = tables
    for kind in (*laid, "admin_operation"):
        spec.grids[kind] = padded_coded_grid
    spec.grids["three_public"] = padded_three_public_grid


def unruled_codes(spec: BudgetSpec, seed: int = 0) -> None:
    """`padded_cells`' coded tables printed without any rule: 科目编码 | 科目名称 | 金额 by alignment alone, the code
    header centred right of the short left-aligned codes and the name header right of short names (the columns of
    an unruled table come from where its data lines have words)."""
    padded_cells(spec, seed)
    for kind, draw in list(spec.grids.items()):
        if draw is padded_coded_grid:
            spec.grids[kind] = unruled_coded_grid


def unruled_coded_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    g = padded_coded_grid(spec, table, title)
    g.border_style, g.row_min_height = "none", 16.0
    return g


def padded_coded_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """科目编码 | 科目名称 | 金额 in 江苏 2019's padded cells (class rows and 合计 banded)."""
    economic = table.kind in ("appropriation_basic", "basic_expenditure", "admin_operation")
    head = "科目编码" if economic else "功能科目编码"
    header = [HCell(0, 0, head), HCell(0, 1, head.replace("编码", "名称"))]
    header.append(HCell(0, 2, _PADDED_AMOUNT_HEAD.get(table.kind, "金 额")))
    body: list[list[BCell]] = []
    for row in table.rows:
        amount = BCell(_amount(row.values.get("total")), align="r", band=len(row.subject_code) <= 3)
        if row.line_item == "total":
            body.append([BCell("合计", colspan=2, align="c"), amount])
        else:
            body.append([BCell(row.subject_code), BCell(row.label), amount])
    g = _grid(spec, table, _PADDED_TITLES[table.kind], [1.6, 2.4, 1.8], header, 1, body)
    g.border_style, g.row_min_height = "padded", 24.0
    g.notes = ["注：“科目编码”和“科目名称”为必填项。"]
    return g


def padded_three_public_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """合计 | “三公”经费 {小计, 因公出国（境）费, 公务用车购置及运行维护费 {小计, 购置费, 运行维护费}, 公务接待费} |
    会议费 | 培训费 over one row of centred amounts (江苏 2019)."""
    header = [
        HCell(0, 0, "合计", rowspan=3),
        HCell(0, 1, "“三公”经费", colspan=6),
        HCell(0, 7, "会议费", rowspan=3),
        HCell(0, 8, "培训费", rowspan=3),
        HCell(1, 1, "小计", rowspan=2),
        HCell(1, 2, "因公出国（境）费", rowspan=2),
        HCell(1, 3, "公务用车购置及运行维护费", colspan=3),
        HCell(1, 6, "公务接待费", rowspan=2),
        HCell(2, 3, "小计"),
        HCell(2, 4, "公务用车购置费"),
        HCell(2, 5, "公务用车运行维护费"),
    ]
    values = table.rows[0].values
    body = [[BCell(_amount(values.get(f"budget.{m}")), align="c") for m in _PADDED_THREE]]
    widths = [
        1.2,
        1.0,
        1.15,
        1.0,
        1.15,
        1.15,
        1.0,
        1.0,
        1.0,
    ]  # 因公出国（境） / 费: a one-character last line
    g = _grid(spec, table, _PADDED_TITLES["three_public"], widths, header, 3, body)
    g.border_style, g.header_font_size, g.row_min_height = "padded", 9.0, 30.0
    g.unit_line = "单位：万\n元"
    return g


def split_basic(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay the 一般公共预算支出表 as 西安 prints it: 基本支出 only in its two parts, 人员经费 and 公用经费 (no
    基本支出 column), beside 合计 and 项目支出; each 项's 基本支出 split between the two, parents summed, truth included.
    """
    rng = random.Random(f"{seed}:split_basic:{spec.doc_id}")
    table = spec.tables["general_budget"]
    unit = table.unit
    names = {r.subject_code: r.label for r in table.rows if r.subject_code}
    codes = set(names)
    leaves: dict[str, dict[str, Decimal]] = {}
    for row in table.rows:
        code = row.subject_code
        if not code or any(c != code and c.startswith(code) for c in codes):
            continue
        basic = yuan_of(row.values.get("basic", Decimal(0)), unit)
        personnel = _to_hundred(basic * Decimal(str(round(rng.uniform(0.5, 0.95), 2))))
        leaves[code] = {
            "total": yuan_of(row.values.get("total", Decimal(0)), unit),
            "basic.personnel": personnel,
            "basic.public": basic - personnel,
            "project": yuan_of(row.values.get("project", Decimal(0)), unit),
        }
    measures = ("total", "basic.personnel", "basic.public", "project")
    out = SpecTable(kind="general_budget", unit=unit, note=table.note)
    whole = {m: sum((v[m] for v in leaves.values()), Decimal(0)) for m in measures}
    out.rows.append(
        SpecRow(label="合计", line_item="total", values={m: round_unit(whole[m], unit) for m in measures})
    )
    for code, vals in _tree(leaves, measures):
        out.rows.append(
            SpecRow(
                label=names.get(code, code),
                subject_code=code,
                values={m: round_unit(vals[m], unit) for m in measures},
            )
        )
    spec.tables["general_budget"] = out
    spec.grids["general_budget"] = split_basic_grid


def split_basic_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """功能科目编码 | 功能科目名称 | 合计 | 基本支出 (人员经费 · 公用经费) | 项目支出 (西安 表5)."""
    header = [HCell(0, 0, "功能科目编码", rowspan=2), HCell(0, 1, "功能科目名称", rowspan=2)]
    header += [
        HCell(0, 2, "合计", rowspan=2),
        HCell(0, 3, "基本支出", colspan=2),
        HCell(0, 5, "项目支出", rowspan=2),
    ]
    header += [HCell(1, 3, "人员经费"), HCell(1, 4, "公用经费")]
    body: list[list[BCell]] = []
    for row in table.rows:
        vals = [
            BCell(_amount(row.values.get(m)), align="r")
            for m in ("total", "basic.personnel", "basic.public", "project")
        ]
        if row.line_item == "total":
            body.append([BCell("合计", colspan=2, align="c"), *vals])
        else:
            body.append([BCell(row.subject_code), BCell(row.label), *vals])
    return _grid(spec, table, title, [1.2, 3.0, 1.3, 1.3, 1.3, 1.3], header, 2, body)


#: layout family → the function re-laying a factory budget in it

# ---- 江苏 2019: panels with the expenditure by use, a tree of fund sources, a one-row 支出预算总表 ----------------

#: The 21 function classes of the 2019 classification, in the order 江苏's 收支预算总表 lists them (every class
#: printed, an amount only beside the department's own).
CLASSES_2019 = (
    ("201", "一般公共服务支出"),
    ("202", "外交支出"),
    ("203", "国防支出"),
    ("204", "公共安全支出"),
    ("205", "教育支出"),
    ("206", "科学技术支出"),
    ("207", "文化旅游体育与传媒支出"),
    ("208", "社会保障和就业支出"),
    ("210", "卫生健康支出"),
    ("211", "节能环保支出"),
    ("212", "城乡社区支出"),
    ("213", "农林水支出"),
    ("214", "交通运输支出"),
    ("215", "资源勘探信息等支出"),
    ("216", "商业服务业等支出"),
    ("217", "金融支出"),
    ("220", "自然资源海洋气象等支出"),
    ("221", "住房保障支出"),
    ("222", "粮油物资储备支出"),
    ("224", "灾害防治及应急管理支出"),
    ("229", "其他支出"),
)
_CN = "零一二三四五六七八九"
#: 江苏 2019's drawing: white boxes inset in every cell (their edges cut each row in three), amounts printed low
_INSET, _ROW_H = 4.5, 21.0


def _cn(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN[n]
    tens, ones = divmod(n, 10)
    return f"{_CN[tens] if tens > 1 else ''}十{_CN[ones] if ones else ''}"


def _uses(spec: BudgetSpec) -> dict[str, Decimal]:
    """The 支出总表's 合计 by use in its unit: 基本支出, 项目支出 and the share of the project budget a unit keeps
    as 单位预留机动经费 (江苏 2019: 基本 + 项目 + 预留 = 合计)."""
    total = next(r for r in spec.tables["expenditure"].rows if r.line_item == "total").values
    if "reserve" in total:
        return dict(total)
    reserve = (total["project"] * Decimal("0.3")).quantize(Decimal("0.01"))
    return {
        "total": total["total"],
        "basic": total["basic"],
        "project": total["project"] - reserve,
        "reserve": reserve,
    }


def _jiangsu_grid(grid: Grid) -> Grid:
    grid.inset_backgrounds, grid.numbers_low = _INSET, True
    grid.row_min_height = max(grid.row_min_height, _ROW_H)
    grid.border_style = "bars"
    return grid


def panels_with_use(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay the 收支总表 as 江苏 2019's 收支预算总表: 收入 (一、财政拨款 1.一般公共预算 …) beside 支出 in two panels,
    by 功能分类 (all 21 classes, amounts beside the department's) and by 支出用途 (一、基本支出 / 二、项目支出 /
    三、单位预留机动经费), closed by 当年收入小计 / 当年支出小计, 上年结转资金 / 结转下年资金, 收入合计 / 支出合计."""
    old = spec.tables["summary"]
    line = {r.line_item: r.values.get("amount", Decimal(0)) for r in old.rows if r.line_item}
    amounts = {r.subject_code: r.values.get("amount", Decimal(0)) for r in old.rows if r.subject_code}
    names = {r.subject_code: r.label.split("、", 1)[-1] for r in old.rows if r.subject_code}
    uses = _uses(spec)
    t = SpecTable(kind="summary", unit=old.unit, note=old.note)

    def add(side: str, label: str, key: str, value: Decimal | None, code: str = "") -> None:
        values = {"amount": value} if value else {}
        t.rows.append(SpecRow(label=label, subject_code=code, line_item=key, side=side, values=values))

    gb = line["income.general_budget"]
    add("income", "一、财政拨款", "income.fiscal", gb + line.get("income.gov_fund", Decimal(0)))
    add("income", "1.一般公共预算", "income.general_budget", gb)
    add("income", "2.政府性基金预算", "income.gov_fund", line.get("income.gov_fund"))
    add("income", "二、财政专户管理资金", "income.fiscal_special", None)
    other = line.get("income.business", Decimal(0)) + line.get("income.other", Decimal(0))
    add("income", "三、其他资金", "income.other_funds", other)
    listed = dict(CLASSES_2019)
    codes = [c for c, _ in CLASSES_2019] + sorted(c for c in amounts if c not in listed)
    for i, code in enumerate(codes, start=1):
        name = names.get(code) or listed[code]
        add("expenditure", f"{_cn(i)}、{name}", "", amounts.get(code), code)
    add("expenditure.use", "一、基本支出", "expenditure.basic", uses["basic"])
    add("expenditure.use", "二、项目支出", "expenditure.project", uses["project"])
    add("expenditure.use", "三、单位预留机动经费", "expenditure.reserve", uses["reserve"])
    for il, ik, el, ek in (
        ("当年收入小计", "income.total", "当年支出小计", "expenditure.total"),
        ("上年结转资金", "income.carryover", "结转下年资金", "expenditure.carry_forward"),
        ("收入合计", "income.grand_total", "支出合计", "expenditure.grand_total"),
    ):
        add("income", il, ik, line.get(ik))
        add("expenditure.foot", el, ek, line.get(ek))
    spec.tables["summary"] = t
    spec.grids["summary"] = panels_with_use_grid


def panels_with_use_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """收入 (项目名称 | 金额) | 支出: 功能分类 (功能科目名称 | 金额) and 支出用途 (项目名称 | 金额); the three closing
    lines span the 支出 panels' label columns, their amounts under 支出用途's 金额."""
    header = [HCell(0, 0, "收入", colspan=2), HCell(0, 2, "支出", colspan=4)]
    header += [HCell(1, 0, "项目名称", rowspan=2), HCell(1, 1, "金额", rowspan=2)]
    # as 江苏 draws it: 功能分类 over the name column alone, 支出用途 over the 功能分类 金额 column too
    header += [HCell(1, 2, "功能分类"), HCell(1, 3, "支出用途", colspan=3)]
    header += [HCell(2, 2, "功能科目名称"), HCell(2, 3, "金额"), HCell(2, 4, "项目名称"), HCell(2, 5, "金额")]

    def pair(row: SpecRow | None) -> list[BCell]:
        if row is None:
            return [BCell(""), BCell("")]
        return [BCell(row.label), BCell(_amount(row.values.get("amount")), align="r")]

    foot_keys = ("income.total", "income.carryover", "income.grand_total")
    income = [r for r in table.rows if r.side == "income" and r.line_item not in foot_keys]
    income_foot = [r for r in table.rows if r.side == "income" and r.line_item in foot_keys]
    classes = [r for r in table.rows if r.side == "expenditure"]
    uses = [r for r in table.rows if r.side == "expenditure.use"]
    foot = [r for r in table.rows if r.side == "expenditure.foot"]
    body: list[list[BCell]] = []
    for i in range(max(len(income), len(classes), len(uses))):
        cols = [income, classes, uses]
        body.append([c for rows in cols for c in pair(rows[i] if i < len(rows) else None)])
    for a, b in zip(income_foot, foot, strict=True):
        body.append([*pair(a), BCell(b.label, colspan=3, align="c"), pair(b)[1]])
    grid = _grid(spec, table, title, [2.0, 1.25, 2.0, 1.25, 2.2, 1.25], header, 3, body)
    return _jiangsu_grid(grid)


def appropriation_with_use(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay the 财政拨款收支总表 as 江苏 2019's 财政拨款收支预算总表: 收入 (一、一般公共预算, 二、政府性基金预算) beside
    支出 by 支出用途 (一、基本支出, 二、项目支出, 三、单位预留机动经费), closed by 收入合计 / 支出合计. The uses are the
    财政拨款's: basic = the 一般公共预算's + the funds' basic expenditure, the project expenditure less the share the
    units keep as 单位预留机动经费. Run before `padded_cells` (which reduces the 一般公共预算支出表 to its 合计 column)."""
    old = spec.tables["appropriation_summary"]
    split = ("total", "basic", "project")
    sums = dict.fromkeys(split, Decimal(0))
    funds: dict[str, Decimal] = {}
    for kind in ("general_budget", *_FUND_KINDS):
        table = spec.tables.get(kind)
        total = next((r for r in table.rows if r.line_item == "total"), None) if table else None
        if total is None:
            continue
        for m in split:
            sums[m] += yuan_of(total.values.get(m, Decimal(0)), table.unit) / _per(old.unit)
        funds[kind] = yuan_of(total.values.get("total", Decimal(0)), table.unit) / _per(old.unit)
    reserve = (sums["project"] * Decimal("0.3")).quantize(Decimal("0.01"))
    t = SpecTable(kind="appropriation_summary", unit=old.unit, note=old.note)

    def add(side: str, label: str, key: str, value: Decimal | None) -> None:
        t.rows.append(
            SpecRow(label=label, line_item=key, side=side, values={"amount": value} if value else {})
        )

    add("income", "一、一般公共预算", "income.general_budget", funds.get("general_budget"))
    add("income", "二、政府性基金预算", "income.gov_fund", funds.get("gov_fund"))
    if funds.get("state_capital"):
        add("income", "三、国有资本经营预算", "income.state_capital", funds["state_capital"])
    add("expenditure.use", "一、基本支出", "expenditure.basic", sums["basic"])
    add("expenditure.use", "二、项目支出", "expenditure.project", sums["project"] - reserve)
    add("expenditure.use", "三、单位预留机动经费", "expenditure.reserve", reserve)
    add("income.foot", "收入合计", "income.total", sums["total"])
    add("expenditure.foot", "支出合计", "expenditure.total", sums["total"])
    spec.tables["appropriation_summary"] = t
    spec.grids["appropriation_summary"] = appropriation_with_use_grid


def appropriation_with_use_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """收入 (项目名称 | 金额) | 支出 · 支出用途 (项目名称 | 金额), the 合计 lines side by side at the bottom."""
    header = [HCell(0, 0, "收入", colspan=2), HCell(0, 2, "支出", colspan=2)]
    header += [
        HCell(1, 0, "项目名称", rowspan=2),
        HCell(1, 1, "金额", rowspan=2),
        HCell(1, 2, "支出用途", colspan=2),
    ]
    header += [HCell(2, 2, "项目名称"), HCell(2, 3, "金额")]

    def pair(row: SpecRow | None) -> list[BCell]:
        if row is None:
            return [BCell(""), BCell("")]
        return [BCell(row.label), BCell(_amount(row.values.get("amount")), align="r")]

    income = [r for r in table.rows if r.side == "income"]
    uses = [r for r in table.rows if r.side == "expenditure.use"]
    body = [
        [*pair(income[i] if i < len(income) else None), *pair(uses[i] if i < len(uses) else None)]
        for i in range(max(len(income), len(uses)))
    ]
    foot = {r.side: r for r in table.rows if r.side.endswith(".foot")}
    body.append([*pair(foot["income.foot"]), *pair(foot["expenditure.foot"])])
    return _jiangsu_grid(_grid(spec, table, title, [2.4, 1.4, 2.6, 1.4], header, 3, body))


#: The fund sources of 江苏 2019's 收入预算总表: (group, its rows as (label, measure)), the group's 小计 first.
FUND_TREE = (
    (
        "一般公共预算资金",
        (
            ("小计", "general_budget"),
            ("公共财政拨款（补助）资金", "general_budget.appropriation"),
            ("专项收入", "general_budget.special_income"),
        ),
    ),
    ("政府性基金", (("小计", "gov_fund"),)),
    (
        "财政专户管理资金",
        (
            ("小计", "fiscal_special"),
            ("专户管理教育收费", "fiscal_special.education_fees"),
            ("其他非税收入", "fiscal_special.other_non_tax"),
        ),
    ),
    (
        "其他资金",
        (
            ("小计", "other_funds"),
            ("事业收入", "business"),
            ("经营收入", "operating"),
            ("其他收入", "other"),
            ("债务资金（银行贷款）", "debt"),
        ),
    ),
    ("上年结转和结余资金", (("小计", "carryover"), ("其中：动用上年结转和结余资金", "carryover.used"))),
)


def fund_tree(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay the 收入总表 as 江苏 2019's 收入预算总表: one 金额 column, a row per fund source under its group (the
    group's name in a cell merged down its rows), read into the 合计 row with a measure per fund source."""
    old = spec.tables["income"]
    tot = next(r for r in old.rows if r.line_item == "total").values
    gb = tot.get("general_budget", Decimal(0))
    values = {
        "total": tot["total"],
        "general_budget": gb,
        "general_budget.appropriation": gb,
        "gov_fund": tot.get("gov_fund", Decimal(0)),
        "other_funds": tot.get("business", Decimal(0)) + tot.get("other", Decimal(0)),
        "business": tot.get("business", Decimal(0)),
        "other": tot.get("other", Decimal(0)),
    }
    row = SpecRow(label="收入总计", line_item="total", values={k: v for k, v in values.items() if v})
    spec.tables["income"] = SpecTable(kind="income", unit=old.unit, rows=[row], note=old.note)
    spec.grids["income"] = fund_tree_grid


def fund_tree_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """项目名称 (group | item) | 金额: 收入总计 first, then each group's 小计 and items, the group's name merged down."""
    values = table.rows[0].values
    header = [HCell(0, 0, "项目名称", colspan=2), HCell(0, 2, "金额")]
    body = [[BCell("收入总计", colspan=2, align="c"), BCell(_amount(values.get("total")), align="r")]]
    for group, items in FUND_TREE:
        n = len(items)
        for i, (label, key) in enumerate(items):
            merge = "" if n == 1 else "first" if i == 0 else "last" if i == n - 1 else "mid"
            lead = BCell(group if i == 0 else "", align="c", vmerge=merge)
            body.append([lead, BCell(label), BCell(_amount(values.get(key)), align="r")])
    return _jiangsu_grid(_grid(spec, table, title, [2.0, 3.6, 1.6], header, 1, body))


def single_row_totals(spec: BudgetSpec, seed: int = 0) -> None:
    """Re-lay the 支出总表 as 江苏 2019's 支出预算总表: a header of 合计 / 基本支出 / 项目支出 / 单位预留机动经费 /
    结转下年资金 over one row of amounts, no label column: the table's total."""
    old = spec.tables["expenditure"]
    uses = _uses(spec)
    row = SpecRow(label="", line_item="total", values={k: v for k, v in uses.items() if v})
    spec.tables["expenditure"] = SpecTable(kind="expenditure", unit=old.unit, rows=[row], note=old.note)
    spec.grids["expenditure"] = single_row_totals_grid


def single_row_totals_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    heads = (
        ("total", "合计"),
        ("basic", "基本支出"),
        ("project", "项目支出"),
        ("reserve", "单位预留机动经费"),
    )
    heads += (("carry_forward", "结转下年资金"),)
    header = [HCell(0, i, label) for i, (_, label) in enumerate(heads)]
    values = table.rows[0].values
    body = [[BCell(_amount(values.get(key)), align="r") for key, _ in heads]]
    grid = _grid(spec, table, title, [1.0] * len(heads), header, 1, body)
    grid.row_min_height = 30.0
    return _jiangsu_grid(grid)


LAYOUTS = {
    "annotated_economic": annotated_economic,
    "annotated_economic_unique": annotated_economic_unique,
    "unit_codes": unit_codes,
    "crossed_economic": crossed_economic,
    "fund_tree": fund_tree,
    "gov_fund_money": gov_fund_money,
    "appropriation_with_use": appropriation_with_use,
    "multi_panel_summary": multi_panel_summary,
    "padded_cells": padded_cells,
    "panels_with_use": panels_with_use,
    "single_row_totals": single_row_totals,
    "unit_blocks": unit_blocks,
    "unruled_codes": unruled_codes,
    "split_basic": split_basic,
    "unit_blocks_department_block": lambda spec, seed=0: unit_blocks(spec, seed, head="department_block"),
    "unit_blocks_total": lambda spec, seed=0: unit_blocks(spec, seed, head="total"),
}

__all__ = [
    "LAYOUTS",
    "annotated_economic",
    "annotated_economic_unique",
    "appropriation_with_use",
    "appropriation_with_use_grid",
    "crossed_economic",
    "crossed_economic_grid",
    "fund_tree",
    "fund_tree_grid",
    "gov_fund_money",
    "multi_panel_grid",
    "multi_panel_summary",
    "padded_cells",
    "panels_with_use",
    "panels_with_use_grid",
    "single_row_totals",
    "single_row_totals_grid",
    "split_basic",
    "unit_blocks",
    "unit_blocks_grid",
    "unruled_codes",
]
