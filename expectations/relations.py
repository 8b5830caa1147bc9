"""A `Report` as DuckDB relations: what every rule's SQL reads.

Relations (all amounts DECIMAL, never float):
- `tables(table_kind, status, unit, unit_factor, title, note, n_rows, n_cells)`
- `rows(row_id, table_kind, subject_code, line_item, row_label, label_norm, code_system, level, page)`
- `cells(row_id, table_kind, unit, unit_factor, subject_code, line_item, row_label, measure, value, amount_yuan,
  page)`: one printed cell, value in the table unit, amount_yuan in yuan.
- `grid`: every row × every measure seen in its table, blank cells as printed = false and amount 0 (reports
  leave zero cells blank).
- `repeated_rows(table_kind, subject_code, line_item, row_label, page, n_cells)`: rows the parser dropped as
  repeats (never summed).
- `narrative(fact_id, kind, value, text, sentence, sentence_id, position, page, unit, label, label_norm,
  value_yuan, change, base_label_norm, section, subject)`: facts of the prose in reading order; `value_yuan` for amounts
  with a money unit; `change` increase/decrease marks a year-over-year change (not a level); `subject` is
  `类名|款名|项名` when the prose is about one classified item.
- `label_map(label_norm, table_kind, subject_code, line_item, measure)`: the words a narrative uses for a table
  quantity (from `narrative_labels.yaml`).
- `problems(table_kind, code, message, page, severity)`.
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
    return "economic" if table_kind in ("basic_expenditure", "general_budget_economic") else "function"


def _level(code: str | None) -> str | None:
    if not code:
        return None
    return {3: "类", 5: "款", 7: "项"}.get(len(code))


def report_relations(report: Report) -> dict[str, pd.DataFrame]:
    """The report as plain DataFrames (object columns holding Decimal), one per relation."""
    tables, rows, cells, repeated, problems = [], [], [], [], []
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
            }
        )
    return {
        "tables": _frame(tables, _COLUMNS["tables"]),
        "rows": _frame(rows, _COLUMNS["rows"]),
        "cells": _frame(cells, _COLUMNS["cells"]),
        "repeated_rows": _frame(repeated, _COLUMNS["repeated_rows"]),
        "problems": _frame(problems, _COLUMNS["problems"]),
        "narrative": _frame(narrative, _COLUMNS["narrative"]),
        "label_map": _frame(_label_map(), _COLUMNS["label_map"]),
    }


def _position(sentence: str, text: str, start: int) -> int:
    pos = sentence.find(text, start)
    if pos < 0:
        pos = sentence.find(text)
    return pos if pos >= 0 else len(sentence)


_COLUMNS: dict[str, dict[str, str]] = {
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
