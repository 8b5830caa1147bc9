"""A `Report` as DuckDB relations: what every rule's SQL reads.

Relations (all amounts DECIMAL, never float):
- `tables(table_kind, status, unit, unit_factor, title, note, n_rows, n_cells)`
- `columns(table_kind, measure, header)`: the amount columns the parser found under each table's header, printed
  blank or not (a column left blank in every row is a measure at 0, not a measure the table lacks).
- `rows(row_id, table_kind, subject_code, line_item, row_label, label_norm, code_system, level, page)`
- `cells(row_id, table_kind, unit, unit_factor, subject_code, line_item, row_label, measure, value, amount_yuan,
  page)`: one printed cell, value in the table unit, amount_yuan in yuan.
- `grid`: every row × every measure seen in its table, blank cells as printed = false and amount 0 (reports
  leave zero cells blank).
- `repeated_rows(table_kind, subject_code, line_item, row_label, page, n_cells)`: rows the parser dropped as
  repeats (never summed).
- `narrative(fact_id, kind, value, text, sentence, sentence_id, position, page, unit, label, label_norm,
  value_yuan, change, base_label_norm, section, subject, heading, figure, topic, prior_year, before_text,
  decimals)`: facts of the prose in reading order; `value_yuan` for amounts with a money unit; `change`
  increase/decrease marks a year-over-year change (not a level); `subject` is `类名|款名|项名` when the prose is
  about one classified item; `figure` is `actual` / `budget` when the words before the number say which (支出决算为 /
  预算为); `topic` names the table the sentence is about when its words or heading say so (政府性基金 → gov_fund,
  国有资本经营 → state_capital, “三公” → three_public); `prior_year` marks last year's level (比上年 X 万元,
  上年决算为 X 万元); `before_text` is the 12 characters printed before the number; `decimals` its printed decimals.
- `label_map(label_norm, table_kind, subject_code, line_item, measure)`: the words a narrative uses for a table
  quantity (from `narrative_labels.yaml`).
- `problems(table_kind, code, message, page, severity)`.
- `paragraphs(paragraph_id, page, section, heading, is_heading, text)`: the prose as printed, headings included, in
  reading order (the wording and template rules read it).
- `report(department, year, kind)`: what the document says it is (cover, title).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from juesuan.amounts import UNIT_FACTORS
from juesuan.model import Report

LABELS_FILE = Path(__file__).resolve().parent / "narrative_labels.yaml"

_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十百零〇\d]+[）)、.．]\s*")
_SPACES = re.compile(r"[\s\u3000]+")


def normalize_label(label: str | None) -> str:
    """A label reduced for comparison: no whitespace, no leading 一、/（一）/1. numbering, ASCII brackets."""
    if not label:
        return ""
    s = _SPACES.sub("", label)
    s = s.replace("(", "（").replace(")", "）")
    prev = None
    while prev != s:
        prev, s = s, _NUMBERING.sub("", s)
    return s.replace("：", "").replace(":", "")


def _code_system(table_kind: str, code: str | None) -> str | None:
    if not code:
        return None
    return (
        "economic"
        if table_kind
        in (
            "basic_expenditure",
            "general_budget_economic",
            "project_economic",
            "appropriation_basic",
            "admin_operation",
        )
        else "function"
    )


def _level(code: str | None) -> str | None:
    if not code:
        return None
    return {3: "类", 5: "款", 7: "项"}.get(len(code))


def report_relations(report: Report) -> dict[str, pd.DataFrame]:
    """The report as plain DataFrames (object columns holding Decimal), one per relation."""
    tables, rows, cells, repeated, problems = [], [], [], [], []
    columns = []
    row_id = 0
    for t in report.tables.values():
        factor = UNIT_FACTORS.get(t.unit, Decimal(10000))
        tables.append(
            {
                "table_kind": t.kind,
                "status": t.status,
                "unit": t.unit,
                "unit_factor": factor,
                "title": t.title,
                "note": t.note,
                "n_rows": len(t.rows),
                "n_cells": sum(len(r.cells) for r in t.rows),
            }
        )
        columns += [{"table_kind": t.kind, "measure": c.measure, "header": c.header} for c in t.columns]
        for r in t.rows:
            row_id += 1
            rows.append(
                {
                    "row_id": row_id,
                    "table_kind": t.kind,
                    "subject_code": r.subject_code,
                    "line_item": r.line_item,
                    "row_label": r.label,
                    "label_norm": normalize_label(r.label),
                    "code_system": _code_system(t.kind, r.subject_code),
                    "level": _level(r.subject_code),
                    "page": r.page,
                }
            )
            for c in r.cells:
                cells.append(
                    {
                        "row_id": row_id,
                        "table_kind": t.kind,
                        "unit": t.unit,
                        "unit_factor": factor,
                        "subject_code": r.subject_code,
                        "line_item": r.line_item,
                        "row_label": r.label,
                        "measure": c.measure,
                        "value": c.value,
                        "amount_yuan": c.amount_yuan,
                        "page": c.page if c.page is not None else r.page,
                    }
                )
        for r in t.repeated_rows:
            repeated.append(
                {
                    "table_kind": t.kind,
                    "subject_code": r.subject_code,
                    "line_item": r.line_item,
                    "row_label": r.label,
                    "page": r.page,
                    "n_cells": len(r.cells),
                }
            )
        for p in t.problems:
            problems.append(
                {
                    "table_kind": p.table_kind or t.kind,
                    "code": p.code,
                    "message": p.message,
                    "page": p.page,
                    "severity": p.severity,
                }
            )
    for p in report.problems:
        problems.append(
            {
                "table_kind": p.table_kind,
                "code": p.code,
                "message": p.message,
                "page": p.page,
                "severity": p.severity,
            }
        )
    narrative = []
    sentence_ids: dict[str, int] = {}
    cursor: dict[str, int] = {}  # facts come in reading order: find each number after the previous one
    for i, f in enumerate(report.narrative):
        sid = sentence_ids.setdefault(f.sentence, len(sentence_ids) + 1)
        position = _position(f.sentence, f.text, cursor.get(f.sentence, 0))
        cursor[f.sentence] = position + len(f.text)
        factor = UNIT_FACTORS.get(f.unit or "") if f.kind == "amount" else None
        narrative.append(
            {
                "fact_id": i + 1,
                "kind": f.kind,
                "value": f.value,
                "text": f.text,
                "sentence": f.sentence,
                "sentence_id": sid,
                "position": position,
                "page": f.page,
                "unit": f.unit,
                "label": f.label,
                "label_norm": normalize_label(f.label),
                "value_yuan": (f.value * factor).quantize(Decimal("0.01")) if factor is not None else None,
                "change": getattr(f, "change", None),
                "base_label_norm": normalize_label(getattr(f, "base_label", None)),
                "section": getattr(f, "section", None),
                "subject": getattr(f, "subject", None),
                "heading": f.heading,
                "figure": _figure(f.sentence[:position]),
                "topic": _topic(f.sentence[:position], f.heading),
                "prior_year": bool(_PRIOR_YEAR.search(f.sentence[max(0, position - 12) : position])),
                "before_text": f.sentence[max(0, position - 12) : position],
                "decimals": _decimals(f.text),
            }
        )
    paragraphs = [
        {
            "paragraph_id": i + 1,
            "page": p.page,
            "section": p.section,
            "heading": p.heading,
            "is_heading": p.is_heading,
            "text": p.text,
        }
        for i, p in enumerate(getattr(report, "paragraphs", []) or [])
    ]
    meta = [{"department": report.department or None, "year": report.year, "kind": report.kind}]
    return {
        "paragraphs": _frame(paragraphs, _COLUMNS["paragraphs"]),
        "report": _frame(meta, _COLUMNS["report"]),
        "tables": _frame(tables, _COLUMNS["tables"]),
        "columns": _frame(columns, _COLUMNS["columns"]),
        "rows": _frame(rows, _COLUMNS["rows"]),
        "cells": _frame(cells, _COLUMNS["cells"]),
        "repeated_rows": _frame(repeated, _COLUMNS["repeated_rows"]),
        "problems": _frame(problems, _COLUMNS["problems"]),
        "narrative": _frame(narrative, _COLUMNS["narrative"]),
        "label_map": _frame(_label_map(), _COLUMNS["label_map"]),
    }


#: 比上年 X 万元 / 上年决算为 X 万元 / 较2023年度的 X 万元: the number is last year's level, not this year's.
_PRIOR_YEAR = re.compile(
    r"(?:(?:比|较|与|同)(?:上年|去年|上一年|\d{4}\s*年)度?(?:同期)?(?:决算)?(?:数)?(?:的)?"
    r"|(?:上年|去年|上一年)度?(?:同期)?(?:决算)?(?:数)?(?:为|是|的)?)\s*$"
)
_FIGURE_WORDS = re.compile(r"决算|预算")
#: 预算/决算 that follow their own figure (完成年初预算的 X%, 决算数小于预算数的原因) say nothing of the next one.
_FIGURE_AFTER = re.compile(
    r"(?:一般公共|政府性基金|国有资本经营)预算|(?:完成|执行|达到)(?:年初|全年)?预算(?:数)?的?|决算数?[大小等]于(?:年初)?预算数?"
)
#: Words that tie a sentence to one table, most specific first.
_TOPICS = (
    ("gov_fund", re.compile(r"政府性基金")),
    ("state_capital", re.compile(r"国有资本经营")),
    ("three_public", re.compile(r"三公|因公出国|公务用车|公务接待")),
)


def _figure(prefix: str) -> str | None:
    """`actual` when the nearest of 决算/预算 before the number is 决算 (支出决算为…), `budget` for 预算 (预算为…);
    None when neither is said. (预算 in 完成预算的 / 决算数小于预算数 follows its own number, never precedes it.)"""
    words = _FIGURE_WORDS.findall(_FIGURE_AFTER.sub("", re.sub(r"\s+", "", prefix)))
    if not words:
        return None
    return "actual" if words[-1] == "决算" else "budget"


def _topic(prefix: str, heading: str | None) -> str | None:
    """The table a figure is about: named in its own clause, else in its sentence's first clause, else in its
    heading (八、政府性基金…情况说明). A table named in an earlier clause of a list (…，政府性基金预算财政拨款收入 B
    万元，其他收入 C 万元) does not carry over to the next figure."""
    clauses = re.split(r"[，,；;。：:]", re.sub(r"\s+", "", prefix))
    for text in (clauses[-1], clauses[0], heading or ""):
        for kind, pattern in _TOPICS:
            if pattern.search(text):
                return kind
    return None


def _decimals(text: str) -> int:
    number = text.rstrip("%％")
    return len(number) - number.index(".") - 1 if "." in number else 0


def _position(sentence: str, text: str, start: int) -> int:
    """Where the fact's number is printed: its first whole occurrence from `start` (20 is not the 20 of 2024年)."""
    pattern = re.compile(r"(?<![\d.,])" + re.escape(text) + (r"(?![\d])" if text[-1:].isdigit() else ""))
    m = pattern.search(sentence, start) or pattern.search(sentence)
    if m is None:
        pos = sentence.find(text, start)
        pos = sentence.find(text) if pos < 0 else pos
        return pos if pos >= 0 else len(sentence)
    return m.start()


