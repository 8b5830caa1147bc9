"""Load: four reader processes in a loop while factory reports are ingested and published twice: two run the README's
example queries (docs/queries/*.sql) on a fresh read-only connection per session, two run the dashboard's page
queries through its own reader (juesuan.dashboard.data.WarehouseReader, refreshed per session). No
reader error, no lock error; p50/p95 latency reported (on the scoreboard and in the test output).

`JUESUAN_LOAD_REPORTS` sets how many reports (default 8 in CI, split into two ingests); `make load` runs 500.
Also here: crawl politeness under load (several sources on one host crawled at once keep to the host's rate).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import scoreboard

from juesuan.cli import main

PROJECT = Path(__file__).resolve().parent.parent
QUERIES = sorted((PROJECT / "docs" / "queries").glob("*.sql"))
#: Extra queries a dashboard runs (filters by region and year, the documents list); the dashboard's own module adds
#: its queries here when it is merged.
DASHBOARD_QUERIES = [
    "SELECT status, count(*) FROM mart.documents WHERE is_current GROUP BY status ORDER BY status",
    "SELECT province, city, county, year, count(*) FROM mart.department_year GROUP BY ALL ORDER BY ALL",
    "SELECT year, sum(amount_yuan) FROM mart.report_amounts WHERE table_kind = 'expenditure' GROUP BY year",
]

READER = r"""
import json, os, sys, time
import duckdb

path, stop, out = sys.argv[1:4]
queries = json.loads(sys.argv[4])
mode = sys.argv[5]
latencies, errors, lock_errors, sessions = [], [], [], 0
if mode == "dashboard":  # the dashboard's own reader and page queries, as a dashboard session runs them
    from juesuan.dashboard import data as dash

    reader = dash.WarehouseReader(path)
    everywhere = dash.RegionFilter()
    calls = [
        lambda: dash.publication(reader),
        lambda: dash.regions(reader),
        lambda: dash.years(reader),
        lambda: dash.documents_by_region_year(reader, everywhere),
        lambda: dash.problem_documents(reader, everywhere),
        lambda: dash.departments(reader, everywhere),
        lambda: dash.quarantined(reader, everywhere, 2000, 2100),
    ]
while not os.path.exists(stop):
    if not os.path.exists(path):
        time.sleep(0.01)
        continue
    try:
        if mode == "dashboard":
            reader.refresh()  # a new generation is picked up by the next interaction
            for call in calls:
                t0 = time.perf_counter()
                call()
                latencies.append((time.perf_counter() - t0) * 1000)
        else:
            con = duckdb.connect(path, read_only=True)
            try:
                for q in queries:
                    t0 = time.perf_counter()
                    con.execute(q).fetchall()
                    latencies.append((time.perf_counter() - t0) * 1000)
            finally:
                con.close()
        sessions += 1
    except Exception as exc:
        msg = f"{type(exc).__name__}: {exc}"
        (lock_errors if "lock" in msg.lower() else errors).append(msg)
with open(out, "w") as fh:
    json.dump({"latencies": latencies, "errors": errors, "lock_errors": lock_errors, "sessions": sessions}, fh)
