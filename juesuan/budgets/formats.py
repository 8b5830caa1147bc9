"""Factory budgets as portals also publish them: an Excel workbook and an inline HTML article.

Both print the very grids the budget PDF prints (`juesuan.budgets.factory.budget_grids`), so the budget's truth
CSV is their truth too; the HTML article carries the 预算情况说明 as paragraphs, the workbook a cover sheet.
"""

from __future__ import annotations

import html
from pathlib import Path

from juesuan.budgets.factory import BudgetSpec, budget_grids, budget_narrative, performance_grid
from juesuan.factory.formats import grids_html, write_grids_xlsx

FORMATS = ("xlsx", "html")


def write_budget_xlsx(spec: BudgetSpec, path: Path) -> Path:
    """The budget's public tables as a workbook (one sheet per table, amounts as numbers or printed text)."""
    grids = budget_grids(spec) + ([performance_grid(spec)] if spec.projects else [])
    cover = [spec.department, f"{spec.year}年部门预算"]
    write_grids_xlsx(grids, path, cover=cover, thousands=spec.style == "excel")
    return Path(path)


def write_budget_html(spec: BudgetSpec, path: Path) -> Path:
    """The whole budget as one portal article: the 预算情况说明, then every table under its title."""
    dep, y = spec.department, spec.year
    e = html.escape
    body = ["<p>第一部分</p>", f"<p>{e(f'{y}年部门预算情况说明')}</p>"]
    for style, text in budget_narrative(spec):
        body.append(f"<p><strong>{e(text)}</strong></p>" if style == "heading" else f"<p>{e(text)}</p>")
    body.append(f"<p>第二部分 {y}年部门预算表</p>")
    body += grids_html(budget_grids(spec) + ([performance_grid(spec)] if spec.projects else []))
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{e(dep)}{y}年部门预算</title></head><body>"
        '<div class="nav">首页 &gt; 政府信息公开 &gt; 财政预决算</div>'
        f'<div class="article"><h1>{e(dep)}{y}年部门预算</h1>\n' + "\n".join(body) + "</div></body></html>\n"
    )
    Path(path).write_text(page, encoding="utf-8")
    return Path(path)


def write_budget_as(spec: BudgetSpec, out_dir: Path, fmt: str) -> dict[str, object]:
    """`<doc_id>.<fmt>` and its truth CSV; returns a manifest record (as `write_budget` does for the PDF)."""
    out_dir = Path(out_dir)
    target = out_dir / f"{spec.doc_id}.{fmt}"
    if fmt == "xlsx":
        write_budget_xlsx(spec, target)
    elif fmt == "html":
        write_budget_html(spec, target)
    else:
        raise ValueError(f"unknown budget format {fmt!r}; known: {', '.join(FORMATS)}")
    truth = out_dir / f"{spec.doc_id}.truth.csv"
    truth.write_text(spec.truth_csv(), encoding="utf-8")
    return {"doc_id": spec.doc_id, "file": target.name, "truth_file": truth.name, "format": fmt}


__all__ = ["FORMATS", "write_budget_as", "write_budget_html", "write_budget_xlsx"]
