"""The same report as the PDF, as portals also publish it: an Excel workbook and an inline HTML article.

Both are drawn from the very grids the PDF is drawn from (`layouts.grid_for`), so they print the same cells and the
report's truth CSV is their truth too. The workbook has one sheet per table, as real exports do: title row, table
number and 部门 / 单位 rows, merged header cells, amounts mostly as numbers (two-decimal format, thousands
separators where the template prints them; in some tables stored unrounded, 463.4812 shown as 463.48) and, in
some tables, as text exactly as printed ("1,234.56"); codes and 行次 sometimes as numbers. The HTML article puts each table's title and 单位 line in paragraphs above a bordered
`<table>` (or, in some tables, inside it as its first rows), between the report's prose.

No maintained writer of legacy .xls (BIFF) files exists on PyPI (xlwt's last release is from 2017), so the factory
writes .xlsx only.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from juesuan.factory.layouts import grid_for
from juesuan.factory.render import BCell, Grid
from juesuan.factory.spec import ReportSpec

_AMOUNT = re.compile(r"^-?[\d,]*\d(?:\.\d+)?$")
_CODE = re.compile(r"^\d{3,7}$")


def _grids(spec: ReportSpec) -> list[Grid]:
    return [grid_for(spec, table, i) for i, table in enumerate(spec.tables.values(), 1)]


def _body(grid: Grid) -> list[list[BCell]]:
    """Body rows as printed, then the rows a defect prints twice (the PDF draws them at a page break)."""
    return list(grid.body) + [grid.body[i] for i in grid.repeat_rows]


def write_xlsx(spec: ReportSpec, path: Path | BinaryIO) -> Path | BinaryIO:
    """The report's public tables as a workbook, one sheet per table (plus a cover sheet); `path` or a stream."""
    cover = [spec.department, f"{spec.year}年度部门决算"]
    return write_grids_xlsx(_grids(spec), path, cover=cover, thousands=spec.template == "shanghai2024")


