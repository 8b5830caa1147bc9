"""A reader process querying mart in a loop while ingestion publishes twice sees only complete states, no lock error.

The reader opens the published file read-only per session (as a dashboard would), runs the same query twice per
session (a session must see one snapshot even if a publish lands in between), and records what it saw. Every
observation must equal one of the published generations exactly: generation, row counts and the sum of amounts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from test_warehouse import gold_report

from warehouse.store import Warehouse, WarehouseBusy

READER = r"""
import json, os, sys, time
import duckdb

path, stop, ready, out, mode = sys.argv[1:6]
deadline = time.monotonic() + 25
query = (
    "SELECT (SELECT generation FROM mart.publication), (SELECT count(*) FROM mart.report_amounts), "
    "(SELECT count(*) FROM mart.documents), (SELECT CAST(sum(amount_yuan) AS VARCHAR) FROM mart.report_amounts), "
    "(SELECT count(*) FROM mart.department_year)"
)
records, errors = [], []
# mode "held": a dashboard's connection, opened once and held across every publish. It runs in its own process:
# within one process DuckDB shares one database instance per path, so the session reader's new connections
# would keep reading the held (old) file too.
dashboard = duckdb.connect(path, read_only=True) if mode == "held" else None
while not os.path.exists(stop) and time.monotonic() < deadline:
    try:
        if dashboard is not None:
            row = dashboard.execute(query).fetchall()[0]
            records.append([list(row), list(row)])
            time.sleep(0.01)
        else:
            con = duckdb.connect(path, read_only=True)
            try:
                first = con.execute(query).fetchall()[0]
                time.sleep(0.005)
                second = con.execute(query).fetchall()[0]
            finally:
                con.close()
            records.append([list(first), list(second)])
        if len(records) == 1:
            open(ready, "w").close()
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
with open(out, "w") as fh:
    json.dump({"records": records, "errors": errors}, fh)
"""


def _state(wh: Warehouse, generation: int) -> list:
    amounts, total = wh.con.execute(
        "SELECT count(*), CAST(sum(amount_yuan) AS VARCHAR) FROM core.facts "
        "JOIN core.current_published USING (document_sha256)"
    ).fetchone()
    docs = wh.con.execute("SELECT count(*) FROM core.documents").fetchone()[0]
    dys = wh.con.execute("SELECT count(*) FROM core.current_published").fetchone()[0]
    return [generation, amounts, docs, total, dys]


def test_reader_process_sees_only_complete_publications(
    tmp_path: Path, real_corpus: Path, seed_dir: Path
) -> None:
    shared = real_corpus.parent.parent
    root = tmp_path / "wh"
    stop = tmp_path / "stop"
    script = tmp_path / "reader.py"
    script.write_text(READER)
    expected = []
    with Warehouse(root) as wh:

        def load(key: str) -> None:
            report, sha, path = gold_report(shared, key)
            wh.load_document(report, [], source=str(path), raw_sha256=sha, fetched_at=datetime(2025, 1, 1))

        load("putuo")
        first = wh.publish()
        expected.append(_state(wh, first.generation))
        readers = {
            mode: subprocess.Popen(
                [
                    sys.executable,
                    str(script),
                    str(first.path),
                    str(stop),
                    str(tmp_path / f"ready-{mode}"),
                    str(tmp_path / f"seen-{mode}.json"),
                    mode,
                ]
            )
            for mode in ("sessions", "held")
        }
        try:
            t0 = time.monotonic()
            for mode, reader in readers.items():
                while not (tmp_path / f"ready-{mode}").exists():
                    assert time.monotonic() - t0 < 15, f"{mode} reader never managed a first read"
                    assert reader.poll() is None, f"{mode} reader died"
                    time.sleep(0.02)
            load("petition")  # publish 1 of 2: one more document
            second = wh.publish()
            expected.append(_state(wh, second.generation))
            time.sleep(0.3)
            load("hetang")  # publish 2 of 2: one more department-year
            third = wh.publish()
            expected.append(_state(wh, third.generation))
            time.sleep(0.3)
        finally:
            stop.touch()
            for reader in readers.values():
                reader.wait(timeout=30)
    assert [r.returncode for r in readers.values()] == [0, 0]
    states = {tuple(s) for s in expected}
    assert len(states) == 3
    seen = json.loads((tmp_path / "seen-sessions.json").read_text())
    print(f"reader sessions: {len(seen['records'])}")
    assert seen["errors"] == [], seen["errors"][:3]
    generations = set()
    for first_read, second_read in seen["records"]:
        assert tuple(first_read) in states, f"incomplete state seen: {first_read}"
        assert first_read == second_read, "one session saw two different publications"
        generations.add(first_read[0])
    assert {second.generation, third.generation} <= generations, (
        f"the reader should have seen the publishes land: saw generations {sorted(generations)}"
    )
    # The held connection keeps the complete state it opened on: it neither blocked the publishes nor saw half.
    held = json.loads((tmp_path / "seen-held.json").read_text())
    assert held["errors"] == [], held["errors"][:3]
    assert held["records"] and all(r[0] == expected[0] for r in held["records"])


def test_a_second_writer_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    Warehouse(root).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from warehouse.store import Warehouse; w = Warehouse(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(20)",
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusy, match="one ingest at a time"):
            Warehouse(root)
    finally:
        holder.kill()
        holder.wait()
