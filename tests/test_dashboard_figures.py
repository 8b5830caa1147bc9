"""`pages.bar_with_table`, the one figure block of every dashboard page, without a server or a browser: the chart
plots floats while the table and its CSV keep the exact decimals, in the order chart, captions, table."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import altair as alt
import pandas as pd
import pytest
from starlette.requests import Request

from juesuan.dashboard.pages import bar_with_table
from juesuan.dashboard.web import CsvRequested, Page


def _page(query: str = "") -> Page:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/x",
            "query_string": query.encode(),
            "headers": [(b"host", b"127.0.0.1:8501")],
        }
    )
    return Page(None, request, None, "/x")  # type: ignore[arg-type]  # a figure reads neither app nor reader


TABLE = pd.DataFrame(
    {
        "name": ["甲", "乙", "丙"],
        "amount": [Decimal("12345.675"), Decimal("0.10"), None],
        "source": ["/source?sha=a", "", None],
    }
)


def _draw(p: Page, **extra: object) -> None:
    bar_with_table(
        p,
        TABLE,
        {"name": "名称", "amount": "金额（万元）", "source": "原文"},
        key="fig",
        file_name="figure",
        links={"source": "查看原文"},
        numbers=["amount"],
        y=alt.Y("name:N"),
        x=alt.X("amount:Q"),
        **extra,  # type: ignore[arg-type]
    )


def _spec(part: str) -> dict:
    return json.loads(re.search(r'<script type="application/json"[^>]*>(.*)</script>', part, re.S).group(1))  # type: ignore[union-attr]


def _plotted(spec: dict) -> list[dict]:
    """The rows the chart draws (Altair names its inline data set)."""
    return spec["datasets"][spec["data"]["name"]]


def test_chart_then_captions_then_the_table_with_exact_decimals() -> None:
    p = _page()
    _draw(p, height=260, notes=["说明一", "说明二"])
    chart, first, second, table = p.parts
    spec = _spec(chart)
    assert spec["mark"] == {"type": "bar"} and spec["height"] == 260
    assert [r["amount"] for r in _plotted(spec)] == [12345.675, 0.1, None]  # floats only to plot
    assert "说明一" in first and "说明二" in second
    assert "12,345.675" in table and "0.10" in table  # the table prints the decimals as published
    assert '<a href="/source?sha=a">查看原文</a>' in table
    assert 'download="figure.csv"' in table and "3 行" in table


def test_the_chart_draws_its_own_rows_when_given() -> None:
    p = _page()
    _draw(p, bars=TABLE.head(1))
    chart, table = p.parts
    assert [r["name"] for r in _plotted(_spec(chart))] == ["甲"]
    assert all(name in table for name in ("甲", "乙", "丙"))


def test_the_csv_download_has_every_row_exactly() -> None:
    p = _page("csv=fig")
    with pytest.raises(CsvRequested) as asked:
        _draw(p)
    body = asked.value.response.body.decode("utf-8-sig").splitlines()
    assert body == [
        "名称,金额（万元）,原文",
        "甲,12345.675,http://127.0.0.1:8501/source?sha=a",
        "乙,0.10,",
        "丙,,",
    ]
