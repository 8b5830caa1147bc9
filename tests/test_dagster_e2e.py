"""The whole Dagster graph, in process, against the sample portal served on 127.0.0.1.

Three nights on one ephemeral Dagster instance: the first crawls, parses, checks and publishes everything; the
second finds nothing new and parses nothing; the third, after the portal publishes a new report and replaces an
attachment in place, parses exactly those two and publishes them (the replaced version is superseded).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Factory defects that break an error-severity identity (the others are warnings or parser traps).
ERROR_DEFECTS = {"cross_table_mismatch", "leaf_typo"}


class Nights:
    """The portal, the definitions and the instance shared by the three nights, and each night's summary."""

    def __init__(self, root: Path) -> None:
        from juesuan.portal.sample import write_sources
        from juesuan.portal.server import PortalServer
        from juesuan.portal.site import build_site
        from pipelines.definitions import build_definitions
        from pipelines.parse_cache import ParseCache

        self.root = root
        self.site = build_site(root / "portal", regions=2, departments_per_region=2, years=(2023, 2024))
        self.server = PortalServer(self.site.site_dir, port=0).start()
        sources = write_sources(self.site)
        self.warehouse = root / "warehouse"
        self.defs = build_definitions(
            data_root=str(root / "data"),
            sources_file=str(sources),
            portal_url=self.server.url,
            warehouse=str(self.warehouse),
        )
        self.instance = dg.DagsterInstance.ephemeral()
        self.cache = ParseCache(root / "data")
        self.summaries: list[Any] = []

    def night(self) -> Any:
        from pipelines.nightly import run_nightly

        summary = run_nightly(
            self.defs, self.instance, self.cache, published_path=self.warehouse / "juesuan.duckdb"
        )
        assert summary.ok, summary.render()
        self.summaries.append(summary)
        return summary

    def mart(self, sql: str) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.warehouse / "juesuan.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def parse_materializations(self) -> int:
        records = self.instance.fetch_materializations(dg.AssetKey("parsed_reports"), limit=10_000).records
        return len(records)


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n = Nights(tmp_path_factory.mktemp("dagster-e2e"))
        try:
            n.night()
            yield n
        finally:
            n.server.stop()
            n.instance.dispose()


def test_first_night_publishes_clean_reports_and_quarantines_defective_ones(nights: Nights) -> None:
    first = nights.summaries[0]
    expected = nights.site.expected_final_accounts()  # sha256 -> factory doc id
    kept = nights.site.expected_documents()  # sha256 -> role
    assert set(first.runs) == {"crawl_job", "documents_job", "publish_job"}
    assert first.get("discovered_documents", "new") == len(kept)
    pdfs = {sha for sha, role in kept.items() if role in ("final_account", "budget", "notice")}
    assert set(nights.instance.get_dynamic_partitions("documents")) >= set(expected)
    assert first.get("parsed_reports", "parsed_now") == len(
        nights.instance.get_dynamic_partitions("documents")
    )
    assert first.get("parsed_reports", "parsed_now") >= len(pdfs & set(expected))

    status = dict(nights.mart("SELECT document_sha256, status FROM mart.documents"))
    defects = {e["doc_id"]: {d["kind"] for d in e["defects"]} for e in nights.site.manifest()}
    for sha, doc_id in expected.items():
        if defects[doc_id] & ERROR_DEFECTS:
            assert status.get(sha) == "quarantined", (doc_id, defects[doc_id], status.get(sha))
        elif not defects[doc_id]:
            assert status.get(sha) == "published", (doc_id, status.get(sha))
    reasons = nights.mart(
        "SELECT document_sha256, failing_rule_ids FROM mart.documents WHERE status = 'quarantined'"
    )
    assert reasons and all(rules for _, rules in reasons)
    # the budget lands as a budget (published beside the final accounts); the notice is recorded as failed
    # with a reason, not lost
    failed = {sha for sha, st in status.items() if st == "failed"}
    budgets = {sha for sha, role in kept.items() if role == "budget"}
    assert budgets and all(status.get(sha) == "published" for sha in budgets), budgets
    kinds = dict(nights.mart("SELECT document_sha256, report_kind FROM mart.documents_by_kind"))
    assert {kinds[sha] for sha in budgets} == {"budget"}
    notices = {sha for sha, role in kept.items() if role == "notice"}
    assert notices and notices <= failed
    codes = dict(
        nights.mart("SELECT document_sha256, failure_code FROM mart.documents WHERE status = 'failed'")
    )
    assert {codes[sha] for sha in notices} == {"no_tables"}, codes
    # rule checks ran on the checked documents, one check per catalogue rule
    assert first.get("rule_results", "documents_checked") >= 1
    published = nights.mart("SELECT count(*) FROM mart.report_amounts")[0][0]
    assert published > 0
    text = first.render()
    for word in ("found", "parsed", "staged", "quarantined", "mart"):
        assert word in text


