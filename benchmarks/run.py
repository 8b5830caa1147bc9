"""Parse benchmark (`make bench`): juesuan's full typed parse vs plain pdfplumber `extract_tables()` vs camelot.

One run, the same files for every tool: a fixed factory corpus (generated once into data/bench) plus the real
PDFs of ../shared/corpus/real. juesuan runs once per geometry engine (`juesuan-pdfium`: PDFium reads every
page; `juesuan-pdfplumber`: PDFium triages, pdfplumber reads the table pages). Each tool runs in its own
subprocess so peak memory (ru_maxrss) is its own. Prints pages/s, peak RSS and the ratio to pdfplumber, and
for each juesuan engine where the time goes by stage.

    python benchmarks/run.py [--quick] [--skip camelot] [--corpus DIR]
    python benchmarks/run.py --only budgets [--budget-rounds 7]   # the budget / final-account cost alone
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_SEED = 20241127
TOOLS = ("juesuan-pdfium", "juesuan-pdfplumber", "pdfplumber", "camelot")
#: Not a parse tool: parse then check each report (rule catalogue through great-expectations), timed apart.
CHECK_TOOL = "juesuan-check"
CHECK_FILES = 50
#: Reports also checked one at a time (the per-report cost before batching), for the same-run comparison.
CHECK_SINGLE = 5
#: Parse cost per page of the real budgets (部门预算) against the real final accounts: one process parses both,
#: every file once untimed (first-use costs: lazy imports, compiled patterns), then in alternating order over
#: BUDGET_ROUNDS rounds; the figure is the median per page, with the rounds' spread.
BUDGET_TOOL = "juesuan-budget-vs-final"
BUDGET_ROUNDS = 5
#: The final accounts (75 pages, under half a second) are parsed this many times a round, so a moment of load
#: elsewhere weighs on them no more than on the budgets (1,086 pages); their time is divided by it.
FINAL_REPEATS = 3
_JUESUAN_MODULES = (
    "juesuan.parsing",
    "juesuan.parsing.document",
    "juesuan.parsing.tables",
    "juesuan.parsing.narrative",
)
PRELOAD = {
    "juesuan-pdfium": _JUESUAN_MODULES,
    "juesuan-pdfplumber": (*_JUESUAN_MODULES, "juesuan.parsing.plumbergeom", "pdfplumber"),
    "pdfplumber": ("pdfplumber",),
    "camelot": ("camelot",),
    CHECK_TOOL: (*_JUESUAN_MODULES, "expectations", "great_expectations"),
    BUDGET_TOOL: (*_JUESUAN_MODULES, "juesuan.budgets.parse", "juesuan.budgets.tables"),
}


# ---- workers (run in a subprocess each) ---------------------------------------------------------------------


def _work_juesuan(files: list[Path], engine: str) -> dict:
    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount

    timings: dict[str, float] = {}
    cells = refused = 0
    for f in files:
        try:
            report = parse_report(f, timings=timings, engine=engine)
        except NotAFinalAccount:
            refused += 1
            continue
        cells += sum(1 for _ in report.iter_cells())
    return {"cells": cells, "refused": refused, "stages": timings}


def _work_pdfplumber(files: list[Path]) -> dict:
    import pdfplumber

    tables = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                tables += len(page.extract_tables())
                page.flush_cache()
    return {"tables": tables}


def _work_camelot(files: list[Path]) -> dict:
    import warnings

    import camelot

    warnings.filterwarnings("ignore")
    tables = errors = 0
    for f in files:
        try:
            tables += len(camelot.read_pdf(str(f), pages="all", flavor="lattice"))
        except Exception:  # a file camelot cannot read counts as an error, not a crash of the benchmark
            errors += 1
    return {"tables": tables, "errors": errors}


def _work_check(files: list[Path]) -> dict:
    """Parse each report, then check them in batches (as the pipeline does), timing the two apart: checking
    through GX must cost at most the parse time. The same reports checked one at a time (a batch of one, as
    before batching) are timed too, on the first CHECK_SINGLE of them: the baseline of the same run."""
    import tempfile as _tempfile

    from expectations.engine import run_checks_batch
    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount
    from warehouse.workers import DEFAULT_BATCH_SIZE

    parse_s: list[float] = []
    reports = []
    for f in files:
        t0 = time.perf_counter()
        try:
            report = parse_report(f)
        except NotAFinalAccount:
            continue
        parse_s.append(time.perf_counter() - t0)
        reports.append(report)
    run_checks_batch(reports[:1], runner="gx")  # GX's first-use cost (imports, registries) is not per report
    check: dict[str, float] = {}
    blocking = disagreements = 0
    docs = Path(_tempfile.mkdtemp(prefix="juesuan-bench-docs-"))
    for i in range(0, len(reports), DEFAULT_BATCH_SIZE):
        runs = run_checks_batch(reports[i : i + DEFAULT_BATCH_SIZE], runner="gx", data_docs_dir=docs)
        for stage, secs in runs[0].batch_timings.items():
            check[stage] = check.get(stage, 0.0) + secs
        for run in runs:
            blocking += any(
                r.severity == "error" and r.outcome in ("fail", "parse_error") for r in run.results
            )
            disagreements += sum(r.message.startswith("GX and DuckDB disagree") for r in run.results)
    single: dict[str, float] = {}
    for report in reports[:CHECK_SINGLE]:
        (run,) = run_checks_batch([report], runner="gx")
        for stage, secs in run.batch_timings.items():
            single[stage] = single.get(stage, 0.0) + secs
    return {
        "reports": len(parse_s),
        "parse_seconds": sum(parse_s),
        "check": check,
        "batch_size": DEFAULT_BATCH_SIZE,
        "single": single,
        "single_reports": min(CHECK_SINGLE, len(reports)),
        "blocking": blocking,
        "disagreements": disagreements,
    }


def _work_budget_vs_final(lines: list[str], rounds: int) -> dict:
    """The real final accounts and the real budgets parsed in one process, `rounds` times each, interleaved.

    Every file is parsed once untimed first, so first-use costs (lazy imports, compiled patterns) count for
    neither side; each round times both sides (wall and CPU seconds), the order alternating from round to
    round, with a garbage collection before each side so one side's garbage is not collected on the other's
    time; the final accounts (a few hundred ms) are parsed FINAL_REPEATS times a round. Interleaving means a
    burst of load from elsewhere on the machine lands on both sides or on one round only, and the median over
    the rounds drops it.
    """
    import gc

    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount

    sides: dict[str, list[Path]] = {"final": [], "budget": []}
    for line in lines:
        side, _, path = line.partition("\t")
        sides[side].append(Path(path))

    def parse(files: list[Path], stages: dict[str, float] | None = None) -> tuple[int, int]:
        cells = refused = 0
        for f in files:
            try:
                report = parse_report(f, engine="pdfium", timings=stages)
            except NotAFinalAccount:
                refused += 1
                continue
            cells += sum(1 for _ in report.iter_cells())
        return cells, refused

    out: dict = {side: {"wall": [], "cpu": [], "stages": {}} for side in sides}
    for side, files in sides.items():  # the untimed warm-up, and what the pages hold
        out[side]["cells"], out[side]["refused"] = parse(files)
        out[side]["content"] = _page_content(files)
    for r in range(rounds):
        for side in ("final", "budget") if r % 2 == 0 else ("budget", "final"):
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            repeats = FINAL_REPEATS if side == "final" else 1
            for _ in range(repeats):
                parse(sides[side], out[side]["stages"])
            out[side]["wall"].append((time.perf_counter() - w0) / repeats)
            out[side]["cpu"].append((time.process_time() - c0) / repeats)
    for side in sides:  # seconds per pass over the side's files
        n = rounds * (FINAL_REPEATS if side == "final" else 1)
        out[side]["stages"] = {k: v / n for k, v in out[side]["stages"].items()}
    return out


def _page_content(files: list[Path]) -> dict[str, int]:
    """What the pages hold, untimed: pages, table-like pages (ruled or laid out as a table: their glyphs are boxed
    one by one and their grids read), characters of the text layer, and of those the ones on table-like pages."""
    import pypdfium2 as pdfium

    from juesuan.parsing.pdfgeom import load_page

    out = {"pages": 0, "table_pages": 0, "chars": 0, "table_chars": 0}
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        try:
            for i in range(len(pdf)):
                geom = load_page(pdf, i)
                chars = sum(1 for c in geom.text if not c.isspace())
                out["pages"] += 1
                out["chars"] += chars
                if geom.table_like:
                    out["table_pages"] += 1
                    out["table_chars"] += chars
        finally:
            pdf.close()
    return out


def _table_like_pages(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    from juesuan.parsing.pdfgeom import load_page

    n = 0
    for f in files:
        try:
            pdf = pdfium.PdfDocument(str(f))
        except pdfium.PdfiumError:
            continue
        try:
            n += sum(load_page(pdf, i, chars=False).table_like for i in range(len(pdf)))
        finally:
            pdf.close()
    return n


def worker(tool: str, list_file: Path, rounds: int = BUDGET_ROUNDS) -> None:
    lines = [line for line in list_file.read_text(encoding="utf-8").splitlines() if line]
    files = [Path(line) for line in lines]
    fn = {
        "juesuan-pdfium": lambda fs: _work_juesuan(fs, "pdfium"),
        "juesuan-pdfplumber": lambda fs: _work_juesuan(fs, "pdfplumber"),
        "pdfplumber": _work_pdfplumber,
        "camelot": _work_camelot,
        CHECK_TOOL: _work_check,
        BUDGET_TOOL: lambda fs: _work_budget_vs_final(lines, rounds),
    }[tool]
    for module in PRELOAD[tool]:  # imports are not part of the timing; RSS after them is the baseline
        importlib.import_module(module)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    out = fn(files)
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["start_rss_mb"] = base_rss / 1024
    if tool == "juesuan-pdfplumber":  # after the timing: how many pages the triage handed to pdfplumber
        out["table_like_pages"] = _table_like_pages(files)
    print(json.dumps(out))


# ---- driver -------------------------------------------------------------------------------------------------


def ensure_corpus(corpus: Path, quick: bool) -> list[Path]:
    """The fixed factory corpus (≥ 50 reports), generated once; [] with a message if the factory is missing."""
    manifest = corpus / "manifest.json"
    if not manifest.exists():
        try:
            from juesuan.factory import generate_corpus
        except ImportError as exc:
            print(f"factory corpus unavailable ({exc}); benchmarking the real PDFs only")
            return []
        print(f"generating the benchmark corpus into {corpus} (once) ...", flush=True)
        t0 = time.perf_counter()
        generate_corpus(corpus, seed=BENCH_SEED, regions=3, departments_per_region=9, years=(2023, 2024))
        print(f"  done in {time.perf_counter() - t0:.0f}s")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    files = [corpus / e["file"] for e in entries]
    return files[:12] if quick else files


def ensure_parallel_corpus(corpus: Path, regions: int) -> Path:
    """The 1-vs-2-workers corpus: `regions` × 9 departments × 2 years of factory reports, generated once.

    Larger than the parse corpus on purpose: a worker's start-up (imports) and the last batch's staging are fixed
    costs that a 50-report run would mostly measure instead of the parallel work.
    """
    manifest = corpus / "manifest.json"
    if manifest.exists() and len(json.loads(manifest.read_text(encoding="utf-8"))) == regions * 18:
        return corpus
    from juesuan.factory import generate_corpus

    shutil.rmtree(corpus, ignore_errors=True)
    print(f"generating the parallel corpus into {corpus} (once) ...", flush=True)
    generate_corpus(
        corpus, seed=BENCH_SEED + 1, regions=regions, departments_per_region=9, years=(2023, 2024)
    )
    return corpus


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", choices=(*TOOLS, CHECK_TOOL, BUDGET_TOOL), help=argparse.SUPPRESS)
    ap.add_argument("--list", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, default=None, help="factory corpus directory (default data/bench)")
    ap.add_argument("--quick", action="store_true", help="12 factory reports instead of the whole corpus")
    ap.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=(*TOOLS, CHECK_TOOL, BUDGET_TOOL),
        help="leave a tool out",
    )
    ap.add_argument(
        "--only",
        choices=("budgets",),
        help="run one part alone: 'budgets' = the budget / final-account parse cost per page (about a minute)",
    )
    ap.add_argument(
        "--budget-rounds",
        type=int,
        default=BUDGET_ROUNDS,
        help=f"timed rounds of the budget / final-account comparison (default {BUDGET_ROUNDS}; median taken)",
    )
    ap.add_argument(
        "--camelot-files",
        type=int,
        default=10,
        help="camelot reads ~2 pages/s: run it on this many factory reports plus the real PDFs (0 = all files)",
    )
    ap.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", "100,500,2000"),
        help="end-to-end sizes in factory reports (BENCH_SIZES; '' skips the end-to-end part)",
    )
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the end-to-end runs")
    ap.add_argument("--skip-parse", action="store_true", help="leave out the parse and check comparison")
    ap.add_argument("--skip-parallel", action="store_true", help="leave out the 1-vs-2-workers comparison")
    ap.add_argument(
        "--parallel-regions", type=int, default=12, help="regions of 18 reports in the 1-vs-2-workers corpus"
    )
    ap.add_argument(
        "--json", type=Path, default=None, help="figures file (default <data root>/bench/results.json)"
    )
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.list, args.budget_rounds)
        return 0
    if args.only == "budgets":
        args.skip = [*TOOLS, CHECK_TOOL]
        args.skip_parallel, args.sizes = True, ""

    from juesuan.paths import data_root

    corpus = args.corpus or data_root() / "bench"
    out_json = args.json or data_root() / "bench" / "results.json"
    figures: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count()}
    if not args.skip_parse:
        parsed = parse_and_check(args, corpus)
        if parsed is None:
            return 1
        figures["parse"] = parsed
    import scale  # benchmarks/scale.py, beside this file

    work = Path(tempfile.mkdtemp(prefix="juesuan-bench-"))
    if not args.skip_parallel:
        pcorpus = ensure_parallel_corpus(data_root() / "bench-parallel", args.parallel_regions)
        print(
            f"\nparallel documents: juesuan ingest of {len(list(pcorpus.glob('*.pdf')))} factory reports with 1 and "
            "2 worker processes ...",
            flush=True,
        )
        figures["parallel"] = scale.parallel_speedup(pcorpus, work / "parallel")
        scale.print_parallel(figures["parallel"])
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if sizes:
        figures["end_to_end"] = scale.scale(sizes, args.workers, work / "scale")
        scale.print_scale(figures["end_to_end"])
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nfigures written to {out_json}")
    return 0


def parse_and_check(args: argparse.Namespace, corpus: Path) -> dict | None:
    """The parse comparison (juesuan vs pdfplumber vs camelot) and the check cost; None if nothing to run."""
    from juesuan.paths import shared_dir

    factory = [] if args.only == "budgets" else ensure_corpus(corpus, args.quick)
    real = sorted((shared_dir() / "corpus" / "real").glob("*.pdf"))
    files = factory + real
    if not files:
        print("nothing to benchmark")
        return None
    counts = {f: page_count(f) for f in files}
    pages = sum(counts.values())
    print(f"{len(factory)} factory reports + {len(real)} real PDFs = {len(files)} files, {pages} pages")
    lists = {tool: files for tool in TOOLS}
    if args.camelot_files and len(factory) > args.camelot_files:
        lists["camelot"] = factory[: args.camelot_files] + real
        n = sum(counts[f] for f in lists["camelot"])
        print(
            f"camelot: first {args.camelot_files} factory reports + the real PDFs ({n} pages; --camelot-files 0 = all)"
        )

    lists[CHECK_TOOL] = factory[:CHECK_FILES] + real
    budgets = sorted((shared_dir() / "corpus" / "real-budgets").glob("*.pdf"))
    budgets += sorted((shared_dir() / "corpus" / "real" / "not-final-accounts").glob("budget-*.pdf"))
    counts.update({f: page_count(f) for f in budgets})
    lists[BUDGET_TOOL] = [f"final\t{f}" for f in real] + [f"budget\t{f}" for f in budgets]
    results: dict[str, dict] = {}
    for tool in (*TOOLS, CHECK_TOOL, BUDGET_TOOL):
        if tool in args.skip:
            continue
        list_file = Path(tempfile.gettempdir()) / f"juesuan-bench-{tool}.txt"
        list_file.write_text("\n".join(str(f) for f in lists[tool]) + "\n", encoding="utf-8")
        print(f"running {tool} ...", flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                tool,
                "--list",
                str(list_file),
                "--budget-rounds",
                str(args.budget_rounds),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"  {tool} could not run here: {why}")
            continue
        results[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
        if tool == BUDGET_TOOL:
            results[tool]["final"]["pages"] = sum(counts[f] for f in real)
            results[tool]["budget"]["pages"] = sum(counts[f] for f in budgets)
        else:
            results[tool]["pages"] = sum(counts[f] for f in lists[tool])

    checks = results.pop(CHECK_TOOL, None)
    per_kind = results.pop(BUDGET_TOOL, None)
    base = results.get("pdfplumber")
    base_rate = base["pages"] / base["seconds"] if base else None
    summary: dict = {
        "tools": {
            tool: {
                "pages": r["pages"],
                "seconds": round(r["seconds"], 2),
                "pages_per_second": round(r["pages"] / r["seconds"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"]),
            }
            for tool, r in results.items()
        }
    }
    for tool in ("juesuan-pdfium", "juesuan-pdfplumber"):
        if tool in results:
            rate = results[tool]["pages"] / results[tool]["seconds"]
            for other in ("pdfplumber", "camelot"):
                if other in results:
                    o = results[other]
                    summary["tools"][tool][f"vs_{other}"] = round(rate / (o["pages"] / o["seconds"]), 1)
    if results:
        print()
        print(
            f"{'tool':<20}{'pages':>7}{'seconds':>10}{'pages/s':>10}{'vs pdfplumber':>15}{'peak RSS MB':>13}{'after imports':>15}  output"
        )
    for tool, r in results.items():
        rate = r["pages"] / r["seconds"]
        ratio = f"{rate / base_rate:.1f}x" if base_rate else "n/a"
        what = (
            f"{r['cells']} typed cells, {r['refused']} refused"
            if tool.startswith("juesuan")
            else f"{r['tables']} raw tables" + (f", {r['errors']} files failed" if r.get("errors") else "")
        )
        print(
            f"{tool:<20}{r['pages']:>7}{r['seconds']:>10.2f}{rate:>10.1f}{ratio:>15}{r['peak_rss_mb']:>13.0f}{r['start_rss_mb']:>15.0f}  {what}"
        )
    for tool in (t for t in results if t.startswith("juesuan")):
        stages = results[tool]["stages"]
        total = results[tool]["seconds"]
        print(f"\n{tool} time by stage:")
        for name, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<14}{secs:>8.2f}s  {secs / total:>5.0%}")
        other = total - sum(stages.values())
        print(f"  {'other':<14}{other:>8.2f}s  {other / total:>5.0%}")
    triage = results.get("juesuan-pdfplumber", {}).get("table_like_pages")
    if triage is not None:
        print(
            f"\nPDFium triage: pdfplumber opened {triage} of {results['juesuan-pdfplumber']['pages']} pages"
        )
    if per_kind and per_kind["final"]["pages"] and per_kind["budget"]["pages"]:
        summary["budget_vs_final"] = budget_vs_final(per_kind)
    elif per_kind:
        print(
            "\nbudget / final-account cost per page: not measured (no real final accounts or budgets found)"
        )
    if checks and checks["reports"]:
        n = checks["reports"]
        parse_per = checks["parse_seconds"] / n
        check_total = checks["check"].get("total", 0.0)
        k = checks["single_reports"] or 1
        single_total = checks["single"].get("total", 0.0)
        print(
            f"\nCheck time per report beside parse time ({n} reports, rule catalogue through great-expectations, "
            f"batches of {checks['batch_size']}; one at a time: the first {k}):"
        )
        print(f"  {'stage':<14}{'batched':>9}{'one at a time':>15}")
        print(f"  {'parse':<14}{parse_per:>8.3f}s")
        for stage in ("load", "duckdb", "gx"):
            if stage in checks["check"]:
                one = checks["single"].get(stage, 0.0) / k
                print(f"  {'check.' + stage:<14}{checks['check'][stage] / n:>8.3f}s{one:>14.3f}s")
        print(
            f"  {'check total':<14}{check_total / n:>8.3f}s{single_total / k:>14.3f}s"
            f"  (batched: {check_total / n / parse_per:.2f}x parse time; one at a time "
            f"{single_total / k / parse_per:.1f}x)"
        )
        print(f"  reports blocked by an error rule: {checks['blocking']}")
        print(f"  GX/DuckDB disagreements: {checks['disagreements']}")
        summary["check"] = {
            "reports": n,
            "parse_seconds_per_report": round(parse_per, 4),
            "check_seconds_per_report_batched": round(check_total / n, 4),
            "check_seconds_per_report_one_at_a_time": round(single_total / k, 4),
            "check_vs_parse": round(check_total / n / parse_per, 3),
            "stages_per_report_batched": {s: round(v / n, 4) for s, v in checks["check"].items()},
            "disagreements": checks["disagreements"],
        }
    return summary


def budget_vs_final(r: dict) -> dict:
    """Print and return the budget / final-account parse cost per page: medians over the rounds, and spread."""
    from statistics import median

    fin, bud = r["final"], r["budget"]
    rounds = len(fin["wall"])
    ms = {side: [1000 * s / d["pages"] for s in d["wall"]] for side, d in (("final", fin), ("budget", bud))}
    cpu = {side: [1000 * s / d["pages"] for s in d["cpu"]] for side, d in (("final", fin), ("budget", bud))}
    ratios = sorted(b / f for f, b in zip(ms["final"], ms["budget"], strict=True))
    cpu_ratios = sorted(b / f for f, b in zip(cpu["final"], cpu["budget"], strict=True))
    f_ms, b_ms = median(ms["final"]), median(ms["budget"])
    print(
        f"\nParse cost per page, real budgets (部门预算) vs real final accounts (PDFium engine; one process, every "
        f"file parsed once untimed, then {rounds} interleaved rounds; medians):"
    )
    for label, side, d in (("final accounts", "final", fin), ("budgets", "budget", bud)):
        print(
            f"  {label:<15}{d['pages']:>5} pages {median(ms[side]):>7.2f} ms/page "
            f"(rounds {min(ms[side]):.2f}-{max(ms[side]):.2f}; CPU {median(cpu[side]):.2f})  "
            f"{d['cells']} cells, {d['refused']} refused"
        )
    print(
        f"  budget / final-account cost per page: {b_ms / f_ms:.2f}x (per round {ratios[0]:.2f}-{ratios[-1]:.2f}, "
        f"median {median(ratios):.2f}; CPU time {median(cpu_ratios):.2f}x)"
    )
    # Why: what the pages hold, and where the time goes (ms per page by stage, ms per 1,000 characters)
    per_kchar = {}
    print("  what the pages hold, and where the time goes (ms per page):")
    for label, side, d in (("final accounts", "final", fin), ("budgets", "budget", bud)):
        c = d.get("content")
        if not c:
            continue
        per_kchar[side] = median(ms[side]) * d["pages"] / c["chars"] * 1000 if c["chars"] else None
        stages = "  ".join(f"{k} {1000 * v / d['pages']:.2f}" for k, v in d.get("stages", {}).items())
        print(
            f"  {label:<15}{100 * c['table_pages'] / c['pages']:>5.0f}% table pages, "
            f"{c['chars'] / c['pages']:>5.0f} characters/page ({c['table_chars'] / max(1, c['table_pages']):.0f} on a "
            f"table page); {per_kchar[side]:.2f} ms per 1,000 characters; {stages}"
        )
    if per_kchar.get("final") and per_kchar.get("budget"):
        print(
            f"  budget / final-account cost per 1,000 characters: {per_kchar['budget'] / per_kchar['final']:.2f}x"
        )
    return {
        "rounds": rounds,
        "final_ms_per_page": round(f_ms, 2),
        "budget_ms_per_page": round(b_ms, 2),
        "ratio": round(b_ms / f_ms, 3),
        "ratio_per_round": [round(x, 3) for x in ratios],
        "cpu_ratio": round(median(cpu_ratios), 3),
        "pages": {"final": fin["pages"], "budget": bud["pages"]},
        "content": {"final": fin.get("content"), "budget": bud.get("content")},
        "stage_ms_per_page": {
            side: {k: round(1000 * v / d["pages"], 3) for k, v in d.get("stages", {}).items()}
            for side, d in (("final", fin), ("budget", bud))
        },
        "ratio_per_1000_chars": (
            round(per_kchar["budget"] / per_kchar["final"], 3)
            if per_kchar.get("final") and per_kchar.get("budget")
            else None
        ),
    }


if __name__ == "__main__":
    sys.exit(main())
