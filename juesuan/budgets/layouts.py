"""Budget layout families seen in real budgets, imitated by the factory with exact truth.

Each function takes a factory `BudgetSpec` (drawn from a final account's books, every identity exact) and
re-lays one of its tables the way a family of real budgets prints it, keeping the truth in step, so the parser's
handling of that layout stays covered without the real file:

- `crossed_economic`: the 一般公共预算基本支出表 as 部门经济分类 × 政府经济分类 (烟台: a row per pair of codes, 301
  工资福利支出 once under 501 机关工资福利支出 and again under 505 对事业单位经常性补助).
"""

from __future__ import annotations

import random
from decimal import Decimal

from juesuan.budgets.factory import BudgetSpec, _grid, _to_hundred
from juesuan.budgets.vocabulary import CROSS_KEY
from juesuan.factory.render import BCell, Grid, HCell
from juesuan.factory.spec import SpecRow, SpecTable, format_amount, round_unit, yuan_of

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


def crossed_economic_grid(spec: BudgetSpec, table: SpecTable, title: str) -> Grid:
    """Two code + name groups before the amounts; codes split 类 | 款 in the excel style, whole in the word one."""
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
        gov = (row.line_item or "").split(":", 1)[1]
        lead: list[BCell] = []
        for code, name in ((row.subject_code or "", row.label), (gov, GOV_ECONOMIC_NAMES.get(gov, gov))):
            if split:
                lead += [BCell(code[:3], align="c"), BCell(code[3:5], align="c")]
            else:
                lead.append(BCell(code))
            lead.append(BCell(name))
        body.append([*lead, *vals])
    widths = ([0.5, 0.5, 2.4] if split else [1.0, 2.4]) * 2 + [1.1] * 3
    return _grid(spec, table, title, widths, header, 2, body, landscape=True)


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format_amount(value, thousands=True)


#: layout family → the function re-laying a factory budget in it
LAYOUTS = {"crossed_economic": crossed_economic}

__all__ = ["LAYOUTS", "crossed_economic", "crossed_economic_grid"]
