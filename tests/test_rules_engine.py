"""The rule engine on ground truth: outcomes, the rounding envelope, GX as the runner."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import blocking, check_report, load_catalogue, results_frame, run_checks
from expectations.engine import FRAME_COLUMNS
from juesuan.model import Report, read_gold_csv, report_from_gold

SEED_GOLD = "hetang-industrial-service-center-2020.gold.csv"


@pytest.fixture(scope="session")
def seed_gold_report(seed_dir: Path) -> Report:
    return report_from_gold(
        read_gold_csv(seed_dir / SEED_GOLD), department="株洲市荷塘区产业服务中心", year=2020
    )


def by_rule(results, rule_id):
    return [r for r in results if r.rule_id == rule_id]


def test_catalogue_loads_with_unique_ids():
    rules = load_catalogue()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert {"income_row_sum", "class_equals_sum_of_kuan", "total_equals_sum_of_classes"} <= set(ids)


def test_seed_gold_row_sums_pass_with_rounding_notes(seed_gold_report: Report):
    results = check_report(seed_gold_report, runner="duckdb")
    assert not blocking(results)
    assert not [r for r in results if r.outcome == "fail" and r.severity == "error"]
    # findings 2: income 合计 626.55 vs Σ sources 626.54 is a rounding note, not a failure
    note = [r for r in by_rule(results, "income_row_sum") if r.line_item == "total" and r.within_rounding]
    assert len(note) == 1
    assert note[0].difference == Decimal("100.00") and note[0].severity == "warning"


def test_leaf_typo_fails_row_sum_and_hierarchy(seed_gold_report: Report):
    report = copy.deepcopy(seed_gold_report)
    row = report.tables["expenditure"].find(subject_code="2010301")
    cell = row.cell("basic")
    cell.amount_yuan += Decimal("10000.00")  # 1.00 万元 more than printed
    results = check_report(report, runner="duckdb")
    fails = {(r.rule_id, r.table_kind, r.subject_code, r.measure) for r in results if r.outcome == "fail"}
    assert ("expenditure_row_sum", "expenditure", "2010301", "total") in fails
    assert ("kuan_equals_sum_of_xiang", "expenditure", "20103", "basic") in fails
    assert blocking(results)


def test_gx_runner_agrees_with_duckdb(seed_gold_report: Report, tmp_path: Path):
    report = copy.deepcopy(seed_gold_report)
    report.tables["income"].find(subject_code="2060102").cell("total").amount_yuan += Decimal("5000.00")
    fast = check_report(report, runner="duckdb")
    run = run_checks(report, runner="gx", data_docs_dir=tmp_path / "docs")

    def key(r):
        return tuple(
            str(v) for v in (r.rule_id, r.outcome, r.table_kind, r.subject_code, r.line_item, r.measure)
        )

    assert sorted(map(key, run.results)) == sorted(map(key, fast))
    assert any(r.outcome == "fail" for r in run.results)
    assert not [r for r in run.results if r.outcome == "execution_error"]
    assert run.data_docs_index is not None and run.data_docs_index.exists()


def test_results_frame_has_fixed_columns(seed_gold_report: Report):
    frame = results_frame(check_report(seed_gold_report, runner="duckdb"))
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert len(frame) > 100


def test_rule_summary_one_outcome_per_rule(seed_gold_report: Report):
    from expectations import rule_summary

    report = copy.deepcopy(seed_gold_report)
    report.tables["income"].find(subject_code="2060102").cell("total").amount_yuan += Decimal("5000.00")
    summary = rule_summary(check_report(report, runner="duckdb")).set_index("rule_id")
    # budget rules (document_kind: budget) never run on a final account
    assert set(summary.index) == {r.id for r in load_catalogue() if r.document_kind == "final_account"}
    assert summary.loc["income_row_sum", "outcome"] == "fail"
    assert summary.loc["income_row_sum", "n_fail"] == 1 and summary.loc["income_row_sum", "n_pass"] > 10
    assert summary.loc["income_row_sum", "rounding_notes"] == 1
    assert summary.loc["narrative_amounts", "outcome"] == "not_applicable"


def test_broken_rule_is_an_execution_error_not_a_crash(seed_gold_report: Report, tmp_path: Path):
    from dataclasses import replace

    good = next(r for r in load_catalogue() if r.id == "income_row_sum")
    bad_sql = replace(good, id="broken_sql", sql="SELECT * FROM no_such_relation")
    bad_cols = replace(good, id="broken_columns", sql="SELECT 1 AS table_kind")
    for runner in ("duckdb", "gx"):
        results = check_report(seed_gold_report, rules=[good, bad_sql, bad_cols], runner=runner)
        outcomes = {r.rule_id: r.outcome for r in results if r.rule_id.startswith("broken")}
        assert outcomes == {"broken_sql": "execution_error", "broken_columns": "execution_error"}, runner
        assert any(r.rule_id == "income_row_sum" and r.outcome == "pass" for r in results), runner
        assert not blocking(results)


def test_catalogue_refuses_a_malformed_rule(tmp_path: Path):
    from expectations import CatalogueError

    (tmp_path / "some_rule.yaml").write_text("id: other_name\ntitle: t\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="missing"):
        load_catalogue(tmp_path)


def test_envelope_in_yuan_tables(seed_dir: Path):
    """A 元 table is printed to 0.01 元: its envelope is (n + 1) × 0.005 元, not 50 元 per term."""
    cells = read_gold_csv(seed_dir / SEED_GOLD)
    report = report_from_gold(cells, units={"income": "元"})
    row = report.tables["income"].find(subject_code="2010301")  # total = fiscal_appropriation, one term
    row.cell("total").amount_yuan += Decimal("0.01")
    near = [
        r
        for r in check_report(report, runner="duckdb")
        if r.rule_id == "income_row_sum" and r.subject_code == "2010301"
    ]
    assert [(r.outcome, r.within_rounding, r.tolerance) for r in near] == [("pass", True, Decimal("0.010"))]
    row.cell("total").amount_yuan += Decimal("0.01")
    far = [
        r
        for r in check_report(report, runner="duckdb")
        if r.rule_id == "income_row_sum" and r.subject_code == "2010301"
    ]
    assert [r.outcome for r in far] == ["fail"]
    # the summary (万元) against the income table (元): compared at the coarser unit, 0.01 万元
    x = [r for r in check_report(report, runner="duckdb") if r.rule_id == "cross_summary_income_total"]
    assert x[0].tolerance == Decimal("100.000")


def _probe_rule(rule_id: str, message_sql: str):
    """A `violation` rule returning one finding whose message is `message_sql` (evaluated by DuckDB)."""
    from dataclasses import replace

    good = next(r for r in load_catalogue() if r.id == "income_row_sum")
    sql = (
        "SELECT 'income' AS table_kind, NULL AS subject_code, NULL AS line_item, NULL AS measure,"
        " NULL AS expected, NULL AS actual, 0 AS n_terms, 10000 AS unit_factor,"
        f" NULL::DECIMAL(20,2) AS tolerance, {message_sql} AS message"
    )
    return replace(good, id=rule_id, compare="violation", severity="warning", sql=sql)


def test_both_runs_of_a_rule_are_single_threaded(seed_gold_report: Report):
    """Regression: with several threads DuckDB may order an aggregate's input differently on each run (the
    naming rule's string_agg), so under CPU load GX's rows and the DuckDB pass's differed only in word order
    and the rule turned into an execution_error. Both runs now use one thread and must agree on the text."""
    rule = _probe_rule("probe_threads", "'threads=' || current_setting('threads')")
    results = check_report(seed_gold_report, rules=[rule], runner="gx")
    assert [(r.outcome, r.message) for r in results] == [("fail", "threads=1")]


def test_gx_duckdb_disagreement_names_the_findings(seed_gold_report: Report):
    """The agreement check still fails when the two runs differ, and says on which findings: beside the
    findings (issue 10), never instead of them."""
    rule = _probe_rule("probe_random", "'draw ' || random()::VARCHAR")
    results = check_report(seed_gold_report, rules=[rule], runner="gx")
    assert [r.outcome for r in results] == ["fail", "execution_error"]
    assert results[0].message.startswith("draw ")
    msg = results[1].message
    assert msg.startswith("GX and DuckDB disagree: GX 1 violating rows, DuckDB 1")
    assert "only in GX: income///: draw " in msg and "only in DuckDB: income///: draw " in msg


def test_gx_exception_text_reaches_the_result(seed_gold_report: Report, monkeypatch):
    from expectations import gx_runner

    monkeypatch.setattr(
        gx_runner, "gx_query", lambda rule, docs=None: "SELECT * FROM {batch}, no_such_relation_xyz"
    )
    results = check_report(seed_gold_report, rules=[_probe_rule("probe_exc", "'x'")], runner="gx")
    assert [r.outcome for r in results] == ["fail", "execution_error"]
    assert results[1].message.startswith("GX: ") and "no_such_relation_xyz" in results[1].message


def test_gx_that_cannot_run_is_an_execution_error_per_rule(seed_gold_report: Report, monkeypatch):
    from expectations import gx_runner

    def broken(*args, **kwargs):
        raise RuntimeError("no GX today\nsecond line of the reason")

    monkeypatch.setattr(gx_runner, "run_suite", broken)
    rules = [r for r in load_catalogue() if r.id in ("income_row_sum", "naming_consistency")]
    results = check_report(seed_gold_report, rules=rules, runner="gx")
    errors = [r for r in results if r.outcome == "execution_error"]
    assert sorted(r.rule_id for r in errors) == ["income_row_sum", "naming_consistency"]
    assert all("RuntimeError: no GX today ⏎ second line of the reason" in r.message for r in errors)
    # the DuckDB pass's results stay beside the error: what was compared is still visible
    assert any(r.rule_id == "income_row_sum" and r.outcome == "pass" for r in results)


def test_gx_releases_the_report_file(seed_gold_report: Report, tmp_path: Path):
    """GX opens the file read-only; once it is done no connection may remain (DuckDB would refuse to open the
    file again with another configuration)."""
    import duckdb

    from expectations.batch import load_batch_into
    from expectations.gx_runner import GxCheck, run_suite

    db = tmp_path / "report.duckdb"
    con = duckdb.connect(str(db))
    load_batch_into(con, [seed_gold_report])
    con.close()
    rules = [r for r in load_catalogue() if r.id == "income_row_sum"]
    run = run_suite(db, [GxCheck(rules[0], (0,))], run_name="release", data_docs_dir=None)
    assert run.outcomes[0].exception is None
    con = duckdb.connect(str(db))  # read-write, default threads: fails while GX holds the file
    assert con.execute("SELECT count(*) FROM batch_cells").fetchone()[0] > 100
    con.close()
