"""Pruning the great-expectations results every check run leaves in the warehouse (`warehouse.housekeeping`):
what a current document or a recent run needs stays, the rest goes, never while a check is writing, and a
second pruning removes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expectations.engine import PER_REPORT_SUFFIX, run_checks_batch
from expectations.gx_runner import DOCUMENTS_FILE, results_dir, site_lock
from juesuan.model import Report
from warehouse.housekeeping import KEEP_RUNS_ENV, prune_check_results

SUITE = "juesuan_rules"


@pytest.fixture
def rebuilt(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The sites whose index pruning rebuilt (GX itself is exercised by the real runs below)."""
    calls: list[Path] = []
    monkeypatch.setattr(
        "warehouse.housekeeping.rebuild_site_index", lambda site, keep=None: calls.append(site)
    )
    return calls


def _fake_run(site: Path, name: str, time: str, documents: list[str] | None) -> Path:
    """A stored run as GX lays it out (result, page), with the documents it checked unless `None`."""
    folder = results_dir(site) / SUITE / name / time
    folder.mkdir(parents=True)
    (folder / "report-documents.json").write_text(json.dumps({"results": []}), encoding="utf-8")
    if documents is not None:
        (folder / DOCUMENTS_FILE).write_text("".join(f"{d}\n" for d in documents), encoding="utf-8")
    page = site / "validations" / SUITE / name / time
    page.mkdir(parents=True)
    (page / "report-documents.html").write_text("<html></html>", encoding="utf-8")
    return folder


def _stored(site: Path) -> set[tuple[str, str]]:
    """(run name, run time) of every stored result, checking each has its page."""
    runs = {(p.parent.parent.name, p.parent.name) for p in results_dir(site).rglob("*.json")}
    pages = {(p.parent.parent.name, p.parent.name) for p in (site / "validations").rglob("*.html")}
    assert runs == pages
    return runs


def test_keeps_the_newest_run_of_each_current_document_and_the_latest_runs(
    tmp_path: Path, rebuilt: list[Path]
):
    site = tmp_path / "data-docs"
    _fake_run(
        site, "batch_a", "20261201T020000.000000Z", ["d1", "d2", "gone"]
    )  # every document checked later
    _fake_run(site, "batch_b", "20261202T020000.000000Z", ["d1"])
    _fake_run(site, "batch_c", "20261203T020000.000000Z", ["d2", "superseded"])
    _fake_run(site, "batch_c", "20261203T020001.000000Z", ["quarantined"])
    _fake_run(site, "legacy", "20261130T020000.000000Z", None)  # written before runs noted their documents
    _fake_run(site, "batch_d", "20261204T020000.000000Z", ["superseded"])  # the latest run
    current = ["d1", "d2", "quarantined"]

    summary = prune_check_results(site, current, keep_runs=1)

    assert _stored(site) == {
        ("batch_b", "20261202T020000.000000Z"),
        ("batch_c", "20261203T020000.000000Z"),
        ("batch_c", "20261203T020001.000000Z"),
        ("batch_d", "20261204T020000.000000Z"),
    }
    assert (summary.kept, summary.removed) == (4, 2) and summary.bytes_freed > 0
    assert rebuilt == [site]
    assert not (results_dir(site) / SUITE / "legacy").exists()  # emptied folders go too
    again = prune_check_results(site, current, keep_runs=1)
    assert (again.kept, again.removed) == (4, 0)  # idempotent
    everything = prune_check_results(site, current, keep_runs=10)
    assert (everything.kept, everything.removed) == (4, 0)
    assert rebuilt == [site]  # nothing removed, the index left as it is


def test_a_per_report_run_keeps_the_batch_run_it_completes(tmp_path: Path, rebuilt: list[Path]):
    site = tmp_path / "data-docs"
    _fake_run(site, "batch_x", "20261201T020000.000000Z", ["d1"])  # an older night's run of the same batch
    _fake_run(site, "batch_x", "20261202T020000.000000Z", ["d1"])
    _fake_run(site, "batch_x" + PER_REPORT_SUFFIX, "20261202T020005.000000Z", ["d1"])
    prune_check_results(site, ["d1"], keep_runs=0)
    assert _stored(site) == {
        ("batch_x", "20261202T020000.000000Z"),
        ("batch_x" + PER_REPORT_SUFFIX, "20261202T020005.000000Z"),
    }