def write_grids_xlsx(
    grids: list[Grid], path: Path | BinaryIO, *, cover: list[str], thousands: bool
) -> Path | BinaryIO:
    """Grids as a workbook, one sheet per table after a cover sheet (`cover`: its lines); shared by budgets."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "封面"
    for i, line in enumerate(cover, 1):
        sheet[f"A{i}"] = line
    for index, grid in enumerate(grids, 1):
        ws = wb.create_sheet(_sheet_name(index, grid.title))
        ncols = len(grid.col_widths)
        last = get_column_letter(ncols)
        as_text = index % 3 == 0  # some exports store amounts as the printed text
        codes_as_numbers = index % 2 == 0
        # exports from 决算 software store unrounded 万元 values and show them with a 0.00 format
        unrounded = index % 4 == 1 and not thousands
        r = 1
        ws.cell(r, 1, grid.title).font = Font(bold=True, size=14)
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        r += 1
        if grid.table_no:
            ws.cell(r, ncols, grid.table_no)
            r += 1
        if grid.department_line:
            ws.cell(r, 1, grid.department_line)
        ws.cell(r, ncols, grid.unit_line)
        r += 1
        head0 = r
        for h in grid.header:
            cell = ws.cell(head0 + h.row, h.col + 1, _number_or_text(h.text, as_int=True))
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            if h.rowspan > 1 or h.colspan > 1:
                ws.merge_cells(
                    start_row=head0 + h.row,
                    start_column=h.col + 1,
                    end_row=head0 + h.row + h.rowspan - 1,
                    end_column=h.col + h.colspan,
                )
        r = head0 + grid.header_rows
        for row in _body(grid):
            col = 1
            for bc in row:
                value: object = bc.text
                if bc.align == "r" and _AMOUNT.match(bc.text) and not as_text:
                    value = Decimal(bc.text.replace(",", ""))
                elif codes_as_numbers and _CODE.match(bc.text) and bc.align != "r" and bc.text[0] != "0":
                    value = int(bc.text)
                cell = ws.cell(r, col, value)
                if isinstance(value, Decimal):
                    if unrounded and value.as_tuple().exponent == -2:
                        value += Decimal("0.0012") if value >= 0 else Decimal("-0.0012")
                    cell.value = float(value)  # a sheet stores money as a double and shows it formatted
                    cell.number_format = "#,##0.00" if thousands else "0.00"
                if bc.colspan > 1:
                    ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + bc.colspan - 1)
                col += bc.colspan
            r += 1
        for rr in range(head0, r):
            for cc in range(1, ncols + 1):
                ws.cell(rr, cc).border = box
        for note in grid.notes:
            ws.cell(r, 1, note)
            r += 1
        for cc, w in enumerate(grid.col_widths, 1):
            ws.column_dimensions[get_column_letter(cc)].width = 10 * w
    target = path if hasattr(path, "write") else Path(path)
    wb.save(target)
    return target


def _sheet_name(index: int, title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\“”\"]", "", title)
    return f"{index}{name}"[:31]


def _number_or_text(text: str, *, as_int: bool) -> object:
    return int(text) if as_int and text.isdigit() and len(text) <= 2 else text


def write_html(spec: ReportSpec, path: Path) -> Path:
    """The whole report as one HTML page: prose, then each table under its title, then the 情况说明."""
    dep, year = spec.department, spec.year
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{_e(dep)}{year}年度部门决算</title>"
        f'<meta name="ArticleTitle" content="{_e(dep)}{year}年度部门决算">'
        '</head><body><div class="nav">首页 &gt; 政府信息公开 &gt; 财政预决算</div>'
        f'<div class="article"><h1>{_e(dep)}{year}年度部门决算</h1>\n{article_html(spec)}</div></body></html>\n'
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def article_html(spec: ReportSpec) -> str:
    """The report as the body of a portal article (what a CMS editor pastes): paragraphs and tables."""
    year = spec.year
    out: list[str] = [
        "<p>第一部分 部门概况</p>",
        "<p>一、部门职责</p>",
    ]
    out += [f"<p>{_e(d)}</p>" for d in spec.duties]
    out.append("<p>二、机构设置及决算单位构成</p>")
    staff = ""
    if spec.headcount_authorized is not None:
        staff = f"本部门共有编制人数 {spec.headcount_authorized} 人，实有人数 {spec.headcount_actual} 人。"
    out.append(f"<p>（一）内设机构设置。{_e(spec.structure)}{staff}</p>")
    out.append(f"<p>第二部分 {year}年度部门决算表</p>")
    out += grids_html(_grids(spec))
    out.append(f"<p>第三部分 {year}年度部门决算情况说明</p>")
    for head, paras in spec.narrative:
        out.append(f"<p><strong>{_e(head)}</strong></p>")
        out += [f"<p>{_e(p)}</p>" for p in paras]
    out.append("<p>第四部分 名词解释</p>")
    out += [f"<p>{_e(g)}</p>" for g in spec.glossary]
    return "\n".join(out)


def grids_html(grids: list[Grid]) -> list[str]:
    """Each grid as a CMS editor pastes it: title and 单位 line above a bordered table (or inside it)."""
    out: list[str] = []
    for index, grid in enumerate(grids, 1):
        ncols = len(grid.col_widths)
        inside = index % 2 == 0  # some CMS editors paste the title and 单位 line into the table itself
        meta = "&#160;&#160;&#160;&#160;".join(_e(x) for x in (grid.department_line, grid.unit_line) if x)
        if not inside:
            out.append(f'<p style="text-align:center"><strong>{_e(grid.title)}</strong></p>')
            if grid.table_no:
                out.append(f'<p style="text-align:right">{_e(grid.table_no)}</p>')
            out.append(f"<p>{meta}</p>")
        out.append('<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse">')
        if inside:
            out.append(
                f'<tr><td colspan="{ncols}" style="text-align:center"><b>{_e(grid.title)}</b></td></tr>'
            )
            out.append(f'<tr><td colspan="{ncols}">{meta}</td></tr>')
        for hr in range(grid.header_rows):
            cells = sorted((h for h in grid.header if h.row == hr), key=lambda h: h.col)
            tds = "".join(
                f"<td{_span('rowspan', h.rowspan)}{_span('colspan', h.colspan)}>{_e(h.text)}</td>"
                for h in cells
            )
            out.append(f"<tr>{tds}</tr>")
        for row in _body(grid):
            tds = ""
            for bc in row:
                align = ' align="right"' if bc.align == "r" else ""
                tds += f"<td{_span('colspan', bc.colspan)}{align}>{_e(bc.text) or '&#160;'}</td>"
            out.append(f"<tr>{tds}</tr>")
        out.append("</table>")
        out += [f"<p>{_e(n)}</p>" for n in grid.notes]
    return out


def _span(name: str, n: int) -> str:
    return f' {name}="{n}"' if n > 1 else ""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


__all__ = ["article_html", "write_html", "write_xlsx"]
