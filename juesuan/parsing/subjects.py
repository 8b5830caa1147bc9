"""Function-classification 类 names → codes, for rows printed by name only (summary tables).

The summary tables print expenditure classes as "一、一般公共服务支出" without a code. The code is the key, so
the name is resolved first against the codes the same report prints in its coded tables, then against this
list of 类 names (current and older names: 210 was 医疗卫生与计划生育支出, 207 文化体育与传媒支出).
"""

from __future__ import annotations

import re

FUNCTION_CLASSES: dict[str, str] = {
    "一般公共服务支出": "201",
    "外交支出": "202",
    "国防支出": "203",
    "公共安全支出": "204",
    "教育支出": "205",
    "科学技术支出": "206",
    "文化旅游体育与传媒支出": "207",
    "文化体育与传媒支出": "207",
    "社会保障和就业支出": "208",
    "社会保险基金支出": "209",
    "卫生健康支出": "210",
    "医疗卫生与计划生育支出": "210",
    "医疗卫生支出": "210",
    "节能环保支出": "211",
    "城乡社区支出": "212",
    "城乡社区事务支出": "212",
    "农林水支出": "213",
    "农林水事务支出": "213",
    "交通运输支出": "214",
    "资源勘探工业信息等支出": "215",
    "资源勘探信息等支出": "215",
    "资源勘探电力信息等支出": "215",
    "商业服务业等支出": "216",
    "金融支出": "217",
    "金融监管等事务支出": "217",
    "援助其他地区支出": "219",
    "自然资源海洋气象等支出": "220",
    "国土海洋气象等支出": "220",
    "住房保障支出": "221",
    "粮油物资储备支出": "222",
    "粮油物资储备管理等事务": "222",
    "国有资本经营预算支出": "223",
    "灾害防治及应急管理支出": "224",
    "预备费": "227",
    "其他支出": "229",
    "转移性支出": "230",
    "债务还本支出": "231",
    "债务付息支出": "232",
    "债务发行费用支出": "233",
    "抗疫特别国债安排的支出": "234",
}

_ORDINAL = re.compile(r"^(?:[（(]?[一二三四五六七八九十百]+[）)、.．]|[（(]?\d+[）)、.．])+")


def strip_ordinal(label: str) -> str:
    """'一、一般公共服务支出' → '一般公共服务支出'; '（一）…' and '1.…' likewise."""
    return _ORDINAL.sub("", label)


def class_code(label: str, learned: dict[str, str] | None = None) -> str | None:
    """The 3-digit function class code of a label printed by name, or None."""
    name = strip_ordinal(label)
    if learned and name in learned:
        return learned[name]
    return FUNCTION_CLASSES.get(name)
