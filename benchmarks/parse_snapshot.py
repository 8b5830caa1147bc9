"""Everything the parser reads from the real files, as JSON: to prove a speed change changed no output.

Every report of ../shared's real final accounts and real budgets (and, with --also DIR, every PDF in DIR: the
factory corpus data/bench, say) is parsed with the PDFium engine and written whole: tables, rows, cells
(Decimal as text), provenance, problems, narrative facts and paragraphs; a refused file as its reason.

    python benchmarks/parse_snapshot.py save before.json [--also data/bench]
    ... change the code ...
    python benchmarks/parse_snapshot.py compare before.json [--also data/bench]   # exit 1 on any difference
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def real_files() -> list[Path]:
    from juesuan.paths import shared_dir

    corpus = shared_dir() / "corpus"
    return (
        sorted((corpus / "real").glob("*.pdf"))
        + sorted((corpus / "real-budgets").glob("*.pdf"))
        + sorted((corpus / "real" / "not-final-accounts").glob("budget-*.pdf"))
    )


def _plain(obj: object) -> object:
    if isinstance(obj, Decimal):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(x) for x in obj]
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    return repr(obj)


def snapshot(files: list[Path]) -> dict[str, object]:
    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount

    out: dict[str, object] = {}
    for f in files:
        try:
            out[f.name] = _plain(parse_report(f, engine="pdfium"))
        except NotAFinalAccount as exc:
            out[f.name] = {"refused": str(exc)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "compare"))
    ap.add_argument("file", type=Path)
    ap.add_argument("--also", type=Path, action="append", default=[], help="a folder of more PDFs to include")
    args = ap.parse_args()
    files = real_files() + [f for d in args.also for f in sorted(d.glob("*.pdf"))]
    now = snapshot(files)
    if args.action == "save":
        args.file.write_text(json.dumps(now, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        print(f"{len(now)} files written to {args.file}")
        return 0
    before = json.loads(args.file.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(now, ensure_ascii=False, sort_keys=True))  # the same round trip as saved
    changed = sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
    for name in changed:
        print(f"differs: {name}")
    print(f"{len(now)} files compared, {len(changed)} differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
