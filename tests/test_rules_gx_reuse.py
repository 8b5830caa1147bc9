"""GX's context, suite and checkpoint are reused across reports in one process: the results must be exactly
those of a context built for the report alone, and every report's file must still be released."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations import check_report, gx_runner, load_catalogue, run_checks
from expectations.relations import load_into
from juesuan.model import Report, read_gold_csv, report_from_gold

SEED_GOLD = "hetang-industrial-service-center-2020.gold.csv"


@pytest.fixture(scope="module")
def reports(seed_dir: Path, real_reports: list[tuple[Path, Path]]) -> dict[str, Report]:
    from juesuan.parsing import parse_report

    gold = report_from_gold(
        read_gold_csv(seed_dir / SEED_GOLD), department="株洲市荷塘区产业服务中心", year=2020
    )
    defect = copy.deepcopy(gold)
    defect.tables["income"].find(subject_code="2060102").cell("total").amount_yuan += Decimal("5000.00")
    real = parse_report(real_reports[0][0])
    return {"gold": gold, "defect": defect, "real": real}


@pytest.fixture()
def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many GX sessions (contexts with their suite and checkpoint) were built during the test."""
    built: list[int] = []
    original = gx_runner._GxSession.build.__func__

    def counting(cls, *args, **kwargs):
        built.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(gx_runner._GxSession, "build", classmethod(counting))
    gx_runner.clear_sessions()
    yield built
    gx_runner.clear_sessions()


def test_reused_session_gives_the_results_of_a_fresh_context(reports: dict[str, Report], count_builds):
    fresh = {}
    for name, report in reports.items():
        gx_runner.clear_sessions()  # a context built for this report alone
        fresh[name] = check_report(report, runner="gx")
        assert not [r for r in fresh[name] if r.outcome == "execution_error"], name
    assert count_builds == [1, 1, 1]
    # the three reports differ, so a session serving another report's results would be caught
    assert any(r.outcome == "fail" for r in fresh["defect"])
    assert fresh["gold"] != fresh["defect"] != fresh["real"]
    for order in (["gold", "defect", "real"], ["real", "defect", "gold", "defect"]):
        gx_runner.clear_sessions()
        count_builds.clear()
        for name in order:
            assert check_report(reports[name], runner="gx") == fresh[name], (order, name)
        # one session per rule list GX runs: the gold-derived reports share one, the parsed PDF (whose document
        # and narrative enable more rules) has its own
        assert count_builds == [1, 1], "the session was not reused across reports"


def test_reused_session_rereads_a_rewritten_file_and_releases_it(reports: dict[str, Report], tmp_path: Path):
    """The same path with new contents: GX must read the new rows (no metric cached from the previous run),
    and after each run the file opens read-write again (no connection left behind)."""
    rules = [r for r in load_catalogue() if r.id == "income_row_sum"]
    db = tmp_path / "report.duckdb"
    seen = []
    for name in ("gold", "defect", "gold"):
        con = duckdb.connect(str(db))  # read-write, default settings: fails while GX holds the file
        load_into(con, reports[name])
        con.close()
        run = gx_runner.run_suite(db, rules, run_name=f"reuse_{name}", data_docs_dir=None)
        outcome = run.outcomes["income_row_sum"]
        assert outcome.exception is None
        seen.append((outcome.success, outcome.row_count))
    assert seen == [(True, 0), (False, 1), (True, 0)]
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM cells").fetchone()[0] > 100
    con.close()


def test_reused_session_writes_data_docs_per_run_and_keeps_no_results(
    reports: dict[str, Report], tmp_path: Path
):
    """Data Docs are still written (and their index returned) on every run of a reused session; the in-memory
    results store does not grow with the number of reports checked."""
    docs = tmp_path / "docs"
    pages = []
    for name in ("gold", "defect"):
        run = run_checks(reports[name], runner="gx", data_docs_dir=docs)
        assert run.data_docs_index == docs / "index.html" and run.data_docs_index.exists()
        # as with a context per report, the site shows the last run: one validation page, this run's
        (page,) = (docs / "validations").rglob("*.html")
        pages.append(page)
    assert pages[0] != pages[1]
    sessions = [s for s in gx_runner._SESSIONS.values() if s.data_docs_dir == docs]
    assert len(sessions) == 1
    assert sessions[0].context.validation_results_store.list_keys() == []
