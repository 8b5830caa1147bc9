"""The warehouse bar, end to end: ingest a factory corpus and the real PDFs through parse → check → stage → publish.

- every nonzero truth cell of a published document appears exactly once in mart.report_amounts;
- every report with an error-severity failure is quarantined with the rule that caught it;
- reports with warnings only are published with their warnings; non-final-accounts fail with their reason;
- ingesting the same folder twice leaves every table's row count unchanged;
- a parser version bump re-derives every document from the kept raw files with one command.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from juesuan.cli import main
from juesuan.model import GoldCell, read_gold_csv
from warehouse.ingest import IngestSummary, default_checker, ingest_dir
from warehouse.publish import connect_published
from warehouse.store import CORE_TABLES, Warehouse

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

#: A seed whose small corpus has every template, both error defects and a 教育局 in 上海市 (analyst query 01).
FACTORY_SEED = 3
#: Injected defects that break an identity beyond the rounding envelope (error severity in the rule catalogue).
ERROR_DEFECTS = {"leaf_typo", "cross_table_mismatch"}


@dataclass
class Ingested:
    root: Path
    corpus: Path
    first: IngestSummary
    second: IngestSummary
    counts_first: dict[str, int]
    counts_second: dict[str, int]
    published_counts_first: dict[str, int]
    published_counts_second: dict[str, int]
    truth: dict[str, list[GoldCell]]  # sha256 → truth cells
    defects: dict[str, set[str]]  # sha256 → injected defect kinds


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published_counts(path: Path) -> dict[str, int]:
    con = connect_published(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0] for t in CORE_TABLES}
    finally:
        con.close()


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory, real_corpus: Path) -> Ingested:
    from juesuan.factory import generate_corpus

    corpus = tmp_path_factory.mktemp("corpus")
    entries = generate_corpus(
        corpus / "factory", seed=FACTORY_SEED, regions=2, departments_per_region=3, years=(2023, 2024)
    )
    truth: dict[str, list[GoldCell]] = {}
    defects: dict[str, set[str]] = {}
    for e in entries:
        sha = _sha(corpus / "factory" / e.file)
        truth[sha] = read_gold_csv(corpus / "factory" / e.truth_file)
        defects[sha] = {d["kind"] for d in e.defects}
    real = corpus / "real"
    (real / "not-final-accounts").mkdir(parents=True)
    for pdf in sorted(real_corpus.glob("*.pdf")):
        (real / pdf.name).symlink_to(pdf)
        truth[_sha(pdf)] = read_gold_csv(pdf.with_suffix(".gold.csv"))
        defects[_sha(pdf)] = set()
    for other in sorted((real_corpus / "not-final-accounts").iterdir()):
        (real / "not-final-accounts" / other.name).symlink_to(other)
    root = tmp_path_factory.mktemp("warehouse")
    checker = default_checker(
        "duckdb"
    )  # the same rule catalogue; GX itself is exercised by the CLI test below
    first = ingest_dir(corpus, root, checker=checker)
    with Warehouse(root) as wh:
        counts_first = wh.row_counts()
    published_first = _published_counts(first.publication.path)
    second = ingest_dir(corpus, root, checker=checker)
    with Warehouse(root) as wh:
        counts_second = wh.row_counts()
    published_second = _published_counts(second.publication.path)
    print(first.render())
    return Ingested(
        root,
        corpus,
        first,
        second,
        counts_first,
        counts_second,
        published_first,
        published_second,
        truth,
        defects,
    )


def _docs(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM mart.documents")
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_every_nonzero_truth_cell_of_a_published_document_appears_once(ingested: Ingested) -> None:
    con = connect_published(ingested.first.publication.path)
    docs = _docs(con)
    published = [sha for sha, d in docs.items() if d["status"] == "published" and d["is_current"]]
    kinds = dict(con.execute("SELECT document_sha256, report_kind FROM mart.documents_by_kind").fetchall())
    real_published = [
        sha for sha in published if "corpus/real" in docs[sha]["source"] and kinds[sha] == "final_account"
    ]
    assert len(real_published) == 2, (
        "both real final accounts must be published (their tables are consistent)"
    )
    for sha in (s for s in published if kinds[s] == "final_account"):  # budgets: tests/test_budgets.py
        rows = con.execute(
            """SELECT table_kind, coalesce(subject_code, ''), coalesce(line_item, ''), measure, amount_yuan, count(*)
               FROM mart.report_amounts WHERE document_sha256 = ? GROUP BY ALL""",
            [sha],
        ).fetchall()
        index = {(t, s, li, m): (a, n) for t, s, li, m, a, n in rows}
        missing = [
            g for g in ingested.truth[sha] if g.amount_yuan != 0 and index.get(g.key) != (g.amount_yuan, 1)
        ]
        assert not missing, (
            f"{docs[sha]['source']}: {len(missing)} truth cells not exactly once, e.g. {missing[:3]}"
        )
    print(f"{len(published)} published documents checked cell by cell against their truth")


def test_error_failures_are_quarantined_with_the_rule_that_caught_them(ingested: Ingested) -> None:
    con = connect_published(ingested.first.publication.path)
    docs = _docs(con)
    errors = {
        (sha, rule)
        for sha, rule in con.execute(
            "SELECT document_sha256, rule_id FROM mart.rule_results "
            "WHERE severity = 'error' AND outcome IN ('fail', 'parse_error')"
        ).fetchall()
    }
    for sha, d in docs.items():
        failing = {rule for s, rule in errors if s == sha}
        if failing:
            assert d["status"] == "quarantined", (
                f"{d['source']} has error failures {failing} but is {d['status']}"
            )
            assert set(d["failing_rule_ids"]) == failing
            assert d["failure_code"] in ("rule_failure", "unverifiable")
        elif d["status"] == "quarantined":
            assert d["failure_code"] == "check_error" and d["failure_reason"]
    injected = [sha for sha, kinds in ingested.defects.items() if kinds & ERROR_DEFECTS]
    assert injected, "the factory corpus should carry error-severity defects"
    for sha in injected:
        assert docs[sha]["status"] == "quarantined" and docs[sha]["failing_rule_ids"], docs[sha]["source"]
        assert (
            con.execute(
                "SELECT count(*) FROM mart.report_amounts WHERE document_sha256 = ?", [sha]
            ).fetchone()[0]
            == 0
        )


def test_warnings_only_reports_are_published_with_their_warnings(ingested: Ingested) -> None:
    con = connect_published(ingested.first.publication.path)
    rows = con.execute(
        """SELECT d.document_sha256, d.has_warnings, d.warning_rule_ids,
                  (SELECT count(*) FROM mart.report_amounts a WHERE a.document_sha256 = d.document_sha256 AND a.has_warnings)
           FROM mart.documents d WHERE d.status = 'published'"""
    ).fetchall()
    warned = [r for r in rows if r[1]]
    assert warned, "the real reports have narrative disagreements: they publish with warnings"
    for _sha, _flag, rule_ids, flagged_cells in warned:
        assert rule_ids and flagged_cells > 0


def test_files_that_are_not_final_accounts_fail_with_their_reason(ingested: Ingested) -> None:
    con = connect_published(ingested.first.publication.path)
    failed = con.execute(
        "SELECT source, failure_code, failure_reason FROM mart.documents WHERE status = 'failed' ORDER BY source"
    ).fetchall()
    # the two budgets there are budgets now (parsed, checked with the budget rules); the HTML page and the
    # scanned budget still fail, each with its reason
    assert [Path(s).name for s, _, _ in failed] == sorted(
        p.name
        for p in (ingested.corpus / "real" / "not-final-accounts").iterdir()
        if not p.name.startswith("budget-")
    )
    assert all(code and reason for _, code, reason in failed)
    assert len({code for _, code, _ in failed}) >= 2  # HTML page, scanned: different reasons
    kinds = con.execute(
        "SELECT report_kind, count(*) FROM mart.documents_by_kind WHERE status <> 'failed' GROUP BY ALL"
    ).fetchall()
    assert dict(kinds).get("budget") == 2


def test_ingesting_the_same_folder_twice_changes_no_row_count(ingested: Ingested) -> None:
    assert ingested.counts_second == ingested.counts_first
    assert ingested.published_counts_second == ingested.published_counts_first
    assert ingested.second.changed == 0
    assert {o.action for o in ingested.second.outcomes} == {"unchanged"}
    assert not ingested.second.publication.published
    assert ingested.second.publication.generation == ingested.first.publication.generation


def test_cli_ingest_prints_summary_and_path_then_reparse_rederives(
    tmp_path: Path, real_corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "wh"
    assert main(["ingest", "--from-dir", str(real_corpus), "--warehouse", str(root)]) == 0  # GX runner
    out = capsys.readouterr().out
    # the two real final accounts publish, and so do the Shenzhen 2026 and Jiangsu 2019 budgets (every table read,
    # every identity holds); the HTML page named .pdf and the scanned budget fail with their reasons
    assert "published      4" in out and "quarantined    0" in out and "failed         2" in out
    assert f"duckdb -readonly {root / 'juesuan.duckdb'}" in out
    with Warehouse(root) as wh:
        before = wh.row_counts()
        versions = {
            v for (v,) in wh.con.execute("SELECT DISTINCT parser_version FROM core.documents").fetchall()
        }
    import juesuan.parsing

    monkeypatch.setattr(juesuan.parsing, "PARSER_VERSION", "test-bumped")
    assert main(["reparse", "--warehouse", str(root), "--rules-runner", "duckdb"]) == 0
    out = capsys.readouterr().out
    assert "published generation 2" in out
    with Warehouse(root) as wh:
        after = wh.row_counts()
        assert wh.con.execute("SELECT DISTINCT parser_version FROM core.documents").fetchall() == [
            ("test-bumped",)
        ]
    assert versions != {"test-bumped"}
    assert {k: v for k, v in after.items() if k != "rule_results"} == {
        k: v for k, v in before.items() if k != "rule_results"
    }


def test_manifest_regions_match_mart(ingested: Ingested) -> None:
    """Region comes from the department name: it must agree with what the factory printed."""
    manifest = json.loads((ingested.corpus / "factory" / "manifest.json").read_text(encoding="utf-8"))
    con = connect_published(ingested.first.publication.path)
    docs = _docs(con)
    for e in manifest:
        d = docs[_sha(ingested.corpus / "factory" / e["file"])]
        assert (d["province"], d["year"]) == (e["province"], e["year"])
        assert d["county"] == (e["county"] or None)


QUERIES = sorted((Path(__file__).resolve().parent.parent / "docs" / "queries").glob("*.sql"))


def test_there_are_five_analyst_queries_and_the_readme_shows_them() -> None:
    assert len(QUERIES) == 5
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Warehouse and analyst queries", 1)[1]
    for q in QUERIES:
        body = q.read_text(encoding="utf-8").strip()
        assert body in section, f"README does not show {q.name} as written"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_analyst_query_runs_as_written(ingested: Ingested, query: Path) -> None:
    con = connect_published(ingested.first.publication.path)
    cur = con.execute(query.read_text(encoding="utf-8"))
    rows = cur.fetchall()
    assert rows, f"{query.name} returned nothing on the sample corpus"
    assert len({d[0] for d in cur.description}) == len(cur.description)


def test_region_option_is_used_and_remembered(tmp_path: Path, real_corpus: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "putuo.pdf").symlink_to(real_corpus / "putuo-finance-2024.pdf")
    root = tmp_path / "wh"
    assert main(["ingest", "--from-dir", str(folder), "--warehouse", str(root), "--region", "上海市//普陀区",
                 "--rules-runner", "duckdb"]) == 0  # fmt: skip
    con = connect_published(root / "juesuan.duckdb")
    assert con.execute("SELECT province, county, status FROM mart.documents").fetchall() == [
        ("上海市", "普陀区", "published")
    ]
    con.close()
    with Warehouse(root) as wh:
        hint = wh.con.execute("SELECT region_hint FROM core.documents").fetchone()[0]
    assert hint.startswith("上海市|") and hint.endswith("|普陀区")
    assert main(["ingest", "--from-dir", str(folder), "--warehouse", str(root), "--region", "火星省"]) == 2
