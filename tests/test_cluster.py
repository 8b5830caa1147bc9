"""The documents job on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1), configured by
the environment only, publishes exactly what the in-process run publishes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parent.parent

PUBLISHED = {
    "documents": "SELECT document_sha256, status, department, year, failing_rule_ids FROM mart.documents "
    "ORDER BY document_sha256",
    "amounts": "SELECT document_sha256, table_kind, subject_code, line_item, measure, amount_yuan "
    "FROM mart.report_amounts ORDER BY ALL",
    "rules": "SELECT document_sha256, rule_id, outcome, severity, table_kind, subject_code, line_item, measure, "
    "expected, actual, message FROM mart.rule_results ORDER BY ALL",
}


def published(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in PUBLISHED.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes (one thread each) on 127.0.0.1, free ports."""
    pytest.importorskip("distributed")
    work = tmp_path_factory.mktemp("dask")
    scheduler_file = work / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["TQDM_DISABLE"] = "1"
    common = ["--scheduler-file", str(scheduler_file), "--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                *common,
            ],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "scheduler.log", "w"),  # noqa: SIM115 - closed with the process
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), (work / "scheduler.log").read_text()
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        *common,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--name",
                        f"juesuan-worker-{i}",
                    ],
                    env=env,
                    cwd=work,
                    stdout=subprocess.DEVNULL,
                    stderr=open(work / f"worker{i}.log", "w"),  # noqa: SIM115
                )
            )
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _night(root: Path, site_dir: Path, url: str) -> Path:
    import dagster as dg

    from juesuan.portal.sample import write_sources
    from juesuan.portal.site import PortalSite
    from pipelines.definitions import build_definitions
    from pipelines.nightly import run_nightly
    from pipelines.parse_cache import ParseCache

    site = PortalSite.load(site_dir)
    defs = build_definitions(
        data_root=str(root / "data"),
        sources_file=str(write_sources(site)),
        portal_url=url,
        warehouse=str(root / "warehouse"),
    )
    out = root / "warehouse" / "juesuan.duckdb"
    instance = dg.DagsterInstance.ephemeral()
    summary = run_nightly(defs, instance, ParseCache(root / "data"), published_path=out, log_level="ERROR")
    assert summary.ok, summary.render()
    assert summary.get("parsed_reports", "parsed_now") > 0
    return out


def test_documents_job_on_a_dask_cluster_publishes_the_same(
    dask_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from distributed import Client

    from juesuan.portal.server import PortalServer
    from juesuan.portal.site import build_site

    site = build_site(tmp_path / "portal", regions=2, departments_per_region=2, years=(2023, 2024))
    server = PortalServer(site.site_dir, port=0).start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            monkeypatch.setenv("JUESUAN_WORKERS", "1")
            monkeypatch.delenv("JUESUAN_DASK_SCHEDULER", raising=False)
            local = published(_night(tmp_path / "local", site.site_dir, server.url))
            # the deployment points the same code at the cluster: an environment variable, no code change
            monkeypatch.setenv("JUESUAN_DASK_SCHEDULER", dask_cluster)
            remote = published(_night(tmp_path / "cluster", site.site_dir, server.url))
    finally:
        server.stop()
    assert local["amounts"] and local["rules"]
    assert {s for _, s, *_ in local["documents"]} >= {"published", "quarantined"}
    assert remote == local
    with Client(dask_cluster, timeout="30s") as client:
        assert len(client.nthreads()) == 2
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert {"parse_batch", "check_batch"} <= set(ran)
