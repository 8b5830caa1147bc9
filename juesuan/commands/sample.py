"""`juesuan sample`: write the seeded sample corpus of generated 部门决算 PDFs with ground truth."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "sample",
        help="generate the sample corpus (report PDFs + truth CSVs + manifest) from a seed",
        description="Generate realistic department final-accounts PDFs with exact ground truth.",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    p.add_argument("--seed", type=int, default=None, help="corpus seed (default 20261127)")
    p.add_argument("--regions", type=int, default=3, help="number of regions (default 3)")
    p.add_argument("--departments", type=int, default=10, help="departments per region (default 10)")
    p.add_argument("--years", default="2023,2024", help="comma-separated years (default 2023,2024)")
    p.add_argument("--templates", default=None, help="comma-separated template ids (default: all)")
    p.add_argument("--defect-rate", type=float, default=None, help="share of reports with an injected defect")
    p.add_argument(
        "--continuations",
        default=None,
        help="comma-separated continuation-page layouts cycled over the reports (template, header, bare, title, "
        "title_cont, xubiao, total, title_total, bare_total; default: drawn per report)",
    )
    p.add_argument(
        "--options",
        default=None,
        help="comma-separated layout options cycled over the reports, '+' joins several for one report "
        "(extra_tables, annex_tables, meetings, summary_report, rotated, serif, column_split, column_split_bare, "
        "no_tounicode, detached_figures)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from juesuan.factory import DEFAULT_DEFECT_RATE, DEFAULT_SEED, FactoryError, generate_corpus

    try:
        years = tuple(int(y) for y in str(args.years).split(",") if y.strip())
    except ValueError:
        print(f"juesuan sample: --years must be comma-separated years, got {args.years!r}")
        return 2
    templates = tuple(t.strip() for t in args.templates.split(",")) if args.templates else None
    continuations = tuple(c.strip() for c in (args.continuations or "").split(",") if c.strip()) or None
    options = tuple(o.strip() for o in (args.options or "").split(",") if o.strip()) or None
    start = time.perf_counter()
    try:
        entries = generate_corpus(
            args.out,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            regions=args.regions,
            departments_per_region=args.departments,
            years=years,
            templates=templates,
            defect_rate=DEFAULT_DEFECT_RATE if args.defect_rate is None else args.defect_rate,
            continuations=continuations,
            options=options,
        )
    except FactoryError as exc:
        print(f"juesuan sample: {exc}")
        return 1
    elapsed = time.perf_counter() - start
    pages = sum(e.pages for e in entries)
    defective = sum(1 for e in entries if e.defects)
    by_template: dict[str, int] = {}
    for e in entries:
        by_template[e.template] = by_template.get(e.template, 0) + 1
    print(f"sample corpus written to {Path(args.out).resolve()}")
    print(
        f"{len(entries)} reports, {pages} pages ({pages / max(1, len(entries)):.1f} per report), "
        f"{defective} with injected defects, {elapsed:.1f} s ({elapsed / max(1, len(entries)):.2f} s per report)"
    )
    print("templates: " + ", ".join(f"{k} {v}" for k, v in sorted(by_template.items())))
    print("manifest: manifest.csv, manifest.json; truth per report: <doc_id>.truth.csv")
    return 0
