"""Recovery, as an operator meets it: one `juesuan run` night on a folder source, then

- the warehouse folder deleted: `juesuan rebuild` re-derives it from the raw store alone, row for row the same;
- the published file corrupted: `juesuan rebuild` republishes it from staging, row for row the same;
- the sensors' cursors left where `dagster dev` on the same data folder expects them (no needless first run).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import scoreboard
from faultfiles import snapshot

from juesuan.cli import main
from warehouse.store import CORE_TABLES

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory):
    from juesuan.factory import generate_corpus

    base = tmp_path_factory.mktemp("recovery")
    data = base / "data"
    inbox = base / "inbox"
    generate_corpus(inbox, seed=11, regions=1, departments_per_region=3, years=(2023,))
    for extra in inbox.glob("*.csv"):
        extra.unlink()
    for extra in inbox.glob("*.json"):
        extra.unlink()
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    sources = base / "sources.yaml"
    sources.write_text(f"sources:\n  - {{id: inbox, family: folder, path: '{inbox}'}}\n", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUESUAN_DATA", str(data))
    mp.setenv("TQDM_DISABLE", "1")
    from juesuan.commands.run import run_once

    summary, published = run_once(sources)
    assert summary.ok, summary.render()
    yield base, data, published
    mp.undo()


def test_sensor_cursors_are_where_dagster_dev_expects_them(night) -> None:
    from pipelines.cursors import DOCUMENT_SENSORS, expected_cursors, sensor_cursor
    from pipelines.nightly import dagster_home
    from pipelines.sensors import catalogue_change_sensor, new_documents_sensor, parser_upgrade_sensor

    _, data, _ = night
    instance = dg.DagsterInstance.local_temp(tempdir=str(dagster_home(data)))
    try:
        expected = expected_cursors(instance)
        assert int(expected["new_documents_sensor"]) >= 4
        for name in DOCUMENT_SENSORS:
            assert sensor_cursor(instance, name) == expected[name], name
        # what the first tick of each sensor does with the stored cursor: nothing to launch
        for sensor in (new_documents_sensor, parser_upgrade_sensor, catalogue_change_sensor):
            ctx = dg.build_sensor_context(instance=instance, cursor=sensor_cursor(instance, sensor.name))
            result = sensor(ctx)
            requests = getattr(result, "run_requests", None) or []
            assert not requests, f"{sensor.name} would launch {len(requests)} run(s) on first UI start"
    finally:
        instance.dispose()


def test_rebuild_from_the_raw_store_alone_is_row_for_row_the_same(night, capsys, monkeypatch) -> None:
    scoreboard.tried("process:warehouse_deleted", "process")
    base, data, published = night
    monkeypatch.setenv("JUESUAN_DATA", str(data))  # the operator's data root: its raw/ is the default source
    before = snapshot(published)
    assert before["facts"] and any(r for r in before["documents"])
    lost_dir = base / "lost-warehouse"
    shutil.move(str(published.parent), lost_dir)
    assert main(["rebuild", "--warehouse", str(published.parent)]) == 0
    out, err = capsys.readouterr()
    assert f"writing {published.resolve()}" in err and "rebuilt staging from the raw store" in out
    after = snapshot(published)
    scoreboard.lost("process:warehouse_deleted", max(0, len(before["documents"]) - len(after["documents"])))
    for table in CORE_TABLES:
        assert after[table] == before[table], f"core.{table} differs after rebuild"
    scoreboard.survived("process:warehouse_deleted")


def test_corrupted_published_file_is_republished_from_staging(night, capsys) -> None:
    scoreboard.tried("process:published_corrupted", "process")
    _, _, published = night
    before = snapshot(published)
    published.chmod(0o644)
    with open(published, "r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 8192)
    assert main(["rebuild", "--warehouse", str(published)]) == 0
    out, err = capsys.readouterr()
    assert "from staging" in out and str(published.resolve()) in err
    after = snapshot(published)
    scoreboard.lost("process:published_corrupted", max(0, len(before["documents"]) - len(after["documents"])))
    assert after == before
    scoreboard.survived("process:published_corrupted")


def test_rebuild_of_a_folder_ingested_warehouse_is_row_for_row_the_same(tmp_path, capsys) -> None:
    """`juesuan ingest --from-dir` twice (the second folder holds a copy of a report under another name), the
    warehouse files deleted, `juesuan rebuild --from raw`: every core table and mart view is the same, fetch times
    (the files' modification times), sources and second sources included. About 30 s: three factory reports
    parsed and checked twice (ingest, then rebuild)."""
    import os

    from juesuan.factory import generate_corpus

    scoreboard.tried("process:folder_warehouse_deleted", "process")
    inbox, again, wh = tmp_path / "inbox", tmp_path / "again", tmp_path / "wh"
    entries = generate_corpus(inbox, seed=13, regions=1, departments_per_region=2, years=(2023,))
    for extra in [*inbox.glob("*.csv"), *inbox.glob("*.json")]:
        extra.unlink()
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    again.mkdir()
    first = Path(entries[0].file) if Path(entries[0].file).is_absolute() else inbox / entries[0].file
    shutil.copy(first, again / "copy.pdf")
    os.utime(again / "copy.pdf", (1_700_000_000.123456, 1_700_000_000.123456))
    for folder in (inbox, again):
        argv = ["ingest", "--from-dir", str(folder), "--warehouse", str(wh), "--rules-runner", "duckdb"]
        assert main(argv) == 0
    capsys.readouterr()
    published = wh / "juesuan.duckdb"
    before = snapshot(published, marts=True)
    assert (
        len(before["core.document_sources"]) == len(before["core.documents"]) + 1
    )  # the copy's second source
    for name in ("juesuan.duckdb", "staging.duckdb", "juesuan.duckdb.wal", "staging.duckdb.wal"):
        (wh / name).unlink(missing_ok=True)
    assert main(["rebuild", "--warehouse", str(wh), "--from", "raw", "--rules-runner", "duckdb"]) == 0
    out, _ = capsys.readouterr()
    assert "rebuilt staging from the raw store" in out
    after = snapshot(published, marts=True)
    scoreboard.lost(
        "process:folder_warehouse_deleted",
        max(0, len(before["core.documents"]) - len(after["core.documents"])),
    )
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], f"{table} differs after rebuild"
    scoreboard.survived("process:folder_warehouse_deleted")
