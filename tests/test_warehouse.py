"""Warehouse: migrations, staging loads, quarantine, supersession, idempotence, atomic publish (on gold reports)."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from juesuan.model import Region, Report, RuleResult, read_gold_csv, report_from_gold
from warehouse.migrate import MigrationError, current_version, latest_version, list_migrations, migrate
from warehouse.publish import PublishError, connect_published
from warehouse.store import CORE_TABLES, Warehouse

GOLD_SPECS = {
    "putuo": (
        "corpus/real/putuo-finance-2024.gold.csv",
        "上海市普陀区财政局",
        2024,
        Region("上海市", None, "普陀区"),
    ),
    "petition": ("corpus/real/national-petition-bureau-2024.gold.csv", "国家信访局", 2024, Region("中央")),
    "hetang": (
        "seed/hetang-industrial-service-center-2020.gold.csv",
        "株洲市荷塘区产业服务中心",
        2020,
        Region("湖南省", "株洲市", "荷塘区"),
    ),
}


def gold_report(shared: Path, key: str, parser_version: str = "gold") -> tuple[Report, str, Path]:
    rel, department, year, region = GOLD_SPECS[key]
    path = shared / rel
    report = report_from_gold(read_gold_csv(path), department=department, year=year)
    report.region = region
    report.parser_version = parser_version
    return report, hashlib.sha256(path.read_bytes()).hexdigest(), path


@pytest.fixture(scope="session")
def shared(real_corpus: Path, seed_dir: Path) -> Path:
    return real_corpus.parent.parent


def _error(rule_id: str) -> RuleResult:
    return RuleResult(rule_id, "error", "fail", table_kind="summary", message=f"{rule_id} broken")


def _warning(rule_id: str) -> RuleResult:
    return RuleResult(rule_id, "warning", "fail", message=f"{rule_id} disagrees")


def _load_all(wh: Warehouse, shared: Path) -> dict[str, str]:
    shas = {}
    for key in GOLD_SPECS:
        report, sha, path = gold_report(shared, key)
        results = {
            "putuo": [_warning("narrative.amount"), RuleResult("income.row_sum", "error", "pass")],
            "petition": [],
            "hetang": [_error("summary.balance"), _warning("narrative.amount")],
        }[key]
        wh.load_document(report, results, source=str(path), raw_sha256=sha, fetched_at=datetime(2025, 1, 1))
        shas[key] = sha
    return shas


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    applied = migrate(con)
    assert applied == [m.version for m in list_migrations()]
    assert migrate(con) == []
    assert current_version(con) == latest_version()


def test_changed_migration_is_refused(tmp_path: Path) -> None:
    mig_dir = tmp_path / "migrations"
    shutil.copytree(list_migrations()[0].path.parent, mig_dir)
    con = duckdb.connect()
    migrate(con, mig_dir)
    first = sorted(mig_dir.glob("001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(con, mig_dir)


def test_gold_reports_publish_every_cell_once(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        shas = _load_all(wh, shared)
        result = wh.publish()
    assert result.published and result.generation == 1
    con = connect_published(result.path)
    for key in ("putuo", "petition"):
        _report, sha, _ = gold_report(shared, key)
        gold = [g for g in read_gold_csv(shared / GOLD_SPECS[key][0]) if g.amount_yuan != 0]
        got = _rows(
            con,
            "SELECT table_kind, coalesce(subject_code, ''), coalesce(line_item, ''), measure, amount_yuan, "
            "count(*) OVER (PARTITION BY table_kind, subject_code, line_item, measure) "
            "FROM mart.report_amounts WHERE document_sha256 = ?",
            [sha],
        )
        index = {(t, s, li, m): (a, n) for t, s, li, m, a, n in got}
        for g in gold:
            assert index.get(g.key) == (g.amount_yuan, 1), f"{key}: {g}"
    # The quarantined seed is in mart.documents with its rule, and none of its cells are published.
    assert _rows(
        con, "SELECT count(*) FROM mart.report_amounts WHERE document_sha256 = ?", [shas["hetang"]]
    ) == [(0,)]
    docs = {
        r[0]: r[1:]
        for r in _rows(
            con, "SELECT document_sha256, status, failing_rule_ids, has_warnings FROM mart.documents"
        )
    }
    assert docs[shas["hetang"]] == ("quarantined", ["summary.balance"], True)
    assert docs[shas["putuo"]] == ("published", [], True)
    assert docs[shas["petition"]] == ("published", [], False)
    assert _rows(
        con,
        "SELECT DISTINCT has_warnings FROM mart.report_amounts WHERE document_sha256 = ?",
        [shas["putuo"]],
    ) == [(True,)]
    # The required columns, in order, at the front of mart.report_amounts.
    cols = [r[0] for r in _rows(con, "DESCRIBE mart.report_amounts")]
    assert cols[:15] == [
        "year", "province", "city", "county", "department", "table_kind", "subject_code", "subject_name",
        "line_item", "measure", "amount_yuan", "published_value", "unit", "page", "document_sha256",
    ]  # fmt: skip
    types = dict(_rows(con, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'facts'"))
    assert types["amount_yuan"] == "DECIMAL(20,2)"
    # Rule results of quarantined documents are visible, so are their reasons.
    assert _rows(
        con,
        "SELECT rule_id, outcome FROM mart.rule_results WHERE document_sha256 = ? AND severity = 'error'",
        [shas["hetang"]],
    ) == [("summary.balance", "fail")]
    con.close()


def test_loading_twice_changes_nothing(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        _load_all(wh, shared)
        first = wh.publish()
        before = wh.row_counts()
        report, sha, path = gold_report(shared, "putuo")
        outcome = wh.load_document(report, [], source=str(path), raw_sha256=sha)
        assert (outcome.changed, outcome.action, outcome.status) == (False, "unchanged", "published")
        _load_all(wh, shared)
        second = wh.publish()
        assert wh.row_counts() == before
    assert not second.published and second.generation == first.generation


def test_changed_file_at_same_source_supersedes(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        report, sha, path = gold_report(shared, "putuo")
        wh.load_document(
            report,
            [],
            source="https://example.gov.cn/putuo.pdf",
            raw_sha256=sha,
            fetched_at=datetime(2025, 1, 1),
        )
        wh.publish()
        revised = dataclasses.replace(report, tables=dict(report.tables))
        total_row = revised.tables["income"].find(line_item="total")
        total_row.cells[0] = dataclasses.replace(total_row.cells[0], amount_yuan=Decimal("29462600.00"))
        new_sha = hashlib.sha256(b"revised" + path.read_bytes()).hexdigest()
        wh.load_document(
            revised,
            [],
            source="https://example.gov.cn/putuo.pdf",
            raw_sha256=new_sha,
            fetched_at=datetime(2025, 2, 1),
        )
        result = wh.publish()
        old = wh.document(sha)
        assert old["superseded_by"] == new_sha and wh.document(new_sha)["superseded_by"] is None
    con = connect_published(result.path)
    assert _rows(con, "SELECT DISTINCT document_sha256 FROM mart.report_amounts") == [(new_sha,)]
    assert _rows(
        con,
        "SELECT amount_yuan FROM mart.report_amounts WHERE table_kind = 'income' AND line_item = 'total' AND measure = 'total'",
    ) == [(Decimal("29462600.00"),)]
    assert _rows(con, "SELECT is_current FROM mart.documents ORDER BY is_current") == [(False,), (True,)]
    assert _rows(con, "SELECT count(*) FROM mart.department_year") == [(1,)]


def test_same_department_year_from_another_source_supersedes_older(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        report, sha, _ = gold_report(shared, "petition")
        wh.load_document(report, [], source="a.pdf", raw_sha256=sha, fetched_at=datetime(2025, 3, 1))
        wh.load_document(report, [], source="b.pdf", raw_sha256="0" * 64, fetched_at=datetime(2025, 1, 1))
        wh.refresh()
        assert wh.document("0" * 64)["superseded_by"] == sha
        assert wh.document(sha)["superseded_by"] is None


def test_a_file_whose_own_year_contradicts_its_listing_never_replaces_a_listed_report(
    tmp_path: Path, shared: Path
) -> None:
    """Same department-year: a correctly listed (or unlisted) report stays current against a newer file whose
    listing stated another year; at one URL, another year's report put there later does not replace the report."""
    report, sha, _ = gold_report(shared, "petition")  # 国家信访局 2024
    with Warehouse(tmp_path / "wh") as wh:
        wh.load_document(
            report, [], source="a.pdf", raw_sha256=sha, fetched_at=datetime(2025, 1, 1), listed_year=2024
        )
        mislabelled = wh.load_document(
            report, [], source="b.pdf", raw_sha256="1" * 64, fetched_at=datetime(2025, 3, 1), listed_year=2023
        )
        wh.refresh()
        assert wh.document("1" * 64)["superseded_by"] == sha and wh.document(sha)["superseded_by"] is None
        assert mislabelled.note and mislabelled.note.startswith(
            "listed_year_mismatch: the source lists it as 2023"
        )
        # the 2023 report at its URL, then the portal puts the 2024 report there (the article still says 2023)
        older = dataclasses.replace(report, year=2023)
        wh.load_document(
            older, [], source="c.pdf", raw_sha256="2" * 64, fetched_at=datetime(2025, 1, 1), listed_year=2023
        )
        wh.load_document(
            report, [], source="c.pdf", raw_sha256="3" * 64, fetched_at=datetime(2025, 4, 1), listed_year=2023
        )
        wh.refresh()
        assert wh.document("2" * 64)["superseded_by"] is None, (
            "the 2023 report was replaced by another year's"
        )
        result = wh.publish()
    con = connect_published(result.path)
    notes = _rows(
        con, "SELECT document_sha256, year, listed_year, note IS NOT NULL FROM mart.documents ORDER BY 1"
    )
    assert notes == [
        ("1" * 64, 2024, 2023, True),
        ("2" * 64, 2023, 2023, False),
        ("3" * 64, 2024, 2023, True),
        (sha, 2024, 2024, False),
    ]
    assert _rows(con, "SELECT year FROM mart.department_year ORDER BY year") == [(2023,), (2024,)]