"""


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


@pytest.mark.slow
def test_four_readers_while_reports_are_ingested_and_published_twice(tmp_path: Path, capsys) -> None:
    from juesuan.factory import generate_corpus

    n = int(os.environ.get("JUESUAN_LOAD_REPORTS") or 8)
    regions = max(1, n // 50)
    depts = max(1, -(-n // (2 * regions)))
    entries = generate_corpus(
        tmp_path / "gen", seed=13, regions=regions, departments_per_region=depts, years=(2023, 2024)
    )
    pdfs = [tmp_path / "gen" / e.file for e in entries][:n]
    batches = [pdfs[: len(pdfs) // 2], pdfs[len(pdfs) // 2 :]]
    inbox, wh = tmp_path / "inbox", tmp_path / "wh"
    inbox.mkdir()
    published = wh / "juesuan.duckdb"
    queries = [q.read_text(encoding="utf-8") for q in QUERIES] + DASHBOARD_QUERIES
    assert len(QUERIES) >= 5
    stop = tmp_path / "stop"
    readers = []
    for i in range(4):
        out = tmp_path / f"reader{i}.json"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(published),
                str(stop),
                str(out),
                json.dumps(queries),
                "dashboard" if i >= 2 else "sql",  # two readers as the README's analyst, two as dashboards
            ],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(PROJECT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
        )
        readers.append((proc, out))
    t0 = time.perf_counter()
    publishes = []
    try:
        for batch in batches:
            for p in batch:
                shutil.copy2(p, inbox / p.name)
            assert (
                main(["ingest", "--from-dir", str(inbox), "--warehouse", str(wh), "--rules-runner", "duckdb"])
                == 0
            )
            publishes.append(time.perf_counter() - t0)
        time.sleep(0.5)  # the readers see the second generation too
    finally:
        stop.touch()
        results = []
        for proc, out in readers:
            proc.wait(60)
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            results.append(json.loads(out.read_text()))
    seconds = time.perf_counter() - t0
    capsys.readouterr()
    latencies = [x for r in results for x in r["latencies"]]
    errors = [e for r in results for e in r["errors"]]
    lock_errors = [e for r in results for e in r["lock_errors"]]
    p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
    scoreboard.readers(
        f"{len(pdfs)} reports, 4 readers",
        queries=len(latencies),
        errors=len(errors),
        lock_errors=len(lock_errors),
        p50_ms=p50,
        p95_ms=p95,
        ingest_s=round(seconds, 1),
        sessions=sum(r["sessions"] for r in results),
    )
    with capsys.disabled():
        print(
            f"\nload: {len(pdfs)} reports ingested and published twice in {seconds:.1f} s; 4 readers ran "
            f"{len(latencies)} queries ({sum(r['sessions'] for r in results)} sessions): {len(errors)} errors, "
            f"{len(lock_errors)} lock errors, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
    assert not errors and not lock_errors, (errors + lock_errors)[:5]
    assert all(r["sessions"] > 0 for r in results), "every reader ran"


def test_crawl_politeness_under_load(tmp_path: Path) -> None:
    """Three sources on one host crawled by three workers at once: the host still sees at most its configured rate."""
    from juesuan.crawl import CrawlState, HttpClient, crawl, load_sources
    from juesuan.portal.faults import FaultPortal
    from juesuan.rawstore import RawStore

    rate = 25.0
    with FaultPortal() as portal:
        portal.heal()
        text = "sources:\n" + "".join(
            portal.sources_yaml(source_id=f"s{i}", rate_per_host=rate).removeprefix("sources:\n")
            for i in range(3)
        )
        (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
        state = CrawlState(tmp_path / "state.sqlite")
        crawl(
            load_sources(tmp_path / "s.yaml"),
            store=RawStore(tmp_path / "d"),
            state=state,
            client=HttpClient(state, sleep=time.sleep),
            workers=3,
        )
        times = sorted(r.at for r in portal.requests)
    assert len(times) > 40
    span = times[-1] - times[0]
    measured = (len(times) - 1) / span
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # the client's pacing gives each request its own 1/rate slot; server-side arrival jitters by a few ms
    assert measured <= rate * 1.05, f"{measured:.1f} requests/s against a configured {rate}"
    window = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    # arrival is stamped by the server: a request paced on time but delayed on its way by a busy CPU (the suite's
    # other work on 2 cores) lands next to the following one, so one second may show a request or two more than the
    # client sent in it (seen: 27 at 25/s under load); a limiter per worker instead of per host would show 75
    assert window <= rate * 1.1 + 1, f"{window} requests within one second against a configured {rate}/s"
    assert statistics.median(gaps) >= (1 / rate) * 0.9
    scoreboard.readers(
        "crawl politeness (requests/s measured vs configured)",
        queries=len(times),
        errors=0,
        lock_errors=0,
        p50_ms=statistics.median(gaps) * 1000,
        p95_ms=_percentile([g * 1000 for g in gaps], 95),
        measured_rate=round(measured, 2),
        busiest_second=window,
        configured_rate=rate,
    )
