"""Bad files, each a fault: ingested beside good factory reports through `juesuan ingest`, every bad file becomes a
failed document with its own code and reason in mart.documents and the CLI summary, the good reports are still
published or quarantined on their merits, the raw files are intact, and a rerun changes nothing.

The per-document limits: a PDF built to run the parser for seconds and one built to inflate a stream to 400 MB are
ingested under JUESUAN_PARSE_TIMEOUT=3 / JUESUAN_PARSE_MEMORY_MB=300 and recorded as parse_timeout / parse_memory.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import scoreboard
from faultfiles import FILE_FAULTS, LIMIT_FAULTS, bomb_pdf, slow_pdf, thousand_pages, write_fault_files

from juesuan.cli import main
from juesuan.rawstore import RawStore
from warehouse.publish import connect_published


def _documents(published: Path) -> dict[str, dict]:
    con = connect_published(published)
    try:
        cur = con.execute(
            "SELECT source, status, failure_code, failure_reason, is_current, document_sha256 FROM mart.documents"
        )
        cols = [d[0] for d in cur.description]
        return {Path(r[0]).name: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    finally:
        con.close()


def _state(published: Path) -> list[tuple]:
    con = connect_published(published)
    try:
        return (
            con.execute(
                "SELECT document_sha256, status, failure_code, superseded_by FROM core.documents ORDER BY 1"
            ).fetchall()
            + con.execute("SELECT count(*) FROM core.facts").fetchall()
        )
    finally:
        con.close()


def _verify_raw(root: Path) -> int:
    store = RawStore(root)
    files = store.list()
    for f in files:
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256
    return len(files)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory):
    from juesuan.factory import generate_corpus

    base = tmp_path_factory.mktemp("files")
    folder = base / "inbox"
    entries = generate_corpus(folder / "good", seed=7, regions=1, departments_per_region=2, years=(2023,))
    for extra in ("manifest.csv", "manifest.json"):
        (folder / "good" / extra).unlink(missing_ok=True)
    write_fault_files(folder)
    return base, folder, [e.file for e in entries]


def _ingest(folder: Path, warehouse: Path, capsys, monkeypatch, **env: str) -> tuple[int, str]:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    rc = main(
        ["ingest", "--from-dir", str(folder), "--warehouse", str(warehouse), "--rules-runner", "duckdb"]
    )
    out = capsys.readouterr().out
    return rc, out


def test_bad_files_are_failed_documents_with_their_reasons(ingested, capsys, monkeypatch) -> None:
    base, folder, good = ingested
    wh = base / "wh"
    for name in FILE_FAULTS:
        scoreboard.tried(f"files:{name.removesuffix('.pdf')}", "files")
    rc, out = _ingest(folder, wh, capsys, monkeypatch)
    assert rc == 0, out
    docs = _documents(wh / "juesuan.duckdb")
    good_docs = [docs.get(Path(g).name) for g in good]
    lost = sum(d is None or d["status"] not in ("published", "quarantined") for d in good_docs)
    for name in FILE_FAULTS:
        scoreboard.lost(f"files:{name.removesuffix('.pdf')}", lost)
    assert lost == 0, good_docs
    first_state = _state(wh / "juesuan.duckdb")
    # a rerun over the same folder: the same published state, nothing re-derived
    rc2, out2 = _ingest(folder, wh, capsys, monkeypatch)
    assert rc2 == 0 and "unchanged since generation" in out2
    assert _state(wh / "juesuan.duckdb") == first_state
    assert _verify_raw(wh) == len(good) + len(FILE_FAULTS)
    for name, (what, code) in FILE_FAULTS.items():
        doc = docs[name]
        if code is None:
            assert doc["status"] in ("published", "quarantined", "failed"), doc
            assert doc["status"] != "failed" or doc["failure_reason"], doc
        elif code == "!encrypted":
            assert doc["failure_code"] != "encrypted", f"{what}: opens with the empty password"
        elif code == "not_final_account":
            assert doc["status"] != "published", f"{what} must not be published as a report: {doc}"
        else:
            assert (doc["status"], doc["failure_code"]) == ("failed", code), (what, doc)
            assert doc["failure_reason"] and doc["failure_reason"] in out, (
                f"{what}: reason not in the CLI summary"
            )
        scoreboard.survived(f"files:{name.removesuffix('.pdf')}")


def test_per_document_time_and_memory_limits(ingested, tmp_path: Path, capsys, monkeypatch) -> None:
    _base, folder, good = ingested
    for name in LIMIT_FAULTS:
        scoreboard.tried(f"files:{name.removesuffix('.pdf')}", "files")
    inbox = tmp_path / "inbox"
    shutil.copytree(folder / "good", inbox / "good")
    wh = tmp_path / "wh"
    rc, _ = _ingest(inbox, wh, capsys, monkeypatch)  # the good reports first, under the default limits
    assert rc == 0
    # one limit at a time, so a loaded machine cannot turn the memory bomb into a timeout
    (inbox / "runs_long.pdf").write_bytes(slow_pdf())
    # 600,000 text operators cannot be read in 0.3 s on any machine: the limit, not the machine, decides
    rc, out = _ingest(inbox, wh, capsys, monkeypatch, JUESUAN_PARSE_TIMEOUT="0.3")
    assert rc == 0, out
    (inbox / "memory_bomb.pdf").write_bytes(bomb_pdf())
    rc, out2 = _ingest(
        inbox, wh, capsys, monkeypatch, JUESUAN_PARSE_TIMEOUT="120", JUESUAN_PARSE_MEMORY_MB="300"
    )
    assert rc == 0, out2
    out += out2
    docs = _documents(wh / "juesuan.duckdb")
    lost = sum(docs.get(Path(g).name, {}).get("status") not in ("published", "quarantined") for g in good)
    for name in LIMIT_FAULTS:
        scoreboard.lost(f"files:{name.removesuffix('.pdf')}", lost)
    assert lost == 0
    for name, (what, code) in LIMIT_FAULTS.items():
        assert (docs[name]["status"], docs[name]["failure_code"]) == ("failed", code), (what, docs[name])
        assert docs[name]["failure_reason"] in out
        scoreboard.survived(f"files:{name.removesuffix('.pdf')}")


@pytest.mark.slow
def test_a_thousand_page_pdf_is_recorded_not_fatal(tmp_path: Path, capsys, monkeypatch) -> None:
    scoreboard.tried("files:thousand_pages", "files")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "thousand_pages.pdf").write_bytes(thousand_pages())
    rc, out = _ingest(inbox, tmp_path / "wh", capsys, monkeypatch, JUESUAN_PARSE_TIMEOUT="120")
    assert rc == 0, out
    doc = _documents(tmp_path / "wh" / "juesuan.duckdb")["thousand_pages.pdf"]
    assert doc["status"] == "failed" and doc["failure_code"] and doc["failure_reason"] in out
    scoreboard.lost("files:thousand_pages", 0)
    scoreboard.survived("files:thousand_pages")
