"""Documents parsed and checked by two worker processes publish exactly what one process publishes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from warehouse.ingest import ingest_dir
from warehouse.workers import DEFAULT_BATCH_SIZE, MIN_PARALLEL_DOCUMENTS, batches

pytestmark = pytest.mark.slow

#: What the published mart says, without load times and file paths (which differ between two warehouses).
PUBLISHED_QUERIES = {
    "documents": "SELECT document_sha256, status, department, year, failing_rule_ids FROM mart.documents "
    "ORDER BY document_sha256",
    "amounts": "SELECT * EXCLUDE (source_page) FROM mart.report_amounts ORDER BY ALL",
    "rules": "SELECT document_sha256, rule_id, outcome, severity, table_kind, subject_code, line_item, measure, "
    "expected, actual, message FROM mart.rule_results ORDER BY ALL",
}


def published(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name, sql in PUBLISHED_QUERIES.items():
            try:
                out[name] = con.execute(sql).fetchall()
            except duckdb.BinderException:  # a column this schema version does not have: compare the rest
                out[name] = con.execute(sql.replace(" EXCLUDE (source_page)", "")).fetchall()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from juesuan.factory import generate_corpus

    out = tmp_path_factory.mktemp("parallel-corpus")
    generate_corpus(out, seed=11, regions=2, departments_per_region=3, years=(2023, 2024), defect_rate=0.4)
    assert len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))) >= MIN_PARALLEL_DOCUMENTS
    return out


def test_two_workers_publish_what_one_publishes(corpus: Path, tmp_path: Path):
    one = ingest_dir(corpus, tmp_path / "one", workers=1)
    two = ingest_dir(corpus, tmp_path / "two", workers=2)
    assert len(one.outcomes) == len(two.outcomes) >= MIN_PARALLEL_DOCUMENTS
    assert [o.status for o in one.outcomes] == [o.status for o in two.outcomes]
    assert {o.status for o in one.outcomes} >= {"published", "quarantined"}
    a, b = published(one.publication.path), published(two.publication.path)
    assert a["amounts"] and a["rules"]
    assert a == b
    # one Data Docs site for the warehouse, a page per batch (not per report), whichever worker wrote it
    site = tmp_path / "two" / "data-docs"
    assert (site / "index.html").exists()
    assert len(list((site / "validations").rglob("*.html"))) == len(
        batches(len(two.outcomes), 2, DEFAULT_BATCH_SIZE)
    )
    # nothing new: a second night derives nothing, with any number of workers
    again = ingest_dir(corpus, tmp_path / "two", workers=2)
    assert again.changed == 0


def test_batches_cover_every_document_once():
    for n in (0, 1, 4, 11, 12, 25, 26, 74, 76, 101, 2000):
        for workers in (1, 2, 3):
            ranges = batches(n, workers, 25)
            assert [i for r in ranges for i in r] == list(range(n))
            assert all(len(r) <= 1.5 * 25 for r in ranges)
            assert max(map(len, ranges), default=0) - min(map(len, ranges), default=0) <= 1  # balanced
            if n >= workers:
                assert len(ranges) % workers == 0  # every worker gets as many batches
