"""The per-document parse sandbox (`juesuan.sandbox`): what the forked child does before it parses."""

from __future__ import annotations

import gc
from pathlib import Path

import juesuan.parsing
from juesuan.sandbox import parse_report_limited


def test_the_parse_child_sets_the_inherited_heap_aside_from_the_garbage_collector(
    monkeypatch, tmp_path
) -> None:
    """A forked child that collected over everything it inherited (Dagster, DuckDB, pandas in the ingest process)
    would walk it at each full collection (18 real budgets parsed 30% slower) and copy the parent's pages."""
    monkeypatch.setenv("JUESUAN_PARSE_SANDBOX", "1")
    # the child runs this instead of the parser (fork inherits the patch): it answers how many objects are frozen
    monkeypatch.setattr(juesuan.parsing, "parse_report", lambda path, region_hint=None: gc.get_freeze_count())
    inherited = [[i] for i in range(20_000)]  # tracked objects the child inherits
    frozen = parse_report_limited(Path(tmp_path / "any.pdf"), timeout=60)
    assert frozen >= len(inherited)
    assert gc.get_freeze_count() == 0  # the parent itself is left as it was


def test_a_sandboxed_parse_gives_the_report_an_in_process_parse_gives(monkeypatch, real_corpus) -> None:
    monkeypatch.setenv("JUESUAN_PARSE_SANDBOX", "1")
    pdf = sorted(real_corpus.glob("*.pdf"))[-1]
    sandboxed = parse_report_limited(pdf, timeout=120)
    direct = juesuan.parsing.parse_report(pdf)
    assert sandboxed.to_dict() == direct.to_dict()