_COLUMNS: dict[str, dict[str, str]] = {
    "paragraphs": {
        "paragraph_id": "INTEGER",
        "page": "INTEGER",
        "section": "VARCHAR",
        "heading": "VARCHAR",
        "is_heading": "BOOLEAN",
        "text": "VARCHAR",
    },
    "report": {"department": "VARCHAR", "year": "INTEGER", "kind": "VARCHAR"},
    "tables": {
        "table_kind": "VARCHAR",
        "status": "VARCHAR",
        "unit": "VARCHAR",
        "unit_factor": "DECIMAL(18,2)",
        "title": "VARCHAR",
        "note": "VARCHAR",
        "n_rows": "INTEGER",
        "n_cells": "INTEGER",
    },
    "columns": {"table_kind": "VARCHAR", "measure": "VARCHAR", "header": "VARCHAR"},
    "rows": {
        "row_id": "INTEGER",
        "table_kind": "VARCHAR",
        "subject_code": "VARCHAR",
        "line_item": "VARCHAR",
        "row_label": "VARCHAR",
        "label_norm": "VARCHAR",
        "code_system": "VARCHAR",
        "level": "VARCHAR",
        "page": "INTEGER",
    },
    "cells": {
        "row_id": "INTEGER",
        "table_kind": "VARCHAR",
        "unit": "VARCHAR",
        "unit_factor": "DECIMAL(18,2)",
        "subject_code": "VARCHAR",
        "line_item": "VARCHAR",
        "row_label": "VARCHAR",
        "measure": "VARCHAR",
        "value": "DECIMAL(20,2)",
        "amount_yuan": "DECIMAL(20,2)",
        "page": "INTEGER",
    },
    "repeated_rows": {
        "table_kind": "VARCHAR",
        "subject_code": "VARCHAR",
        "line_item": "VARCHAR",
        "row_label": "VARCHAR",
        "page": "INTEGER",
        "n_cells": "INTEGER",
    },
    "problems": {
        "table_kind": "VARCHAR",
        "code": "VARCHAR",
        "message": "VARCHAR",
        "page": "INTEGER",
        "severity": "VARCHAR",
    },
    "narrative": {
        "fact_id": "INTEGER",
        "kind": "VARCHAR",
        "value": "DECIMAL(20,4)",
        "text": "VARCHAR",
        "sentence": "VARCHAR",
        "sentence_id": "INTEGER",
        "position": "INTEGER",
        "page": "INTEGER",
        "unit": "VARCHAR",
        "label": "VARCHAR",
        "label_norm": "VARCHAR",
        "value_yuan": "DECIMAL(20,2)",
        "change": "VARCHAR",
        "base_label_norm": "VARCHAR",
        "section": "VARCHAR",
        "subject": "VARCHAR",
        "heading": "VARCHAR",
        "figure": "VARCHAR",
        "topic": "VARCHAR",
        "prior_year": "BOOLEAN",
        "before_text": "VARCHAR",
        "decimals": "INTEGER",
    },
    "label_map": {
        "label_norm": "VARCHAR",
        "table_kind": "VARCHAR",
        "subject_code": "VARCHAR",
        "line_item": "VARCHAR",
        "measure": "VARCHAR",
    },
}


