"""End-to-end scale benchmark (part of `make bench`): sample portal crawl → published mart at several sizes.

For each size N (factory reports), in its own subprocess (so peak memory is its own): build a sample portal of
N reports, serve it on 127.0.0.1, run one night of the Dagster pipeline in process (crawl → parse → check →
stage → publish, documents parsed and checked by `--workers` processes), then a night with nothing new, a
forced re-publish, and the README's and dashboard-like queries on the published file (p95 of repeated runs).
Also, on one fixed corpus, `juesuan ingest` with one worker and with two (the parallel speed-up).

    python benchmarks/scale.py [--sizes 100,500,2000] [--workers 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261206
#: Reports per region of the sample portal (25 departments × 2 years): regions grow with N.
PER_REGION = 50
QUERY_REPEATS = 20

#: Dashboard-like queries: what an overview, a department profile, a function drill-down and a data-quality page
#: ask of the published mart (the README's queries are read from docs/queries/*.sql).
DASHBOARD_QUERIES = {
    "overview_documents_by_region_year": (
        "SELECT province, city, county, year, status, count(*) AS documents FROM mart.documents "
        "WHERE is_current GROUP BY ALL ORDER BY ALL"
    ),
    "overview_totals_by_year": (
        "SELECT year, count(*) AS departments, sum(expenditure_total) AS expenditure, "
        "sum(basic_expenditure) AS basic FROM mart.department_year GROUP BY year ORDER BY year"
    ),
    "department_profile": (
        "SELECT * FROM mart.department_year WHERE department_id = "
        "(SELECT min(department_id) FROM mart.department_year) ORDER BY year"
    ),
    "department_amounts": (
        "SELECT table_kind, line_item, subject_code, measure, amount_yuan FROM mart.report_amounts "
        "WHERE department = (SELECT min(department) FROM mart.report_amounts) AND year = "
        "(SELECT max(year) FROM mart.report_amounts) ORDER BY ALL"
    ),
    "function_drilldown_class": (
        "SELECT year, class_code, class_name, sum(total) AS total FROM mart.expenditure_by_function "
        "GROUP BY ALL ORDER BY year, total DESC"
    ),
    "function_departments_one_kuan": (
        "SELECT department, year, sum(total) AS total FROM mart.expenditure_by_function WHERE kuan_code = "
        "(SELECT min(kuan_code) FROM mart.expenditure_by_function) GROUP BY ALL ORDER BY total DESC LIMIT 50"
    ),
    "quality_rule_failures": (
        "SELECT rule_id, severity, count(*) AS findings, count(DISTINCT document_sha256) AS documents "
        "FROM mart.rule_results WHERE outcome = 'fail' GROUP BY ALL ORDER BY findings DESC"
    ),
    "quality_problem_documents": (
        "SELECT department, year, status, failing_rule_ids FROM mart.documents "
        "WHERE status <> 'published' ORDER BY department, year"
    ),
}


def _peak_mb() -> tuple[float, float]:
    """Peak RSS (MiB) of this process and of its largest child process (the parse/check workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _pages(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    n = 0
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        try:
            n += len(pdf)
        finally:
            pdf.close()
    return n


def readme_queries() -> dict[str, str]:
    folder = ROOT / "docs" / "queries"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.sql"))}


def dashboard_calls(published: Path) -> dict[str, Any]:
    """The dashboard's own data functions (juesuan.dashboard.data), each as a call on one reader: the pages'
    queries as the dashboard runs them (its per-publication snapshots included). Empty without the dashboard."""
    try:
        from juesuan.dashboard import data as d
    except ImportError:
        return {}
    r = d.WarehouseReader(published)
    r.refresh()
    region = d.RegionFilter()
    years = d.years(r) or [2024]
    lo, hi = min(years), max(years)
    deps = d.departments(r, region)
    dep = str(deps.iloc[0][deps.columns[0]]) if len(deps) else ""
    leaves = d.function_leaves(r, region, hi, None)
    code = str(leaves.iloc[0]["class_code"]) if len(leaves) else "201"
    metrics = list(getattr(d, "METRICS", {}) or [])[:2]
    calls: dict[str, Any] = {
        "dash.regions": lambda: d.regions(r),
        "dash.documents_by_region_year": lambda: d.documents_by_region_year(r, region),
        "dash.problem_documents": lambda: d.problem_documents(r, region),
        "dash.departments": lambda: d.departments(r, region),
        "dash.department_headline": lambda: d.department_headline(r, dep),
        "dash.department_income": lambda: d.department_income(r, dep),
        "dash.department_functions": lambda: d.department_functions(r, dep),
        "dash.department_economic": lambda: d.department_economic(r, dep),
        "dash.department_rule_findings": lambda: d.department_rule_findings(r, dep),
        "dash.function_leaves": lambda: d.function_leaves(r, region, hi, None),
        "dash.function_departments": lambda: d.function_departments(r, region, hi, None, code),
        "dash.rule_failures": lambda: d.rule_failures(r, region, lo, hi, "year"),
    }
    if metrics:
        calls["dash.compare"] = lambda: d.compare(r, region, lo, hi, None, metrics)
    return calls


def time_queries(published: Path) -> dict[str, dict[str, float]]:
    """p50/p95/max milliseconds of each query over QUERY_REPEATS runs on a read-only connection."""
    import duckdb

    out: dict[str, dict[str, float]] = {}
    con = duckdb.connect(str(published), read_only=True)
    try:
        for name, sql in {**readme_queries(), **DASHBOARD_QUERIES}.items():
            times = []
            rows = 0
            try:
                for _ in range(QUERY_REPEATS):
                    t0 = time.perf_counter()
                    rows = len(con.execute(sql).fetchall())
                    times.append((time.perf_counter() - t0) * 1000)
            except duckdb.Error as exc:
                out[name] = {"error": str(exc).splitlines()[0]}  # type: ignore[dict-item]
                continue
            out[name] = {**_percentiles(times), "rows": rows}
    finally:
        con.close()
    try:
        calls = dashboard_calls(published)
    except Exception as exc:  # the dashboard changed its functions: say so, keep the other figures
        calls, out["dash"] = {}, {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}  # type: ignore[dict-item]
    for name, call in calls.items():
        times = []
        try:
            for _ in range(QUERY_REPEATS):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:
            out[name] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}  # type: ignore[dict-item]
            continue
        out[name] = _percentiles(times)
    return out


def _percentiles(times: list[float]) -> dict[str, float]:
    """p50, p95 (nearest rank) and max of query times in ms."""
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, math.ceil(0.95 * len(times)) - 1)], 2),
        "max_ms": round(times[-1], 2),
    }


