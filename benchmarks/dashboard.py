"""Dashboard benchmark (`make bench-dashboard`): each page's load time (p50/p95) on a 2,000-report warehouse.

How the 2,000 reports are made (honestly, and fast enough for a 2-core machine): a factory corpus of BASE
reports is fully ingested (parse → rules → stage → publish, rules through the DuckDB runner: the same catalogue
as great-expectations, without its per-report overhead), then PAIRS departments' final accounts and 部门预算 of
the same year (the budgets factory) are ingested beside them (so 预算执行 has data), then a copy of the published file is scaled in SQL:
every document is replicated under a new sha256 (sha256(original || '#k')), a new county (`<county>·k`, a new
region) and new department ids, with all its rows (cells with page and bbox, rule results, tables, headcount,
narrative, problems). The copies point at the same kept raw files, so the source view renders real pages.
The published views (mart.*) are computed from these core tables exactly as for ingested data.

Timing: a real browser (Debian's chromium via Playwright) opens each page URL afresh (a new navigation, as a
bookmark, a reload or a clicked link: the HTML with its tables, the scripts from the browser cache, every chart
drawn by vega-embed and every image decoded) until the page marks itself ready (app.js sets data-ready after
the last chart and image); `no-cache` mode runs the dashboard with JUESUAN_DASHBOARD_NO_CACHE=1 so every load
queries DuckDB (the worst case: the first visitor after a publish); `cache` mode is the dashboard as deployed.
The department, 预算执行 and source pages rotate through different departments and documents (the source view's
page image is rendered from the raw PDF on each new document: its cache does not help).
Baseline: the same load of a page that runs no query (the Data Docs page without a document), measured in the
same run; the ratio to it is what `make bench` style comparisons use. Server-side time (printed in each page
footer) is reported beside the browser time.

    python benchmarks/dashboard.py [--reports 2000] [--loads 20] [--base 60] [--pairs 8]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_SEED = 20241206
CHROMIUM = "/usr/bin/chromium"
FOOTER = "本页查询与生成用时"


def build_base(folder: Path, reports: int, pairs: int) -> Path:
    """Factory corpus of about `reports` reports over 3 years and `pairs` departments with both a final account
    and a budget (2024), ingested once (kept in data/bench-dashboard)."""
    from juesuan.budgets.factory import generate_pairs
    from juesuan.factory import generate_corpus
    from warehouse.ingest import default_checker, ingest_dir

    root = folder / f"base-{reports}-pairs-{pairs}"
    published = root / "warehouse" / "juesuan.duckdb"
    if published.exists():
        return published
    shutil.rmtree(root, ignore_errors=True)
    years = (2022, 2023, 2024)
    per_region = 5
    regions = max(1, math.ceil(reports / (len(years) * per_region)))
    t = time.perf_counter()
    generate_corpus(
        root / "corpus", seed=BENCH_SEED, regions=regions, departments_per_region=per_region, years=years
    )
    summary = ingest_dir(root / "corpus", root / "warehouse", checker=default_checker("duckdb"))
    n = len(summary.outcomes)
    if pairs:
        generate_pairs(root / "pairs", departments=pairs, years=(2024,))
        summary = ingest_dir(root / "pairs", root / "warehouse", checker=default_checker("duckdb"))
        n += len(summary.outcomes)
    print(f"base: {n} reports generated and ingested in {time.perf_counter() - t:.0f} s")
    return published


def scale(base: Path, target: Path, reports: int) -> dict:
    """Copy the published file and replicate every document under new keys until it holds >= `reports`."""
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(base, target)
    t = time.perf_counter()
    con = duckdb.connect(str(target))
    n = con.execute("SELECT count(*) FROM core.documents").fetchone()[0]
    copies = max(1, math.ceil(reports / n))
    con.execute("CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, ?)", [copies])
    sha = "sha256(t.document_sha256 || '#' || k.k)"
    dep = "left(sha256(t.department_id || '#' || k.k), 16)"
    reg = "t.region_id || '·' || k.k"
    county = "coalesce(t.county, coalesce(t.city, t.province)) || '·' || k.k"
    con.execute("BEGIN")
    con.execute(
        f"""INSERT INTO core.regions SELECT t.* REPLACE ({reg} AS region_id,
            {county} AS county, NULL AS adcode)
        FROM core.regions AS t, k"""
    )
    con.execute(
        f"INSERT INTO core.departments SELECT t.* REPLACE ({dep} AS department_id, {reg} AS region_id) "
        "FROM core.departments AS t, k"
    )
    con.execute(
        f"INSERT INTO core.department_names SELECT t.* REPLACE ({dep} AS department_id) "
        "FROM core.department_names AS t, k"
    )
    con.execute(
        f"""INSERT INTO core.documents SELECT t.* REPLACE ({sha} AS document_sha256, {dep} AS department_id,
            {reg} AS region_id,
            CASE WHEN t.superseded_by IS NULL THEN NULL ELSE sha256(t.superseded_by || '#' || k.k) END
                AS superseded_by)
        FROM core.documents AS t, k"""
    )
    for table in ("document_sources", "document_tables", "narrative_facts", "parse_problems", "rule_results"):
        con.execute(
            f"INSERT INTO core.{table} SELECT t.* REPLACE ({sha} AS document_sha256) FROM core.{table} AS t, k"
        )
    for table in ("facts", "headcount"):
        con.execute(
            f"INSERT INTO core.{table} SELECT t.* REPLACE ({sha} AS document_sha256, {dep} AS department_id) "
            f"FROM core.{table} AS t, k"
        )
    # publishing stores the heavy mart views' rows (warehouse.publish.materialize_marts): replicate them under
    # the same new keys, or the mart would still describe the base documents only
    from warehouse.publish import MART_CACHE_SCHEMA

    new_keys = {"document_sha256": sha, "department_id": dep, "region_id": reg, "county": county}
    stored = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [MART_CACHE_SCHEMA])
    for (table,) in stored.fetchall():
        cols = {r[0] for r in con.execute(f'DESCRIBE {MART_CACHE_SCHEMA}."{table}"').fetchall()}
        keys = ", ".join(f"{expr} AS {c}" for c, expr in new_keys.items() if c in cols)
        if keys:
            con.execute(
                f'INSERT INTO {MART_CACHE_SCHEMA}."{table}" SELECT t.* REPLACE ({keys}) '
                f'FROM {MART_CACHE_SCHEMA}."{table}" AS t, k'
            )
    docs = con.execute("SELECT count(*) FROM core.documents").fetchone()[0]
    amounts = con.execute("SELECT count(*) FROM mart.report_amounts").fetchone()[0]
    con.execute("UPDATE core.publication SET document_count = ?, amount_count = ?", [docs, amounts])
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()
    return {
        "base_documents": n,
        "copies": copies,
        "documents": docs,
        "amounts": amounts,
        "seconds": round(time.perf_counter() - t, 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(published: Path, log: Path, cache: bool) -> tuple[subprocess.Popen, str]:
    from juesuan.dashboard.launch import command, environment

    port = _free_port()
    env = environment()
    if not cache:
        env["JUESUAN_DASHBOARD_NO_CACHE"] = "1"
    proc = subprocess.Popen(
        command(port, warehouse=published), env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"dashboard did not start; see {log}")


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def measure(url: str, pages: dict[str, list[str]], loads: int, warmup: int) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()

        def route(r: object) -> None:
            u = r.request.url  # type: ignore[attr-defined]
            if u.startswith(("http://127.0.0.1", "data:", "blob:")):
                r.continue_()  # type: ignore[attr-defined]
            else:
                external.append(u)
                r.abort()  # type: ignore[attr-defined]

        page.route("**/*", route)
        for name, paths in pages.items():
            browser_s, server_ms = [], []
            for i in range(warmup + loads):
                path = paths[i % len(paths)]
                t = time.perf_counter()
                response = page.goto(url + path, wait_until="commit")
                page.wait_for_function("() => document.documentElement.dataset.ready", timeout=120000)
                elapsed = time.perf_counter() - t
                footer = page.get_by_test_id("footer")
                if (
                    response is None
                    or response.status >= 500
                    or page.evaluate("() => document.documentElement.dataset.ready") != "1"
                    or page.locator('[data-testid="python-error"]').count()
                ):
                    raise SystemExit(f"{name}: the page shows an error ({path})")
                if i >= warmup:
                    browser_s.append(elapsed)
                    m = re.search(r"用时 (\d+) 毫秒", footer.text_content() or "")
                    if m:
                        server_ms.append(int(m.group(1)))
            out[name] = {
                "loads": len(browser_s),
                "browser_p50_s": round(statistics.median(browser_s), 3),
                "browser_p95_s": round(pct(browser_s, 95), 3),
                "server_p50_s": round(statistics.median(server_ms) / 1000, 3) if server_ms else None,
                "server_p95_s": round(pct(server_ms, 95) / 1000, 3) if server_ms else None,
            }
            print(f"  {name:<10} {out[name]}", flush=True)
        browser.close()
    if external:
        raise SystemExit(f"requests left 127.0.0.1: {external[:5]}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--reports", type=int, default=2000, help="reports in the scaled warehouse (default 2000)"
    )
    ap.add_argument("--base", type=int, default=60, help="reports fully ingested before scaling (default 60)")
    ap.add_argument(
        "--pairs",
        type=int,
        default=8,
        help="departments with a final account and a budget in the base (default 8)",
    )
    ap.add_argument("--loads", type=int, default=20, help="timed loads per page (default 20)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "bench-dashboard")
    ap.add_argument(
        "--modes",
        default="no-cache,cache",
        help="no-cache: every load queries DuckDB (worst case); cache: the dashboard as deployed (results "
        "cached per publication, so repeated loads of the same page are served from memory)",
    )
    args = ap.parse_args()
    os.environ.setdefault("JUESUAN_DATA", str(args.out / "data-root"))
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")

    base = build_base(args.out, args.base, args.pairs)
    published = args.out / f"scaled-{args.reports}" / "juesuan.duckdb"
    built = scale(base, published, args.reports)
    print(f"scaled warehouse: {built}")

    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    depts = [
        r[0]
        for r in con.execute(
            "SELECT department_id FROM mart.departments ORDER BY hash(department_id) LIMIT 40"
        ).fetchall()
    ]
    shas = [
        r[0]
        for r in con.execute(
            "SELECT document_sha256 FROM mart.department_year ORDER BY hash(document_sha256) LIMIT 40"
        ).fetchall()
    ]
    budget_depts = [
        r[0]
        for r in con.execute(
            """SELECT DISTINCT department_id FROM mart.budget_vs_actual WHERE budget_source = 'budget'
            ORDER BY hash(department_id) LIMIT 40"""
        ).fetchall()
    ]
    con.close()
    pages = {
        "baseline": ["/data_docs"],
        "overview": ["/"],
        "compare": ["/compare"],
        "department": [f"/department?dept={d}" for d in depts],
        "functions": ["/functions"],
        "budget": [f"/budget?dept={d}" for d in budget_depts] or ["/budget"],
        "quality": ["/quality"],
        "source": [f"/source?sha={s}&metric=expenditure_total" for s in shas],
    }
    all_results = {}
    loads_seen: dict[str, dict] = {}
    for mode in args.modes.split(","):
        proc, url = start_server(published, args.out / f"server-{mode}.log", cache=(mode == "cache"))
        try:
            print(f"[{mode}] dashboard {url}; {args.loads} loads per page after {args.warmup} warm-up loads")
            before = os.getloadavg()
            results = measure(url, pages, args.loads, args.warmup)
            after = os.getloadavg()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        all_results[mode] = results
        loads_seen[mode] = {"before": before, "after": after}
        print(
            f"[{mode}] load average (1/5/15 min) before {before[0]:.1f}/{before[1]:.1f}/{before[2]:.1f}, after "
            f"{after[0]:.1f}/{after[1]:.1f}/{after[2]:.1f} on {os.cpu_count()} cores"
        )
        base_p95 = results["baseline"]["browser_p95_s"]
        print()
        print(
            f"[{mode}] {'page':<11}{'p50 s':>8}{'p95 s':>8}{'server p50':>12}{'server p95':>12}{'p95/baseline':>14}"
        )
        for name, r in results.items():
            ratio = r["browser_p95_s"] / base_p95 if base_p95 else float("nan")
            print(
                f"[{mode}] {name:<11}{r['browser_p50_s']:>8.3f}{r['browser_p95_s']:>8.3f}"
                f"{r['server_p50_s'] or 0:>12.3f}{r['server_p95_s'] or 0:>12.3f}{ratio:>14.2f}"
            )
        print()
    load = os.getloadavg()
    print(
        f"machine load average (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores"
    )
    (args.out / "results.json").write_text(
        json.dumps(
            {"warehouse": built, "modes": all_results, "loadavg": load, "loadavg_per_mode": loads_seen},
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