def test_parser_upgrade_rederives_in_place(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        report, sha, path = gold_report(shared, "putuo", parser_version="1")
        wh.load_document(report, [], source=str(path), raw_sha256=sha, fetched_at=datetime(2025, 1, 1))
        before = wh.row_counts()
        report2, _, _ = gold_report(shared, "putuo", parser_version="2")
        outcome = wh.load_document(report2, [_warning("x")], source=str(path), raw_sha256=sha)
        assert (outcome.action, outcome.changed) == ("rederived", True)
        doc = wh.document(sha)
        assert doc["parser_version"] == "2" and doc["fetched_at"] == datetime(2025, 1, 1)
        after = wh.row_counts()
        assert {k: v for k, v in after.items() if k != "rule_results"} == {
            k: v for k, v in before.items() if k != "rule_results"
        }
        assert after["rule_results"] == before["rule_results"] + 1


def test_failed_document_is_listed_with_its_reason(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        wh.load_failure(
            source="x/html-page-named-pdf.pdf",
            raw_sha256="f" * 64,
            code="not_a_pdf",
            reason="an HTML page, not a PDF",
        )
        assert not wh.load_failure(
            source="x/html-page-named-pdf.pdf", raw_sha256="f" * 64, code="not_a_pdf", reason="again"
        ).changed
        result = wh.publish()
    con = connect_published(result.path)
    assert _rows(con, "SELECT status, failure_code, failure_reason, source FROM mart.documents") == [
        ("failed", "not_a_pdf", "an HTML page, not a PDF", "x/html-page-named-pdf.pdf")
    ]


def test_department_identity_is_stable_across_years_and_prefixes(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        base, sha, _ = gold_report(shared, "hetang")
        for year, name, fake_sha in (
            (2020, "株洲市荷塘区产业服务中心", sha),
            (2021, "荷塘区产业服务中心", "1" * 64),
        ):
            report = dataclasses.replace(base, year=year, department=name)
            wh.load_document(report, [], source=f"{year}.pdf", raw_sha256=fake_sha)
        result = wh.publish()
    con = connect_published(result.path)
    rows = _rows(con, "SELECT DISTINCT department_id, department FROM mart.department_year")
    assert len(rows) == 1 and rows[0][1] == "荷塘区产业服务中心"  # the latest printed name is displayed
    assert _rows(con, "SELECT year, printed_name FROM core.department_names ORDER BY year") == [
        (2020, "株洲市荷塘区产业服务中心"),
        (2021, "荷塘区产业服务中心"),
    ]
    yoy = _rows(con, "SELECT year, change FROM mart.year_over_year WHERE metric = 'income_total'")
    assert yoy == [(2021, Decimal("0.00"))]


def test_expenditure_by_function_has_only_leaves(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        _load_all(wh, shared)
        result = wh.publish()
    con = connect_published(result.path)
    codes = _rows(
        con,
        "SELECT document_sha256, coalesce(xiang_code, kuan_code, class_code) FROM mart.expenditure_by_function",
    )
    assert codes
    for doc, code in codes:
        assert not any(d == doc and c != code and c.startswith(code) for d, c in codes)
    # Leaves sum to the printed class totals (same table, so exact up to the report's own rounding).
    diff = _rows(
        con,
        """SELECT max(abs(l.total - c.amount_yuan)) FROM
           (SELECT document_sha256, class_code, sum(total) AS total FROM mart.expenditure_by_function GROUP BY ALL) l
           JOIN mart.report_amounts c ON c.document_sha256 = l.document_sha256 AND c.subject_code = l.class_code
           WHERE c.table_kind = 'expenditure' AND c.measure = 'total'""",
    )[0][0]
    assert diff <= Decimal("100.00")


def test_per_head_division_is_exact(tmp_path: Path) -> None:
    con = duckdb.connect()
    migrate(con)
    got = _rows(
        con,
        "SELECT core.div_round2(10.00::DECIMAL(20,2), 3), core.div_round2(-10.00::DECIMAL(20,2), 3), "
        "core.div_round2(2.00::DECIMAL(20,2), 3), core.div_round2(1.00::DECIMAL(20,2), 0), "
        "core.div_round2(123456789012345.67::DECIMAL(20,2), 7)",
    )[0]
    assert got == (Decimal("3.33"), Decimal("-3.33"), Decimal("0.67"), None, Decimal("17636684144620.81"))


def test_failed_validation_leaves_published_file_untouched(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warehouse.publish as pub

    with Warehouse(tmp_path / "wh") as wh:
        _load_all(wh, shared)
        first = wh.publish()
        before = first.path.read_bytes()

        def broken(*args: object) -> None:
            raise PublishError("validation refused")

        monkeypatch.setattr(pub, "validate_published", broken)
        with pytest.raises(PublishError):
            wh.publish(force=True)
        assert first.path.read_bytes() == before
        assert not [p.name for p in first.path.parent.iterdir() if ".next-" in p.name]


def test_published_file_has_every_core_table_and_publication_row(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        _load_all(wh, shared)
        result = wh.publish()
    con = connect_published(result.path)
    tables = {r[0] for r in _rows(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core'")}
    assert set(CORE_TABLES) <= tables
    assert _rows(con, "SELECT generation, document_count FROM mart.publication") == [(1, 3)]
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM core.facts")  # readers cannot write


def test_provenance_narrative_headcount_and_problems_round_trip(tmp_path: Path) -> None:
    from juesuan.model import Cell, NarrativeFact, Problem, Row, SourceInfo, Table

    value = Decimal("2082.85")
    cell = Cell("amount", "2,082.85", value, Decimal("20828500.00"), page=7, bbox=(10.5, 20.0, 80.25, 31.0))
    table = Table(kind="summary", unit="万元", title="收入支出决算总表", pages=[7, 8], status="parsed")
    table.rows.append(Row(label="一、一般公共服务支出", cells=[cell], subject_code="201"))
    table.problems.append(Problem("repeated_rows", "rows 201 repeated at a page break", "summary", 8))
    report = Report(
        department="株洲市荷塘区产业服务中心",
        year=2020,
        region=Region("湖南省", "株洲市", "荷塘区"),
        source=SourceInfo(sha256="a" * 64, page_count=30, producer="WPS"),
        tables={"summary": table},
        narrative=[
            NarrativeFact("percent", Decimal("73.97"), "73.97%", "其中…占73.97%", 12, "%", "财政拨款收入")
        ],
        headcount_authorized=12,
        headcount_actual=11,
        problems=[Problem("narrative_unavailable", "no narrative", severity="info")],
        parser_version="t",
    )
    with Warehouse(tmp_path / "wh") as wh:
        wh.load_document(report, [], source="x.pdf", raw_sha256="a" * 64)
        con = wh.con
        assert _rows(
            con,
            "SELECT amount_yuan, published_value, published_text, unit, page, bbox, scheme FROM core.facts",
        ) == [
            (
                Decimal("20828500.00"),
                Decimal("2082.8500"),
                "2,082.85",
                "万元",
                7,
                [10.5, 20.0, 80.25, 31.0],
                "function",
            )
        ]
        assert _rows(con, "SELECT pages, title, status FROM core.document_tables") == [
            ([7, 8], "收入支出决算总表", "parsed")
        ]
        assert _rows(con, "SELECT kind, value, label, page FROM core.narrative_facts") == [
            ("percent", Decimal("73.9700"), "财政拨款收入", 12)
        ]
        assert _rows(con, "SELECT authorized, actual FROM core.headcount") == [(12, 11)]
        assert sorted(_rows(con, "SELECT code, table_kind, page FROM core.parse_problems")) == [
            ("narrative_unavailable", None, None),
            ("repeated_rows", "summary", 8),
        ]
        assert _rows(con, "SELECT page_count, producer FROM core.documents") == [(30, "WPS")]
        result = wh.publish()
    pub = connect_published(result.path)
    assert _rows(pub, "SELECT subject_name, row_label, department FROM mart.report_amounts") == [
        ("一般公共服务支出", "一、一般公共服务支出", "株洲市荷塘区产业服务中心")
    ]
    assert _rows(pub, "SELECT headcount_actual FROM mart.department_year") == [(11,)]


def test_blocking_policy_matches_the_rules_package() -> None:
    expectations = pytest.importorskip("expectations")
    from warehouse.store import blocking_rule_ids

    outcomes = ("pass", "fail", "not_applicable", "insufficient_data", "parse_error", "execution_error")
    for severity in ("error", "warning"):
        for outcome in outcomes:
            results = [RuleResult("r", severity, outcome)]
            assert bool(blocking_rule_ids(results)) == expectations.blocking(results), (severity, outcome)


def test_readable_file_replaces_an_unreadable_one_at_the_same_source_but_not_back(
    tmp_path: Path, shared: Path
) -> None:
    report, sha, _ = gold_report(shared, "petition")
    with Warehouse(tmp_path / "a") as wh:
        wh.load_failure(
            source="s.pdf",
            raw_sha256="f" * 64,
            code="not_pdf",
            reason="HTML",
            fetched_at=datetime(2025, 1, 1),
        )
        wh.load_document(report, [], source="s.pdf", raw_sha256=sha, fetched_at=datetime(2025, 2, 1))
        wh.refresh()
        assert wh.document("f" * 64)["superseded_by"] == sha
        assert wh.document(sha)["superseded_by"] is None
    with Warehouse(tmp_path / "b") as wh:
        wh.load_document(report, [], source="s.pdf", raw_sha256=sha, fetched_at=datetime(2025, 1, 1))
        wh.load_failure(
            source="s.pdf",
            raw_sha256="f" * 64,
            code="not_pdf",
            reason="HTML",
            fetched_at=datetime(2025, 2, 1),
        )
        wh.refresh()
        counts = wh.row_counts()
        wh.refresh()
        assert wh.row_counts() == counts
        assert wh.document(sha)["superseded_by"] is None  # the readable version stays in mart
        assert wh.document("f" * 64)["superseded_by"] is None  # and the failure stays visible


def test_a_report_that_cannot_be_stored_becomes_a_failed_document(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import juesuan.parsing
    from juesuan.model import Cell
    from warehouse.ingest import ingest_dir

    report, _, _ = gold_report(shared, "petition")
    row = report.tables["income"].find(line_item="total")
    row.cells[0] = Cell(
        "total", "9" * 22, Decimal("9" * 22), Decimal("9" * 22 + ".00")
    )  # beyond DECIMAL(20,2)
    monkeypatch.setattr(juesuan.parsing, "parse_report", lambda path, region_hint=None: report)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 stand-in")
    summary = ingest_dir(folder, tmp_path / "wh", checker=lambda r: [])
    (outcome,) = summary.outcomes
    assert outcome.status == "failed" and outcome.reasons[0].startswith("load_error: could not be stored")
    con = connect_published(summary.publication.path)
    assert con.execute("SELECT status, failure_code FROM mart.documents").fetchall() == [
        ("failed", "load_error")
    ]
    assert con.execute("SELECT count(*) FROM core.facts").fetchone() == (0,)


def test_parser_and_checker_crashes_are_recorded_not_raised(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import juesuan.parsing
    from warehouse.ingest import ingest_dir

    report, _, _ = gold_report(shared, "petition")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.pdf").write_bytes(b"%PDF-1.4 one")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 two")

    def parse(path: Path, region_hint: Region | None = None) -> Report:
        if Path(path).name == "bad.pdf":
            raise IndexError("list index out of range")
        return report

    def crashing_checker(r: Report) -> list[RuleResult]:
        raise RuntimeError("GX exploded")

    monkeypatch.setattr(juesuan.parsing, "parse_report", parse)
    summary = ingest_dir(folder, tmp_path / "wh", checker=crashing_checker)
    by_name = {Path(o.source).name: o for o in summary.outcomes}
    assert by_name["bad.pdf"].status == "failed"
    assert by_name["bad.pdf"].reasons == ["parser_crash: parser crashed: IndexError: list index out of range"]
    assert by_name["ok.pdf"].status == "quarantined"
    assert by_name["ok.pdf"].reasons == ["rule checks crashed: RuntimeError: GX exploded"]
    con = connect_published(summary.publication.path)
    assert con.execute("SELECT count(*) FROM mart.report_amounts").fetchone() == (0,)
    assert sorted(con.execute("SELECT status, failure_code FROM mart.documents").fetchall()) == [
        ("failed", "parser_crash"),
        ("quarantined", "check_error"),
    ]


def test_cli_warehouse_option_accepts_the_published_file_path(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import juesuan.parsing
    from juesuan.cli import main

    report, _, _ = gold_report(shared, "putuo")
    monkeypatch.setattr(juesuan.parsing, "parse_report", lambda path, region_hint=None: report)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 stand-in")
    target = tmp_path / "wh" / "mine.duckdb"
    args = ["ingest", "--from-dir", str(folder), "--warehouse", str(target), "--rules-runner", "duckdb"]
    assert main(args) == 0
    assert (tmp_path / "wh" / "staging.duckdb").exists() and not (tmp_path / "wh" / "juesuan.duckdb").exists()
    assert f"duckdb -readonly {target}" in capsys.readouterr().out
    assert connect_published(target).execute("SELECT count(*) FROM mart.documents").fetchone() == (1,)
    assert (
        main(
            [
                "query",
                "SELECT count(*) AS n FROM mart.documents",
                "--warehouse",
                str(target),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "n\n1\n"


def test_rederiving_under_another_name_leaves_no_orphan_department(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        report, sha, path = gold_report(shared, "putuo", parser_version="1")
        wh.load_document(report, [], source=str(path), raw_sha256=sha)
        wh.refresh()
        renamed, _, _ = gold_report(shared, "putuo", parser_version="2")
        renamed.department = "上海市普陀区财政局（本级）"
        wh.load_document(renamed, [], source=str(path), raw_sha256=sha)
        wh.refresh()
        assert _rows(wh.con, "SELECT display_name FROM core.departments") == [("上海市普陀区财政局（本级）",)]
        assert _rows(wh.con, "SELECT count(*) FROM core.regions") == [(1,)]


def test_mart_departments_lists_identities_with_their_printed_names(tmp_path: Path, shared: Path) -> None:
    with Warehouse(tmp_path / "wh") as wh:
        base, sha, _ = gold_report(shared, "hetang")
        for year, name, fake_sha in (
            (2020, "株洲市荷塘区产业服务中心", sha),
            (2021, "荷塘区产业服务中心", "1" * 64),
        ):
            wh.load_document(
                dataclasses.replace(base, year=year, department=name),
                [],
                source=f"{year}.pdf",
                raw_sha256=fake_sha,
            )
        result = wh.publish()
    con = connect_published(result.path)
    assert _rows(con, "SELECT department, province, county, years, printed_names FROM mart.departments") == [
        (
            "荷塘区产业服务中心",
            "湖南省",
            "荷塘区",
            [2020, 2021],
            ["株洲市荷塘区产业服务中心", "荷塘区产业服务中心"],
        )
    ]


def test_an_existing_warehouse_is_upgraded_by_new_migrations(tmp_path: Path, shared: Path) -> None:
    older = tmp_path / "older_migrations"
    older.mkdir()
    for mig in list_migrations()[:-1]:
        shutil.copy(mig.path, older / mig.path.name)
    root = tmp_path / "wh"
    root.mkdir()
    con = duckdb.connect(str(root / "staging.duckdb"))
    migrate(con, older)
    assert current_version(con) == latest_version() - 1
    con.close()
    with Warehouse(root) as wh:
        assert current_version(wh.con) == latest_version()
        report, sha, path = gold_report(shared, "petition")
        wh.load_document(report, [], source=str(path), raw_sha256=sha)
        result = wh.publish()
    assert _rows(connect_published(result.path), "SELECT count(*) FROM mart.departments") == [(1,)]
