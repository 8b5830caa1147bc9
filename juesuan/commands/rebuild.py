"""`juesuan rebuild`: a lost or corrupted warehouse rebuilt by one command, from staging or from the raw store alone."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "rebuild",
        help="rebuild the published warehouse file from staging, or the whole warehouse from the raw store",
        description="Recovery after the published file (or staging) was deleted or corrupted. --from auto "
        "(default) republishes from staging when it is readable, else re-derives every kept raw file; --from raw "
        "always re-derives from the raw store (the staging file, if any, is moved aside, never deleted).",
    )
    p.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse folder, or the published .duckdb file in it (default: <data root>/warehouse)",
    )
    p.add_argument(
        "--raw",
        type=Path,
        default=None,
        help="folder holding the raw store's raw/ (default: the warehouse folder when it has one, else the data root)",
    )
    p.add_argument("--from", dest="source", choices=("auto", "staging", "raw"), default="auto")
    p.add_argument("--rules-runner", choices=("gx", "duckdb"), default="gx")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("TQDM_DISABLE", "1")
    from juesuan.commands.warehouse_arg import announce, resolve
    from juesuan.paths import data_root
    from warehouse import PublishError, WarehouseBusy
    from warehouse.ingest import default_checker
    from warehouse.rebuild import rebuild

    root, published = resolve(args.warehouse)
    raw_root = args.raw
    if raw_root is None:
        raw_root = root if (root / "raw" / "metadata.sqlite").exists() else data_root(create=False)
    no_raw = not (Path(raw_root) / "raw" / "metadata.sqlite").exists()
    if no_raw and (
        args.source == "raw" or (args.source == "auto" and not (root / "staging.duckdb").exists())
    ):
        print(f"juesuan rebuild: no raw store under {raw_root} (give --raw)", file=sys.stderr)
        return 2
    announce("rebuild", published, "writing")
    try:
        summary = rebuild(
            root,
            raw_root,
            source=args.source,
            checker=default_checker(args.rules_runner),
            published_path=published,
        )
    except WarehouseBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except PublishError as exc:
        print(f"rebuilt staging, but the published file was NOT replaced: {exc}", file=sys.stderr)
        return 1
    print(summary.render())
    return 0
