"""`juesuan crawl [--sources FILE]`: crawl the configured portals and folders into the raw store, once."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "crawl",
        help="crawl the sources (default: the sample portal) into the raw store and print what was found",
        description="Follow listing → detail → attachment on each source (robots.txt, rate limits, retries, "
        "conditional requests), keep every new file in the raw store, and report failures with their reasons.",
    )
    p.add_argument(
        "--sources", type=Path, default=None, help="sources YAML (default: serve and crawl the sample portal)"
    )
    p.add_argument(
        "--portal-url",
        default=None,
        help="value of ${PORTAL_URL} in the sources file (default: serve the sample portal for this crawl)",
    )
    p.add_argument("--data", type=Path, default=None, help="data root (default: JUESUAN_DATA or ./data)")
    p.add_argument("--workers", type=int, default=1, help="sources crawled at once (default 1)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from juesuan.crawl import SourcesError, crawl, load_sources
    from juesuan.crawl.sources import source_variables
    from juesuan.portal import sample
    from juesuan.rawstore import RawStore

    if args.sources is not None and not args.sources.exists():  # before the store creates any folder
        print(f"juesuan crawl: sources file {args.sources} does not exist", file=sys.stderr)
        return 2
    store = RawStore(args.data) if args.data else RawStore()
    with contextlib.ExitStack() as stack:
        sources_file: Path | None = args.sources
        portal_url: str | None = args.portal_url
        needs_portal = sources_file is None or (
            "PORTAL_URL" in source_variables(sources_file) and portal_url is None
        )
        if needs_portal:
            site_dir = store.root / "portal"
            sample_sources, url = stack.enter_context(sample.serve_sample(site_dir))
            sources_file = sources_file or sample_sources
            portal_url = portal_url or url
            print(f"sample portal serving at {url}", file=sys.stderr)
        assert sources_file is not None
        variables = {"PORTAL_URL": portal_url.rstrip("/")} if portal_url else {}
        if args.data:
            variables["DATA_ROOT"] = str(store.root)
        try:
            sources = load_sources(sources_file, variables)
        except SourcesError as exc:
            print(f"juesuan crawl: {exc}", file=sys.stderr)
            return 2
        result = crawl(sources, store=store, workers=max(1, args.workers))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str))
        return 0
    s = result.summary()
    print(
        f"crawled {len(sources)} source(s) in {s['elapsed_s']:.1f}s: {s['documents']} documents "
        f"({s['urls']} URLs), new {s['new']}, changed {s['changed']}, unchanged {s['unchanged']}; "
        f"{s['failures']} failures; {s['requests']} requests ({s['not_modified']} answered 304), "
        f"{s['bytes_downloaded']} bytes downloaded"
    )
    kinds = Counter(d.kind for d in result.unique_documents())
    print("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    for src in result.sources.values():
        print(
            f"  {src.source_id:24s} pages {src.listing_pages:3d}  details {src.detail_pages:3d}  documents "
            f"{src.documents:3d}  new {src.new:3d}  changed {src.changed:3d}  failures {src.failures:3d}"
        )
    for f in result.failures:
        print(f"  FAILED [{f.source_id}/{f.stage}] {f.url}: {f.reason}")
    print(f"raw store: {store.dir}")
    return 0
