"""The portal's non-report files: a department budget (部门预算) PDF, a notice PDF, a tables workbook, an error page.

Real portals mix these among the final accounts; the crawler must keep the budget and the workbook (they are
documents; the parser, not the crawler, decides from content that a budget is not a final account) and must
refuse the HTML error page served under a `.pdf` name.
"""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "JuesuanPortalCJK"
_DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = os.environ.get("JUESUAN_CJK_FONT", _DEFAULT_FONT_PATH)
        if not Path(path).exists():
            raise RuntimeError(
                f"CJK font {path} not found: install fonts-wqy-zenhei (`make setup`) or set JUESUAN_CJK_FONT"
            )
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


def budget_pdf(department: str, year: int, *, seed: int = 0) -> bytes:
    """A small but genuine 部门预算 report: cover, 预算01表 收支总表 and 预算02表 收入总表, amounts in 万元."""
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(f"{department}{year}年部门预算")
    c.setCreator("juesuan sample portal")
    w, h = A4
    c.setFont(font, 22)
    c.drawCentredString(w / 2, h * 0.62, f"{department}")
    c.drawCentredString(w / 2, h * 0.55, f"{year}年部门预算")
    c.setFont(font, 12)
    c.drawCentredString(w / 2, h * 0.3, f"{year}年{2 + seed % 3}月")
    c.showPage()
    lw, lh = landscape(A4)
    base = Decimal(1000 + (seed * 37) % 900)
    cents = Decimal("0.01")
    business, other = Decimal("12.50"), Decimal("3.00")
    spend = [(base * Decimal(f)).quantize(cents) for f in ("0.1", "0.2", "0.1")]
    total = base + business + other
    rows = [  # the 收支总表 balances: 收入总计 = 支出总计
        ("一、一般公共预算拨款收入", base, "一、一般公共服务支出", total - sum(spend)),
        ("二、政府性基金预算拨款收入", Decimal("0"), "二、教育支出", spend[0]),
        ("三、事业收入", business, "三、社会保障和就业支出", spend[1]),
        ("四、其他收入", other, "四、住房保障支出", spend[2]),
        ("收入总计", total, "支出总计", total),
    ]

    def page(title: str) -> None:
        c.setPageSize((lw, lh))
        c.setFont(font, 16)
        c.drawCentredString(lw / 2, lh - 60, title)
        c.setFont(font, 10)
        c.drawString(60, lh - 85, f"部门：{department}")
        c.drawRightString(lw - 60, lh - 85, "单位：万元")

    page("预算01表 部门收支总表")
    y = lh - 120
    c.drawString(60, y, "收入项目")
    c.drawString(300, y, f"{year}年预算数")
    c.drawString(420, y, "支出项目")
    c.drawString(660, y, f"{year}年预算数")
    for left, lv, right, rv in rows:
        y -= 24
        c.line(55, y + 18, lw - 55, y + 18)
        c.drawString(60, y, left)
        c.drawRightString(380, y, f"{lv:,.2f}")
        c.drawString(420, y, right)
        c.drawRightString(lw - 70, y, f"{rv:,.2f}")
    c.showPage()
    page("预算02表 部门收入总表")  # one row per budget unit (here the department alone)
    y = lh - 120
    heads = ("单位名称", "合计", "一般公共预算拨款收入", "事业收入", "其他收入")
    xs = (60, 380, 520, 640, lw - 70)
    for i, (x, head) in enumerate(zip(xs, heads, strict=True)):
        (c.drawString if i == 0 else c.drawRightString)(x, y, head)
    for label, values in (
        ("合计", (total, base, business, other)),
        (department, (total, base, business, other)),
    ):
        y -= 24
        c.line(55, y + 18, lw - 55, y + 18)
        c.drawString(60, y, label)
        for x, v in zip(xs[1:], values, strict=True):
            c.drawRightString(x, y, f"{v:,.2f}")
    c.showPage()
    c.save()
    return buf.getvalue()


def notice_pdf(region_name: str, year: int) -> bytes:
    """A one-page notice (not a report): the kind of unrelated PDF portals attach beside reports."""
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle("关于公开部门决算的说明")
    w, h = A4
    c.setFont(font, 16)
    c.drawCentredString(w / 2, h - 100, "关于公开部门决算的说明")
    c.setFont(font, 11)
    lines = [
        f"根据《中华人民共和国预算法》和{region_name}财政局的统一部署，",
        f"现将本部门{year}年度部门决算予以公开，请登录政府门户网站查阅。",
        "如有疑问，请在工作日与本部门办公室联系。",
    ]
    for i, line in enumerate(lines):
        c.drawString(72, h - 150 - i * 22, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def tables_workbook(truth_csv: Path, entry: dict) -> bytes:
    """The tables of the report in `entry` (a factory manifest entry) as an .xlsx, one sheet per table.

    Beijing-style portals attach the public tables as a workbook beside the report PDF: the same cells, which the
    parser reads like the PDF; the warehouse keeps the PDF as the current document of that department-year.
    """
    from juesuan.factory.formats import write_xlsx

    spec = _spec_of(truth_csv, entry)
    buf = io.BytesIO()
    write_xlsx(spec, buf)
    return buf.getvalue()


def report_article(truth_csv: Path, entry: dict) -> str:
    """The report in `entry` as the body of an article page: prose and its tables inline (no attachment)."""
    from juesuan.factory.formats import article_html

    spec = _spec_of(truth_csv, entry)
    return article_html(spec)


def error_page(path: str) -> bytes:
    """What a broken CMS serves, with status 200, under an attachment's `.pdf` URL."""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
        f'<body><div class="err"><h2>抱歉，您访问的页面不存在或已被删除！</h2><p>{path}</p>'
        '<a href="/">返回首页</a></div></body></html>\n'
    ).encode()


def _spec_of(truth_csv: Path, entry: dict) -> Any:
    """The report of a manifest `entry` rebuilt from its truth file (what the workbook and the article print)."""
    from juesuan.factory.gold import spec_from_gold

    return spec_from_gold(
        truth_csv,
        template=str(entry["template"]),
        department=str(entry["department"]),
        year=int(entry["year"]),
        units=dict(entry.get("units") or {}),
        kinds=tuple(entry.get("table_pages") or ()),
        headcount=None,  # not in the manifest; a made-up one would land in core.headcount
    )