# ---- one size, in its own process ----------------------------------------------------------------------------


def run_size(n: int, workdir: Path) -> dict:
    """Portal of `n` factory reports → night 1 → a night with nothing new → forced publish → queries."""
    import warnings

    import dagster as dg

    from juesuan.portal.sample import write_sources
    from juesuan.portal.server import PortalServer
    from juesuan.portal.site import build_site
    from pipelines.definitions import build_definitions
    from pipelines.nightly import run_nightly
    from pipelines.parse_cache import ParseCache
    from warehouse.store import Warehouse

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TQDM_DISABLE", "1")
    regions = max(1, math.ceil(n / PER_REGION))
    departments = max(1, math.ceil(n / (2 * regions)))
    t0 = time.perf_counter()
    site = build_site(
        workdir / "portal",
        seed=SEED,
        regions=regions,
        departments_per_region=departments,
        years=(2023, 2024),
        hold_back=0,
    )
    build_s = time.perf_counter() - t0
    manifest = json.loads((site.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    pdfs = [site.corpus_dir / e["file"] for e in manifest]
    pages = _pages(pdfs)
    sources = write_sources(site)
    text = sources.read_text(encoding="utf-8").replace("rate_per_host: 50", "rate_per_host: 2000")
    sources.write_text(text, encoding="utf-8")
    server = PortalServer(site.site_dir, port=0).start()
    data, wh_dir = workdir / "data", workdir / "warehouse"
    published = wh_dir / "juesuan.duckdb"
    try:
        defs = build_definitions(
            data_root=str(data), sources_file=str(sources), portal_url=server.url, warehouse=str(wh_dir)
        )
        instance = dg.DagsterInstance.ephemeral()
        cache = ParseCache(data)
        t1 = time.perf_counter()
        first = run_nightly(defs, instance, cache, published_path=published, log_level="ERROR")
        night1 = time.perf_counter() - t1
        steps = {
            s.step_key: round((s.end_time or 0) - (s.start_time or 0), 1)
            for run_id in first.runs.values()
            for s in instance.get_run_step_stats(run_id)
        }
        t2 = time.perf_counter()
        second = run_nightly(defs, instance, cache, published_path=published, log_level="ERROR")
        night2 = time.perf_counter() - t2
    finally:
        server.stop()
    with Warehouse(wh_dir) as wh:
        t3 = time.perf_counter()
        pub = wh.publish(force=True)
        publish_s = time.perf_counter() - t3
        by_status = dict(
            wh.con.execute(
                "SELECT status, count(*) FROM core.documents WHERE superseded_by IS NULL GROUP BY status"
            ).fetchall()
        )
        rows = {
            t: wh.con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0]
            for t in ("facts", "rule_results", "narrative_facts", "documents")
        }
    queries = time_queries(published)
    me, kids = _peak_mb()
    staging = wh_dir / "staging.duckdb"
    return {
        "reports": len(manifest),
        "pages": pages,
        "portal_build_seconds": round(build_s, 1),
        "night_seconds": round(night1, 1),
        "seconds_per_report": round(night1 / len(manifest), 3),
        "pages_per_second": round(pages / night1, 1),
        "night_steps_seconds": steps,
        "night_ok": first.ok,
        "night_error": next(iter(first.failed_runs.values()), None),
        "documents_by_status": {k: int(v) for k, v in by_status.items()},
        "unchanged_night_seconds": round(night2, 1),
        "unchanged_night_ok": second.ok,
        "unchanged_night_parsed": second.get("parsed_reports", "parsed_now", 0),
        "unchanged_night_summary": second.render().splitlines(),
        "publish_seconds": round(publish_s, 2),
        "published_documents": pub.document_count,
        "published_amounts": pub.amount_count,
        "rows": {k: int(v) for k, v in rows.items()},
        "warehouse_bytes": {
            "staging": staging.stat().st_size if staging.exists() else 0,
            "published": published.stat().st_size if published.exists() else 0,
            "raw_store": _dir_bytes(data / "raw"),
            "parse_cache": _dir_bytes(data / "parsed") + _dir_bytes(data / "checked"),
        },
        "raw_pdf_bytes": sum(p.stat().st_size for p in pdfs),
        "peak_rss_mb": {"main_process": round(me), "largest_worker": round(kids)},
        "queries": queries,
    }


# ---- 2 workers vs 1 -----------------------------------------------------------------------------------------


def run_parallel(corpus: Path, workers: int, workdir: Path) -> dict:
    """`juesuan ingest` of `corpus` with `workers` processes into a fresh warehouse (rules through GX)."""
    import warnings

    from warehouse.ingest import ingest_dir

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TQDM_DISABLE", "1")
    t0 = time.perf_counter()
    summary = ingest_dir(corpus, workdir / f"wh-{workers}", workers=workers)
    seconds = time.perf_counter() - t0
    me, kids = _peak_mb()
    return {
        "workers": workers,
        "files": len(summary.outcomes),
        "seconds": round(seconds, 2),
        "statuses": {s: len(summary.by_status(s)) for s in ("published", "quarantined", "failed")},
        "peak_rss_mb": {"main_process": round(me), "largest_worker": round(kids)},
    }


def _subprocess(args: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env={**os.environ, **env}
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return {"error": tail or "no output"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parallel_speedup(corpus: Path, workdir: Path) -> dict:
    one = _subprocess(["--parallel-worker", "1", "--corpus", str(corpus), "--workdir", str(workdir)], {})
    two = _subprocess(["--parallel-worker", "2", "--corpus", str(corpus), "--workdir", str(workdir)], {})
    out = {"one_worker": one, "two_workers": two}
    if "seconds" in one and "seconds" in two:
        out["speedup"] = round(one["seconds"] / two["seconds"], 2)
    return out


def scale(sizes: list[int], workers: int, workdir: Path) -> dict:
    results: dict[str, dict] = {}
    for n in sizes:
        print(f"scale: {n} reports, {workers} workers ...", flush=True)
        d = workdir / f"n{n}"
        results[str(n)] = _subprocess(
            ["--size-worker", str(n), "--workdir", str(d)], {"JUESUAN_WORKERS": str(workers)}
        )
        r = results[str(n)]
        if "error" in r:
            print(f"  failed: {r['error']}")
        else:
            print(f"  steps (s): {r['night_steps_seconds']}")
            print(
                f"  {r['reports']} reports, {r['pages']} pages in {r['night_seconds']} s "
                f"({r['seconds_per_report']} s/report, {r['pages_per_second']} pages/s); "
                f"unchanged night {r['unchanged_night_seconds']} s; publish {r['publish_seconds']} s",
                flush=True,
            )
    ok = [(int(n), r) for n, r in results.items() if "seconds_per_report" in r]
    growth = {}
    if len(ok) >= 2:
        base = ok[0][1]
        for n, r in ok[1:]:
            growth[str(n)] = round(r["seconds_per_report"] / base["seconds_per_report"], 2)
    return {"workers": workers, "sizes": results, "per_report_cost_vs_smallest": growth}


def print_scale(s: dict) -> None:
    print(f"\nEnd to end (sample portal crawl → published mart), {s['workers']} workers:")
    head = (
        f"{'reports':>8}{'pages':>7}{'wall s':>9}{'s/report':>10}{'pages/s':>9}{'worker MB':>11}"
        f"{'main MB':>9}{'staging MB':>12}{'mart MB':>9}{'no-change s':>13}{'publish s':>11}{'query p95 ms':>14}"
    )
    print(head)
    for _n, r in s["sizes"].items():
        if "error" in r:
            print(f"{_n:>8}  failed: {r['error']}")
            continue
        p95 = max((q.get("p95_ms", 0) for q in r["queries"].values()), default=0)
        wb = r["warehouse_bytes"]
        print(
            f"{r['reports']:>8}{r['pages']:>7}{r['night_seconds']:>9}{r['seconds_per_report']:>10}"
            f"{r['pages_per_second']:>9}{r['peak_rss_mb']['largest_worker']:>11}{r['peak_rss_mb']['main_process']:>9}"
            f"{wb['staging'] / 2**20:>12.1f}{wb['published'] / 2**20:>9.1f}{r['unchanged_night_seconds']:>13}"
            f"{r['publish_seconds']:>11}{p95:>14}"
        )
    if s["per_report_cost_vs_smallest"]:
        print(
            "cost per report relative to the smallest size (≤ 1 = linear or better): "
            + ", ".join(f"{n}: {v}x" for n, v in s["per_report_cost_vs_smallest"].items())
        )
    last = [r for r in s["sizes"].values() if "queries" in r]
    if last:
        print(f"queries on the {last[-1]['reports']}-report warehouse (p95 ms of {QUERY_REPEATS} runs):")
        for name, q in last[-1]["queries"].items():
            print(f"  {name:<45}{q.get('p95_ms', q.get('error'))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,500,2000", help="comma-separated report counts")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--size-worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--parallel-worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.size_worker:
        print(json.dumps(run_size(args.size_worker, args.workdir)))
        return 0
    if args.parallel_worker:
        print(json.dumps(run_parallel(args.corpus, args.parallel_worker, args.workdir)))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="juesuan-scale-"))
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    out = scale(sizes, args.workers, workdir)
    print_scale(out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def print_parallel(p: dict) -> None:
    one, two = p.get("one_worker", {}), p.get("two_workers", {})
    if "seconds" not in one or "seconds" not in two:
        print(f"  parallel run failed: {one.get('error') or two.get('error')}")
        return
    print(
        f"  {one['files']} files: 1 worker {one['seconds']} s, 2 workers {two['seconds']} s → "
        f"{p['speedup']}x (peak RSS of a worker: {two['peak_rss_mb']['largest_worker']} MB)"
    )
