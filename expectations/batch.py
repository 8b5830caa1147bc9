"""Many reports in one DuckDB database, so that each rule is planned and run once per batch, not per report.

Planning a rule's SQL costs DuckDB about as much as running it on one report (the narrative rules are long CTE
chains), so checking reports one by one pays the planner 39 times per report, twice (the DuckDB pass and GX).
Here every relation of `expectations.relations` gets a `juesuan_doc` column (the report's index in the batch) and
a rule runs as

    SELECT d.juesuan_doc, v.* FROM <the batch's documents> d,
    LATERAL (WITH cells AS (<the batch's cells of document d>), rows AS (...), ... SELECT * FROM (<rule SQL>)) v

The rule's SQL is used unchanged: inside the lateral subquery the names `cells`, `rows`, ... are common table
expressions that shadow the batch tables with one document's rows, and DuckDB decorrelates the whole into one
plan over all documents. Each returned row therefore names its document, and a rule's rows per document are
exactly those of the rule run on that report alone (tests/test_rules_batch.py checks this on every rule).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from expectations.relations import _COLUMNS, _GRID_VIEW, _label_map, report_relations
from juesuan.model import Report

#: The column naming a row's document (its index in the batch) in every batch table and every rule row.
DOC_COLUMN = "juesuan_doc"
#: The batch's documents: one row per report (`juesuan_doc`, `document_sha256`); GX's table asset.
DOCUMENTS_TABLE = "batch_documents"
#: Relations shared by every document (not per report): loaded once, without a document column.
SHARED_RELATIONS = ("label_map",)
_PREFIX = "batch_"

_GRID_SELECT = re.sub(r"^\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+grid\s+AS\s*", "", _GRID_VIEW, flags=re.I)


def per_document_relations() -> list[str]:
    """The relations a rule reads that belong to one report (every relation but the shared ones, plus grid)."""
    return [name for name in _COLUMNS if name not in SHARED_RELATIONS] + ["grid"]


def batch_table(name: str) -> str:
    return f"{_PREFIX}{name}"


def per_document_sql(
    sql: str, docs: Sequence[int] | None = None, relations: Sequence[str] | None = None
) -> str:
    """`sql` (written against one report's relations) run on each document of the batch, its index first.

    `docs` restricts the run to those documents (the ones the rule applies to); None runs it on all.
    """
    where = f" WHERE {DOC_COLUMN} IN ({', '.join(str(int(d)) for d in docs)})" if docs is not None else ""
    ctes = ",\n  ".join(
        f'"{name}" AS (SELECT * EXCLUDE ({DOC_COLUMN}) FROM "{batch_table(name)}" '
        f"WHERE {DOC_COLUMN} = d.{DOC_COLUMN})"
        for name in (relations if relations is not None else per_document_relations())
    )
    return (
        f"SELECT d.{DOC_COLUMN}, v.* FROM (SELECT {DOC_COLUMN} FROM {DOCUMENTS_TABLE}{where}) AS d,\n"
        f"LATERAL (WITH {ctes}\nSELECT * FROM (\n{sql}\n)) AS v"
    )


def load_batch_into(con: duckdb.DuckDBPyConnection, reports: Sequence[Report]) -> None:
    """Create the batch tables of `reports` in `con`: one INSERT per relation for the whole batch."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for i, report in enumerate(reports):
        for name, frame in report_relations(report).items():
            if name in SHARED_RELATIONS:
                continue
            frame = frame.copy()
            frame.insert(0, DOC_COLUMN, i)
            frames.setdefault(name, []).append(frame)
    con.execute(
        f"CREATE OR REPLACE TABLE {DOCUMENTS_TABLE} ({DOC_COLUMN} INTEGER PRIMARY KEY, document_sha256 VARCHAR)"
    )
    if reports:
        con.executemany(
            f"INSERT INTO {DOCUMENTS_TABLE} VALUES (?, ?)",
            [[i, r.source.sha256 if r.source else None] for i, r in enumerate(reports)],
        )
    for name, cols in _COLUMNS.items():
        shared = name in SHARED_RELATIONS
        target = name if shared else batch_table(name)
        columns = dict(cols) if shared else {DOC_COLUMN: "INTEGER", **cols}
        ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f'CREATE OR REPLACE TABLE "{target}" ({ddl})')
        if shared:
            frame = pd.DataFrame.from_records(_label_map(), columns=list(cols)).astype(object)
        else:
            parts = [f for f in frames.get(name, []) if len(f)]
            frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(frame):
            # Every value travels as text and is cast by DuckDB: Decimal stays exact, never through float.
            as_text = frame.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
            con.register("_src", as_text)
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns.items())
            con.execute(f'INSERT INTO "{target}" SELECT {select} FROM _src')
            con.unregister("_src")
    # grid is derived per document by the same SQL as for one report (relations._GRID_VIEW)
    grid = per_document_sql(_GRID_SELECT, relations=[n for n in per_document_relations() if n != "grid"])
    con.execute(f'CREATE OR REPLACE TABLE "{batch_table("grid")}" AS {grid}')