def test_tables_workbook_is_parsed_and_its_pdf_stays_current(nights: Nights) -> None:
    """The portal attaches the report's tables as an .xlsx beside the PDF: parsed, checked, kept, not current."""
    kept = nights.site.expected_documents()
    workbooks = [sha for sha, role in kept.items() if role == "tables"]
    assert workbooks
    for sha in workbooks:
        fmt, status, winner = nights.mart(
            "SELECT source_format, status, superseded_by FROM core.documents WHERE document_sha256 = ?".replace(
                "?", f"'{sha}'"
            )
        )[0]
        assert fmt == "xlsx" and status in ("published", "quarantined")
        assert nights.mart(
            f"SELECT source_format FROM core.documents WHERE document_sha256 = '{winner}'"
        ) == [("pdf",)]


def test_second_night_parses_nothing(nights: Nights) -> None:
    before = nights.parse_materializations()
    second = nights.night()
    assert set(second.runs) == {"crawl_job"}  # no documents run, no publish run
    assert second.pending_documents == 0
    assert second.get("discovered_documents", "new") == 0
    assert second.get("discovered_documents", "changed") == 0
    assert second.get("raw_documents", "new_partitions") == 0
    assert "parsed_reports" not in second.stages
    assert nights.parse_materializations() == before


def test_portal_change_is_picked_up_next_night(nights: Nights) -> None:
    added = nights.site.apply_change("add_report")
    replaced = nights.site.apply_change("replace_attachment")
    third = nights.night()
    assert third.get("discovered_documents", "new") == 1
    assert third.get("discovered_documents", "changed") == 1
    assert third.get("raw_documents", "new_partitions") == 2
    assert third.get("parsed_reports", "parsed_now") == 2
    assert third.get("parsed_reports", "cached") == 0
    rows = nights.mart("SELECT document_sha256, status, superseded_by, is_current FROM mart.documents")
    status = {sha: (st, sup, cur) for sha, st, sup, cur in rows}
    assert status[added["sha256"]][0] in ("published", "quarantined")
    assert status[replaced["sha256"]][0] in ("published", "quarantined")
    assert status[replaced["sha256"]][2] is True
    assert status[replaced["old_sha256"]][1:] == (replaced["sha256"], False)


def test_juesuan_run_cli_on_the_same_data_reports_no_changes(
    nights: Nights, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from juesuan.cli import main

    monkeypatch.setenv("JUESUAN_DATA", str(nights.root / "data"))
    monkeypatch.setenv("PORTAL_URL", nights.server.url)
    sources = nights.site.site_dir / "sources.yaml"
    assert main(["run", "--sources", str(sources), "--warehouse", str(nights.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "new 0, changed 0" in out
    assert "parsed          0 (no new or changed documents)" in out
    assert str(nights.warehouse / "juesuan.duckdb") in out
    assert (nights.root / "data" / "dagster").is_dir()  # the persistent instance under the data root
    assert main(["run", "--sources", str(nights.root / "missing.yaml")]) == 2
