"""Reports checked as one batch give exactly what each gives checked alone, through DuckDB and through GX."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from expectations import load_catalogue, run_checks
from expectations.engine import run_checks_batch
from juesuan.model import Report


@pytest.fixture(scope="module")
def factory_reports(tmp_path_factory: pytest.TempPathFactory) -> list[Report]:
    """Six parsed factory reports of four templates, some with defects (table and narrative findings)."""
    from juesuan.factory import generate_corpus
    from juesuan.parsing import parse_report

    out = tmp_path_factory.mktemp("batch-factory")
    generate_corpus(out, seed=7, regions=3, departments_per_region=2, years=(2024,), defect_rate=0.6)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [parse_report(out / e["file"]) for e in manifest]


def _keys(results) -> list[tuple[str, ...]]:
    return sorted(
        tuple(
            str(v)
            for v in (
                r.rule_id,
                r.outcome,
                r.severity,
                r.table_kind,
                r.subject_code,
                r.line_item,
                r.measure,
                r.expected,
                r.actual,
                r.message,
            )
        )
        for r in results
    )


def test_batch_equals_one_report_at_a_time(factory_reports: list[Report]):
    """Every rule's rows per report are those of the report checked alone; GX agrees with DuckDB throughout."""
    batch = run_checks_batch(factory_reports, runner="gx")
    assert len(batch) == len(factory_reports)
    assert any(r.outcome == "fail" for run in batch for r in run.results)
    for report, run in zip(factory_reports, batch, strict=True):
        alone = run_checks(report, runner="duckdb").results
        assert _keys(run.results) == _keys(alone), report.department
        assert not [r for r in run.results if r.outcome == "execution_error"], report.department
        assert {r.document_sha256 for r in run.results} == {report.source.sha256}


def test_batch_loader_creates_every_relation_of_one_report(factory_reports: list[Report]):
    """A relation added to `relations.load_into` must reach the batch too (or every rule reading it breaks)."""
    from expectations.batch import DOCUMENTS_TABLE, SHARED_RELATIONS, batch_table, load_batch_into
    from expectations.relations import load_into

    one = duckdb.connect(":memory:")
    load_into(one, factory_reports[0])
    many = duckdb.connect(":memory:")
    load_batch_into(many, factory_reports[:2])
    single = {t for (t,) in one.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    batched = {t for (t,) in many.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    expected = {t if t in SHARED_RELATIONS else batch_table(t) for t in single} | {DOCUMENTS_TABLE}
    assert batched == expected
    for t in single - set(SHARED_RELATIONS):
        n = one.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        m = many.execute(f'SELECT count(*) FROM "{batch_table(t)}" WHERE juesuan_doc = 0').fetchone()[0]
        assert n == m, t


def test_a_rule_broken_by_one_reports_data_still_checks_the_others(factory_reports: list[Report]):
    """The batch query fails as a whole; the rule then runs per report, failing only where the data breaks it."""
    good = next(r for r in load_catalogue() if r.id == "income_row_sum")
    n_cells = [sum(1 for _ in r.iter_cells()) for r in factory_reports[:3]]
    assert len(set(n_cells)) == 3
    sql = (
        "SELECT 'income' AS table_kind, NULL AS subject_code, NULL AS line_item, NULL AS measure,"
        " NULL AS expected, NULL AS actual, 0 AS n_terms, 10000 AS unit_factor,"
        " NULL::DECIMAL(20,2) AS tolerance,"
        f" CASE WHEN count(*) = {n_cells[1]} THEN error('bad data in this report') ELSE 'seen' END AS message"
        " FROM cells"
    )
    probe = replace(good, id="probe_data_error", compare="violation", severity="warning", sql=sql)
    runs = run_checks_batch(factory_reports[:3], rules=[probe], runner="gx")
    outcomes = [[r.outcome for r in run.results] for run in runs]
    assert outcomes[1] == ["execution_error"] and "bad data in this report" in runs[1].results[0].message
    assert outcomes[0] == ["fail"] and outcomes[2] == ["fail"]


def test_more_violations_than_gx_returns_are_still_compared_per_report(factory_reports: list[Report]):
    """GX returns at most 200 rows per expectation: a batch with more is re-validated per report, and each
    report's count still has to agree with DuckDB's."""
    good = next(r for r in load_catalogue() if r.id == "income_row_sum")
    sql = (
        "SELECT table_kind, subject_code, line_item, measure, NULL AS expected, NULL AS actual, 0 AS n_terms,"
        " 10000 AS unit_factor, NULL::DECIMAL(20,2) AS tolerance, 'cell ' || row_id || measure AS message"
        " FROM cells"
    )
    probe = replace(good, id="probe_many", compare="violation", severity="warning", sql=sql)
    runs = run_checks_batch(factory_reports[:2], rules=[probe], runner="gx")
    for run in runs:
        assert len(run.results) > 100
        assert {r.outcome for r in run.results} == {"fail"}


def test_one_data_docs_site_for_a_batch(factory_reports: list[Report], tmp_path: Path):
    runs = run_checks_batch(factory_reports[:3], runner="gx", data_docs_dir=tmp_path / "docs")
    index = runs[0].data_docs_index
    assert index is not None and index.exists()
    assert {run.data_docs_index for run in runs} == {index}
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 1  # one validation page for the batch, not one per report


def test_batches_accumulate_in_one_data_docs_site(factory_reports: list[Report], tmp_path: Path):
    """A warehouse's site keeps every batch's page: a later batch must not erase the earlier ones."""
    site = tmp_path / "docs"
    first = run_checks_batch(factory_reports[:2], runner="gx", data_docs_dir=site)
    second = run_checks_batch(factory_reports[2:4], runner="gx", data_docs_dir=site)
    assert first[0].data_docs_index == second[0].data_docs_index
    pages = list((site / "validations").rglob("*.html"))
    assert len(pages) == 2
    index = (site / "index.html").read_text(encoding="utf-8")
    assert all(p.stem in index or p.parent.name in index for p in pages)
