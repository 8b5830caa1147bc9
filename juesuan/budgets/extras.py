"""Budget extras read where they hold amounts by subject code, dropped (and noted) where they list items.

政府采购预算表 comes two ways: by function code with the fund sources as columns (烟台 公开表12: 类 | 款 | 项 | 合计 |
财政拨款 …), which is a coded table like the family's and is read as `procurement`; or by purchase item (江苏 采购品目
/ 采购物品名称, 西安 采购项目 / 采购目录 / 规格型号 with a code repeated on every item), which has no cell of the star to
go to. The second kind is dropped after the tables are located; `juesuan.budgets.parse.extras_report` notes it.
"""

from __future__ import annotations

import re

from juesuan.parsing.grid import Grid
from juesuan.parsing.tables import Found, _row_texts

#: Header words of a table listing purchases or projects by item rather than amounts by code.
_BY_ITEM = re.compile(r"采购项目|采购目录|采购品目|采购物品|品目|规格|采购组织形式|项目名称|购买服务内容")
_CODED = re.compile(r"科目编码|功能分类|^类$|^款$|^项$")
#: Extras that are read only when coded.
CODED_EXTRAS = ("procurement",)


def _header_texts(g: Grid, rows: int = 5) -> list[str]:
    return [re.sub(r"\s+", "", t) for r in range(min(rows, g.nrows)) for _, t in _row_texts(g, r) if t]


def by_code(f: Found) -> bool:
    """The table's header names a code column and no item column."""
    if not f.grids:
        return True  # printed empty with a note: nothing to lose
    texts = _header_texts(f.grids[0])
    return any(_CODED.search(t) for t in texts) and not any(_BY_ITEM.search(t) for t in texts)


def coded_extras_only(found: list[Found]) -> list[Found]:
    """Drop the extras located as tables that list items, not amounts by code (they are noted instead)."""
    return [f for f in found if f.kind not in CODED_EXTRAS or by_code(f)]


__all__ = ["CODED_EXTRAS", "by_code", "coded_extras_only"]