def test_nothing_is_pruned_while_a_check_writes_to_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rebuilt: list[Path]
):
    site = tmp_path / "data-docs"
    _fake_run(site, "batch_a", "20261201T020000.000000Z", ["old"])
    _fake_run(site, "batch_b", "20261202T020000.000000Z", ["d1"])
    with site_lock(site):  # as `gx_runner.run_suite` holds it while GX writes and re-reads the results
        busy = prune_check_results(site, ["d1"], keep_runs=0)
    assert busy.skipped and busy.removed == 0
    assert len(_stored(site)) == 2
    monkeypatch.setenv(KEEP_RUNS_ENV, "many")
    bad = prune_check_results(site, ["d1"])
    assert KEEP_RUNS_ENV in (bad.skipped or "") and len(_stored(site)) == 2
    monkeypatch.setenv(KEEP_RUNS_ENV, "0")
    assert prune_check_results(site, ["d1"]).removed == 1
    assert _stored(site) == {("batch_b", "20261202T020000.000000Z")}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Report]:
    from juesuan.factory import generate_corpus
    from juesuan.parsing import parse_report

    out = tmp_path_factory.mktemp("housekeeping-corpus")
    generate_corpus(out, seed=5, regions=1, departments_per_region=2, years=(2024,))
    return [parse_report(p) for p in sorted(out.glob("*.pdf"))]


@pytest.mark.slow
def test_real_check_runs_note_their_documents_and_pruning_rebuilds_the_index(
    reports: list[Report], tmp_path: Path
):
    """GX's own runs: each notes the documents it checked; pruned runs leave the results, the pages and the
    index, and the next check still builds the site."""
    site = tmp_path / "data-docs"
    a, b = (r.source.sha256 for r in reports[:2])  # type: ignore[union-attr]
    run_checks_batch(reports[:2], runner="gx", data_docs_dir=site)
    run_checks_batch(reports[:1], runner="gx", data_docs_dir=site)
    run_checks_batch(reports[1:2], runner="gx", data_docs_dir=site)
    noted = sorted(p.read_text(encoding="utf-8").split() for p in results_dir(site).rglob(DOCUMENTS_FILE))
    assert noted == sorted([sorted([a, b]), [a], [b]])
    first = next(p.parent for p in results_dir(site).rglob(DOCUMENTS_FILE) if len(p.read_text().split()) == 2)

    summary = prune_check_results(site, [a, b], keep_runs=0)

    assert (summary.kept, summary.removed) == (2, 1)
    assert not first.exists() and len(_stored(site)) == 2
    index = (site / "index.html").read_text(encoding="utf-8")
    assert first.name not in index  # the index no longer links the removed run's page
    assert all(run_time in index for _name, run_time in _stored(site))
    run_checks_batch(reports[:1], runner="gx", data_docs_dir=site)
    assert len(_stored(site)) == 3


@pytest.mark.slow
def test_a_nightly_recheck_does_not_grow_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every re-check writes a new run for each batch; after the publish only the runs behind the current
    documents are left (with no recent run kept), so night after night the folder stays the same size."""
    from juesuan.factory import generate_corpus
    from warehouse.ingest import DATA_DOCS_DIR, ingest_dir, reparse

    corpus = tmp_path / "corpus"
    generate_corpus(corpus, seed=5, regions=1, departments_per_region=2, years=(2024,), defect_rate=0.5)
    monkeypatch.setenv(KEEP_RUNS_ENV, "0")
    root = tmp_path / "warehouse"
    first = ingest_dir(corpus, root, workers=1)
    site = root / DATA_DOCS_DIR
    night_one = _stored(site)
    assert night_one and {o.status for o in first.outcomes} <= {"published", "quarantined"}
    again = reparse(root, everything=True, workers=1)
    night_two = _stored(site)
    assert len(night_two) == len(night_one) and not night_two & night_one
    assert again.publication is not None and again.publication.pruned is not None
    assert again.publication.pruned.removed == len(night_one)
    assert "removed" in again.render()
