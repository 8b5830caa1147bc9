"""Exports of the `mart` views: Parquet and CSV through DuckDB COPY, Excel through openpyxl.

Reads the published file read-only, so an export can run while the nightly ingest publishes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from warehouse.publish import connect_published

FORMATS = ("parquet", "csv", "xlsx")
#: Excel's sheet row limit (header included).
XLSX_MAX_ROWS = 1_048_576


class ExportError(RuntimeError):
    pass


def mart_views(con: Any) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'mart' AND NOT internal ORDER BY view_name"
        ).fetchall()
    ]


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_mart(
    published_path: Path | str, fmt: str, out_dir: Path | str, views: list[str] | None = None
) -> list[Path]:
    """Write every mart view (or `views`) to `out_dir`: one file per view, or one workbook with a sheet each."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    published_path = Path(published_path)
    if not published_path.exists():
        raise ExportError(f"{published_path} does not exist: run `juesuan ingest` first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = connect_published(published_path)
    try:
        available = mart_views(con)
        chosen = views or available
        unknown = sorted(set(chosen) - set(available))
        if unknown:
            raise ExportError(f"no such mart view(s): {', '.join(unknown)}")
        if fmt == "xlsx":
            return [_export_xlsx(con, chosen, out / "mart.xlsx")]
        written = []
        for view in chosen:
            target = out / f"{view}.{fmt}"
            options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
            con.execute(f"COPY (SELECT * FROM mart.{view}) TO {_sql_path(target)} ({options})")
            written.append(target)
        return written
    finally:
        con.close()


def _cell(value: Any) -> Any:
    """Excel holds numbers, text and dates: lists become text, Decimals stay Decimals (openpyxl writes them)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (str, int, float, Decimal, datetime, date, bool)) or value is None:
        return value
    return str(value)


def _export_xlsx(con: Any, views: list[str], target: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for view in views:
        n = con.execute(f"SELECT count(*) FROM mart.{view}").fetchone()[0]
        if n + 1 > XLSX_MAX_ROWS:
            raise ExportError(
                f"mart.{view} has {n} rows, more than an Excel sheet holds; export parquet or csv"
            )
        ws = wb.create_sheet(title=view[:31])
        cur = con.execute(f"SELECT * FROM mart.{view}")
        ws.append([d[0] for d in cur.description])
        while batch := cur.fetchmany(5000):
            for row in batch:
                ws.append([_cell(v) for v in row])
    tmp = target.with_name(target.name + ".tmp")
    wb.save(tmp)
    tmp.replace(target)
    return target
