"""Warehouse outputs: the generated data dictionary is current; exports write every mart view exactly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_warehouse import GOLD_SPECS, gold_report

from juesuan.cli import main
from warehouse.dictionary import DICTIONARY_PATH, generate
from warehouse.export import ExportError, export_mart
from warehouse.store import Warehouse


def test_data_dictionary_is_up_to_date() -> None:
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == generate(), (
        "docs/data-dictionary.md is stale: run `.venv/bin/python -m warehouse.dictionary`"
    )


def test_data_dictionary_documents_every_mart_column() -> None:
    text = generate()
    for required in (
        "`mart.report_amounts`",
        "`amount_yuan` | DECIMAL(20,2)",
        "`mart.documents`",
        "`failing_rule_ids`",
    ):
        assert required in text
    assert "|  |" not in text, "a column has no meaning in the dictionary: add a COMMENT ON COLUMN"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, real_corpus: Path, seed_dir: Path) -> Path:
    shared = real_corpus.parent.parent
    root = tmp_path_factory.mktemp("wh_export")
    with Warehouse(root) as wh:
        for key in GOLD_SPECS:
            report, sha, path = gold_report(shared, key)
            wh.load_document(report, [], source=str(path), raw_sha256=sha, fetched_at=datetime(2025, 1, 1))
        return wh.publish().path


def _amounts(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_export_parquet_keeps_decimals_and_rows(published: Path, tmp_path: Path) -> None:
    written = export_mart(published, "parquet", tmp_path)
    names = {p.stem for p in written}
    assert {
        "report_amounts",
        "documents",
        "department_year",
        "expenditure_by_function",
        "year_over_year",
    } <= names
    con = duckdb.connect()
    src = duckdb.connect(str(published), read_only=True)
    for path in written:
        n_file = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        n_view = src.execute(f"SELECT count(*) FROM mart.{path.stem}").fetchone()[0]
        assert n_file == n_view, path.name
    typ = con.execute(
        f"SELECT typeof(amount_yuan) FROM read_parquet('{tmp_path / 'report_amounts.parquet'}') LIMIT 1"
    ).fetchall()
    assert typ == [("DECIMAL(20,2)",)]
    total = f"SELECT sum(amount_yuan) FROM read_parquet('{tmp_path / 'report_amounts.parquet'}')"
    assert (
        con.execute(total).fetchone()
        == src.execute("SELECT sum(amount_yuan) FROM mart.report_amounts").fetchone()
    )


def test_export_csv_and_xlsx_via_cli(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["export", "--format", "csv", "--out", str(tmp_path / "csv"), "--warehouse", str(published)])
        == 0
    )
    csv_path = tmp_path / "csv" / "report_amounts.csv"
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(
        "year,province,city,county,department,table_kind,subject_code,subject_name,line_item,"
    )
    assert (
        main(
            ["export", "--format", "xlsx", "--out", str(tmp_path / "x"), "--warehouse", str(published.parent)]
        )
        == 0
    )
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "x" / "mart.xlsx", read_only=True)
    src = duckdb.connect(str(published), read_only=True)
    assert "report_amounts" in wb.sheetnames and "documents" in wb.sheetnames
    rows = list(wb["report_amounts"].iter_rows(values_only=True))
    assert len(rows) - 1 == src.execute("SELECT count(*) FROM mart.report_amounts").fetchone()[0]
    amount_col = rows[0].index("amount_yuan")
    assert (
        sum(Decimal(str(r[amount_col])) for r in rows[1:])
        == src.execute("SELECT sum(amount_yuan) FROM mart.report_amounts").fetchone()[0]
    )
    docs = list(wb["documents"].iter_rows(values_only=True))
    assert any(r[docs[0].index("status")] == "published" for r in docs[1:])
    out = capsys.readouterr().out
    assert "mart.xlsx" in out


def test_export_refuses_missing_warehouse_and_unknown_view(published: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export_mart(tmp_path / "nope.duckdb", "csv", tmp_path)
    with pytest.raises(ExportError, match="no such mart view"):
        export_mart(published, "csv", tmp_path, views=["not_a_view"])
