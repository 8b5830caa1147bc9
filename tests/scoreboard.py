"""The reliability scoreboard `make test` prints: faults tried and survived, documents lost, reader errors.

Fault tests call `tried(name)` first, `lost(name, n)` when they count documents, and `survived(name)` as their
last line (after every assertion), so a fault whose test fails shows as tried but not survived. Load tests call
`readers(...)`. `tests/conftest.py` prints the table at the end of the session; `JUESUAN_SCOREBOARD=path` also
writes it as JSON.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Board:
    tried: dict[str, str] = field(default_factory=dict)  # fault -> group (network, files, process, security)
    survived: set[str] = field(default_factory=set)
    lost: dict[str, int] = field(default_factory=dict)
    reader_runs: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


BOARD = _Board()


def tried(name: str, group: str) -> None:
    with BOARD.lock:
        BOARD.tried[name] = group


def lost(name: str, documents: int) -> None:
    with BOARD.lock:
        BOARD.lost[name] = BOARD.lost.get(name, 0) + documents


def survived(name: str) -> None:
    with BOARD.lock:
        BOARD.survived.add(name)


def readers(
    name: str, *, queries: int, errors: int, lock_errors: int, p50_ms: float, p95_ms: float, **extra: Any
) -> None:
    with BOARD.lock:
        BOARD.reader_runs.append(
            {
                "name": name,
                "queries": queries,
                "errors": errors,
                "lock_errors": lock_errors,
                "p50_ms": p50_ms,
                "p95_ms": p95_ms,
                **extra,
            }
        )


def summary() -> dict[str, Any]:
    with BOARD.lock:
        groups: dict[str, dict[str, int]] = {}
        for name, group in BOARD.tried.items():
            g = groups.setdefault(group, {"tried": 0, "survived": 0})
            g["tried"] += 1
            g["survived"] += name in BOARD.survived
        return {
            "faults_tried": len(BOARD.tried),
            "faults_survived": len(BOARD.survived & set(BOARD.tried)),
            "documents_lost": sum(BOARD.lost.values()),
            "reader_errors": sum(r["errors"] + r["lock_errors"] for r in BOARD.reader_runs),
            "by_group": groups,
            "not_survived": sorted(set(BOARD.tried) - BOARD.survived),
            "lost_by_fault": {k: v for k, v in sorted(BOARD.lost.items()) if v},
            "reader_runs": list(BOARD.reader_runs),
        }


def render() -> list[str]:
    s = summary()
    if not s["faults_tried"] and not s["reader_runs"]:
        return []
    lines = [
        f"faults tried {s['faults_tried']}, survived {s['faults_survived']}; documents lost {s['documents_lost']}; "
        f"reader errors under load {s['reader_errors']}"
    ]
    for group, g in sorted(s["by_group"].items()):
        lines.append(f"  {group:10s} tried {g['tried']:3d}  survived {g['survived']:3d}")
    if s["not_survived"]:
        lines.append("  NOT survived: " + ", ".join(s["not_survived"]))
    if s["lost_by_fault"]:
        lines.append("  documents lost: " + ", ".join(f"{k} {v}" for k, v in s["lost_by_fault"].items()))
    for r in s["reader_runs"]:
        extra = {
            k: v
            for k, v in r.items()
            if k not in {"name", "queries", "errors", "lock_errors", "p50_ms", "p95_ms"}
        }
        lines.append(
            f"  readers {r['name']}: {r['queries']} queries, {r['errors']} errors, {r['lock_errors']} lock errors, "
            f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms" + (f" {extra}" if extra else "")
        )
    out = os.environ.get("JUESUAN_SCOREBOARD")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(s, fh, indent=1, default=str)
    return lines
