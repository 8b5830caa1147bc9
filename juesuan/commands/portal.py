"""`juesuan portal build|serve|change`: the sample government-disclosure portal to crawl against."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "portal",
        help="build, serve or change the sample portal (TRS-style pages + gkmlpt JSON API on 127.0.0.1)",
        description="The sample portal built from the report factory: several regions, paginated listings, "
        "attachments, a budget among the final accounts, an HTML page named .pdf, robots.txt, ETags and 304s.",
    )
    sub = p.add_subparsers(dest="portal_command", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", type=Path, default=None, help="site folder (default: <data root>/portal)")

    b = sub.add_parser("build", parents=[common], help="(re)build the site from a fresh factory corpus")
    b.add_argument("--seed", type=int, default=None, help="corpus seed (default: the portal's)")
    b.add_argument("--regions", type=int, default=None, help="regions (default 3)")
    b.add_argument("--departments", type=int, default=None, help="departments per region (default 4)")
    b.add_argument("--years", default=None, help="comma-separated report years (default 2023,2024)")
    b.add_argument("--corpus", type=Path, default=None, help="use an existing factory corpus folder instead")
    b.add_argument(
        "--write-sources", type=Path, default=None, help="also write the matching sources file to this path"
    )
    b.set_defaults(func=build)

    s = sub.add_parser("serve", parents=[common], help="serve the site on 127.0.0.1 until interrupted")
    s.add_argument(
        "--port", type=int, default=None, help="port (default 8620 or JUESUAN_PORTAL_PORT; 0 = any free port)"
    )
    s.set_defaults(func=serve)

    c = sub.add_parser(
        "change", parents=[common], help="change the site as a publisher would between two nights"
    )
    c.add_argument("change", choices=["add_report", "replace_attachment"])
    c.set_defaults(func=change)


def build(args: argparse.Namespace) -> int:
    from juesuan.portal import sample, site

    kwargs: dict[str, object] = {}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    if args.regions is not None:
        kwargs["regions"] = args.regions
    if args.departments is not None:
        kwargs["departments_per_region"] = args.departments
    if args.years:
        try:
            kwargs["years"] = tuple(int(y) for y in args.years.split(",") if y.strip())
        except ValueError:
            print(
                f"juesuan portal build: --years must be comma-separated years, got {args.years!r}",
                file=sys.stderr,
            )
            return 2
    site_dir = args.dir or sample.default_site_dir()
    built = site.build_site(site_dir, corpus_dir=args.corpus, **kwargs)  # type: ignore[arg-type]
    sources = sample.write_sources(built)
    if args.write_sources:
        text = sample.project_sources_text(built) if args.write_sources.name == "sources.yaml" else None
        args.write_sources.write_text(text or sample.sample_sources_text(built), encoding="utf-8")
    n_final = len(built.expected_final_accounts())
    print(
        f"built the sample portal in {site_dir}: {len(built.regions)} regions "
        f"({', '.join(f'{r.name} [{r.family}]' for r in built.regions)}), {len(built.articles)} articles, "
        f"{n_final} distinct final-account PDFs, {len(built.reserve)} report(s) held back for `portal change add_report`"
    )
    print(f"sources file: {sources}")
    return 0


def serve(args: argparse.Namespace) -> int:
    from juesuan.portal import sample

    site = sample.ensure_site(args.dir)
    sources = sample.write_sources(site)
    server = sample.start_server(site.site_dir, args.port)
    print(f"sample portal: {server.url}/index.html  (site {site.site_dir})")
    print(f"crawl it:      juesuan crawl --sources {sources} --portal-url {server.url}")
    print("Ctrl-C to stop", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def change(args: argparse.Namespace) -> int:
    from juesuan.portal import sample
    from juesuan.portal.site import PortalSite

    try:
        site = PortalSite.load(args.dir or sample.default_site_dir())
        info = site.apply_change(args.change)
    except (FileNotFoundError, ValueError) as exc:
        print(f"juesuan portal change: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(info, ensure_ascii=False))
    return 0
