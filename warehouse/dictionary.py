"""The data dictionary, generated from the schema itself (DDL comments) and the vocabulary.

`python -m warehouse.dictionary` rewrites docs/data-dictionary.md; a test fails when the file is stale, so the
dictionary cannot drift from the migrations.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from juesuan.paths import PROJECT_ROOT
from juesuan.vocabulary import LINE_ITEMS, TABLE_KINDS
from warehouse.migrate import latest_version, list_migrations, migrate

DICTIONARY_PATH = PROJECT_ROOT / "docs" / "data-dictionary.md"


#: Meanings of columns that recur across views, used where the DDL gives the column no comment of its own.
COMMON_COLUMNS = {
    "year": "Report year (年度).",
    "province": "Province, or 中央 for central departments.",
    "city": "City (prefecture level); NULL above it.",
    "county": "County / district; NULL above it.",
    "department": "Department display name (the latest printed name; stable across years with department_id).",
    "department_id": "Stable department key across years within its region.",
    "document_sha256": "sha256 of the report file (mart.documents).",
    "has_warnings": "The report was published with warning-severity rule failures.",
    "status": "published, quarantined or failed.",
    "rule_id": "Rule of the catalogue (expectations/rules).",
    "severity": "error (blocks publishing) or warning.",
    "outcome": "pass, fail, not_applicable, insufficient_data, parse_error or execution_error.",
    "table_kind": "Which public table (see Vocabulary).",
    "subject_code": "Function or economic code (3/5/7 digits).",
    "line_item": "Key of an uncoded row (see Vocabulary).",
    "measure": "Column of the table (see Vocabulary).",
    "expected": "What the identity says the value should be (yuan).",
    "actual": "The printed value compared (yuan).",
    "difference": "actual − expected.",
    "tolerance": "Rounding envelope allowed for this comparison.",
    "message": "One line a person can act on.",
    "page": "Page (1-based).",
    "code": "Machine key.",
    "scheme": "function (支出功能分类) or economic (部门支出经济分类).",
    "level": "类, 款 or 项.",
    "parent_code": "The code one level up.",
    "display_name": "Name chosen for display: the most frequent printed name of the latest year.",
    "printed_name": "Name as printed that year.",
    "occurrences": "How many printed cells carried the name.",
    "class_name": "Display name of the 类.",
    "kuan_name": "Display name of the 款.",
    "xiang_name": "Display name of the 项.",
    "departments": "Number of departments summed.",
    "total": "Amount of the total column, yuan.",
    "basic": "基本支出, yuan.",
    "project": "项目支出, yuan.",
    "remit_superior": "上缴上级支出, yuan.",
    "operating": "经营支出, yuan.",
    "affiliated_subsidy": "对附属单位补助支出, yuan.",
    "value": "The figure this year.",
    "previous_value": "The figure the previous year.",
    "change": "value − previous_value.",
    "seq": "Order within the document.",
    "kind": "amount, percent or count.",
    "text": "The number as printed.",
    "label": "Words the number is attached to.",
    "unit": "Printed unit.",
    "sentence": "The sentence it was printed in.",
    "general_budget_basic": "一般公共预算财政拨款 基本支出 (合计 row), yuan.",
    "general_budget_project": "一般公共预算财政拨款 项目支出 (合计 row), yuan.",
    "three_public_actual_minus_budget": "“三公”经费 actual − budget, yuan (negative: spent less than budgeted).",
    "headcount_authorized": "编制人数 stated in the report.",
    "authorized": "编制人数 (authorized posts).",
    "actual_headcount": "实有人数.",
    "generation": "Increases by one with every publish.",
    "published_at": "When this file was published (UTC).",
    "schema_version": "Migration version of the schema.",
    "document_count": "Documents in the file (all statuses).",
    "amount_count": "Rows of mart.report_amounts.",
    "class_code": "类 code (3 digits).",
    "measure_label": "Chinese label of the measure.",
    "line_item_label": "Chinese label of the line item.",
    "adcode": "Administrative division code of the most specific level, where known.",
    "within_rounding": "Passed only thanks to the rounding envelope (a rounding note).",
    "region_id": "Key of core.regions: province|city|county.",
    "first_seen": "When this source was first seen with these bytes.",
    "title": "Title as printed.",
    "pages": "Pages the table spans.",
    "row_count": "Rows read (repeated rows excluded).",
    "name_key": "Normalised department name (region prefix removed).",
    "byte_size": "Size of the raw file in bytes.",
    "creator": "PDF creator application.",
    "report_kind": "final_account (决算) or budget (部门预算).",
    "department_printed": "Department name as printed in this report.",
    "is_current": "False for an older version replaced by a newer file.",
    "position": "Column order in the printed table.",
}


def _esc(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _measure_column(col: str) -> str:
    """Columns named after a figure: …_per_head, three_public_…."""
    if col.endswith("_per_head"):
        return f"{col.removesuffix('_per_head')} / headcount_actual, to the cent (exact decimal division)."
    if col.startswith("three_public_") and col.endswith("_actual"):
        return (
            f"“三公”经费 {col.removeprefix('three_public_').removesuffix('_actual')} actual (决算数), yuan."
        )
    return ""


def generate() -> str:
    """Markdown describing every mart view and core table with column types and meanings."""
    con = duckdb.connect()
    migrate(con)
    out = [
        "# Data dictionary",
        "",
        "Generated from the warehouse schema by `python -m warehouse.dictionary` (do not edit by hand).",
        f"Schema version {latest_version()} ({', '.join(m.path.name for m in list_migrations())}).",
        "",
        "Analysts and dashboards query the `mart` views of the published file, opened read-only "
        "(`duckdb -readonly data/warehouse/juesuan.duckdb`). The `core` tables are the star schema behind them. "
        "Amounts are `DECIMAL` in yuan (元); `published_value` keeps the printed value in the printed unit.",
        "",
    ]
    # A column without its own comment borrows the comment of the same-named column elsewhere in the schema.
    borrowed: dict[str, str] = {}
    for col, comment in con.execute(
        """SELECT column_name, comment FROM duckdb_columns()
           WHERE schema_name IN ('core', 'mart') AND comment IS NOT NULL
           ORDER BY schema_name, table_name = 'documents' DESC, table_name = 'facts' DESC, table_name"""
    ).fetchall():
        borrowed.setdefault(col, comment)
    for schema, title in (("mart", "Analyst views (`mart`)"), ("core", "Star schema (`core`)")):
        out += [f"## {title}", ""]
        objects = con.execute(
            """SELECT view_name AS name, 'view' AS kind, comment FROM duckdb_views()
               WHERE schema_name = ? AND NOT internal
               UNION ALL
               SELECT table_name, 'table', comment FROM duckdb_tables() WHERE schema_name = ?
               ORDER BY kind DESC, name""",
            [schema, schema],
        ).fetchall()
        for name, kind, comment in objects:
            out += [f"### `{schema}.{name}` ({kind})", "", _esc(comment) or "(no description)", ""]
            out += ["| column | type | meaning |", "|---|---|---|"]
            for col, typ, ccomment in con.execute(
                """SELECT column_name, data_type, comment FROM duckdb_columns()
                   WHERE schema_name = ? AND table_name = ? ORDER BY column_index""",
                [schema, name],
            ).fetchall():
                meaning = ccomment or borrowed.get(col) or COMMON_COLUMNS.get(col) or _measure_column(col)
                out.append(f"| `{col}` | {typ} | {_esc(meaning)} |")
            out.append("")
    out += [
        "## Vocabulary",
        "",
        "### Table kinds and measures",
        "",
        "| table_kind | title | measure | label |",
    ]
    out.append("|---|---|---|---|")
    for t in TABLE_KINDS.values():
        for measure, label in t.measures:
            out.append(f"| `{t.key}` | {t.title} | `{measure}` | {label} |")
    out += ["", "### Line items (uncoded rows)", "", "| line_item | label |", "|---|---|"]
    for key, label in LINE_ITEMS.items():
        out.append(f"| `{key}` | {label} |")
    out.append("")
    con.close()
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Regenerate docs/data-dictionary.md from the warehouse schema."
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is out of date, write nothing"
    )
    parser.add_argument("--out", type=Path, default=DICTIONARY_PATH)
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run python -m warehouse.dictionary", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