def _frame(records: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=list(columns)).astype(object)


@cache
def _label_map() -> list[dict]:
    data = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    out = []
    for entry in data["labels"]:
        for label in entry["labels"]:
            out.append(
                {
                    "label_norm": normalize_label(label),
                    "table_kind": entry["table_kind"],
                    "subject_code": entry.get("subject_code"),
                    "line_item": entry.get("line_item"),
                    "measure": entry["measure"],
                }
            )
    return out


_GRID_VIEW = """
CREATE OR REPLACE TABLE grid AS
SELECT r.row_id, r.table_kind, t.unit, t.unit_factor, r.subject_code, r.line_item, r.row_label, r.label_norm,
       r.code_system, r.level, m.measure,
       c.amount_yuan IS NOT NULL AS printed,
       coalesce(c.amount_yuan, 0)::DECIMAL(20,2) AS amount_yuan,
       coalesce(c.value, 0)::DECIMAL(20,2) AS value
FROM rows r
JOIN tables t ON t.table_kind = r.table_kind
JOIN (SELECT DISTINCT table_kind, measure FROM cells) m ON m.table_kind = r.table_kind
LEFT JOIN cells c ON c.row_id = r.row_id AND c.measure = m.measure
"""


def load_into(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """Create the relations of `report` in `con` as real tables (GX reads them through its own connection)."""
    for name, frame in report_relations(report).items():
        cols = _COLUMNS[name]
        ddl = ", ".join(f'"{c}" {t}' for c, t in cols.items())
        con.execute(f'CREATE OR REPLACE TABLE "{name}" ({ddl})')
        if len(frame):
            # Every value travels as text and is cast by DuckDB: Decimal stays exact, never through float.
            as_text = frame.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
            con.register("_src", as_text)
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in cols.items())
            con.execute(f'INSERT INTO "{name}" SELECT {select} FROM _src')
            con.unregister("_src")
    con.execute(_GRID_VIEW)
