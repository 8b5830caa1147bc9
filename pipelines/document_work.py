"""The documents job's work on a batch of documents, as plain functions a worker process can run.

`parsed_reports` and `rule_results` hand batches of documents to `warehouse.workers.map_batches`; each batch is
parsed (or checked) and written to the parse cache by the worker itself (one JSON file per document, written
atomically, so workers never share a file), and only what the asset reports in Dagster comes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.model import Region
from pipelines.parse_cache import ParseOutcome


def parse_document(path: Path, sha256: str, region_hint: Region | None = None) -> ParseOutcome:
    """Parse one stored file into an outcome; a rejection or a failure is recorded, never raised."""
    from juesuan.parsing import PARSER_VERSION
    from juesuan.parsing.document import NotAFinalAccount
    from juesuan.sandbox import ParseLimitExceeded, parse_report_limited

    try:
        report = parse_report_limited(path, region_hint=region_hint)  # per-document time and memory limits
    except NotAFinalAccount as exc:
        return ParseOutcome(sha256, PARSER_VERSION, "not_final_account", code=exc.code, reason=exc.reason)
    except ParseLimitExceeded as exc:
        return ParseOutcome(sha256, PARSER_VERSION, "parse_failed", code=exc.code, reason=exc.reason)
    except Exception as exc:  # a parser bug or unreadable file: recorded against this document only
        return ParseOutcome(
            sha256,
            PARSER_VERSION,
            "parse_failed",
            code="parser_crash",  # the same code `juesuan ingest` records (see docs/data-dictionary.md)
            reason=f"parser crashed: {type(exc).__name__}: {exc}".splitlines()[0][:500],
        )
    return ParseOutcome(sha256, PARSER_VERSION, "parsed", report=report)


def document_metadata(outcome: ParseOutcome) -> dict[str, object]:
    """What the UI shows on one document's partition: its outcome and, for a report, what was read."""
    meta: dict[str, object] = {"document_outcome": outcome.status}
    if outcome.report is not None:
        r = outcome.report
        meta |= {
            "department": r.department or "",
            "year": r.year or 0,
            "tables_read": sum(t.status in ("parsed", "empty") for t in r.tables.values()),
            "cells": sum(1 for _ in r.iter_cells()),
            "pages": r.source.page_count if r.source else 0,
        }
    else:
        meta |= {"code": outcome.code or "", "reason": outcome.reason or ""}
    return meta


def parse_batch(items: list[tuple[str, str | None, Region | None]], cache_root: str) -> list[dict[str, Any]]:
    """Parse each (sha256, raw file or None, region hint) into the cache; each outcome's metadata, in order."""
    from juesuan.parsing import PARSER_VERSION
    from pipelines.parse_cache import ParseCache

    cache = ParseCache(Path(cache_root))
    out = []
    for sha, path, hint in items:
        if path is None or not Path(path).exists():
            outcome = ParseOutcome(
                sha, PARSER_VERSION, "parse_failed", "missing_raw_file", "not in raw store"
            )
        else:
            outcome = parse_document(Path(path), sha, hint)
        cache.put_outcome(outcome)
        out.append(
            {
                "sha256": sha,
                "status": outcome.status,
                "code": outcome.code,
                "reason": outcome.reason,
                "metadata": document_metadata(outcome),
            }
        )
    return out


def check_batch(shas: list[str], cache_root: str, data_docs_dir: str | None = None) -> list[dict[str, Any]]:
    """Check the cached reports of `shas` as one batch and cache their results; per document: its results (or
    check error), in order. A document without a parsed report is cached with no results (not checked). The
    batch's GX validation gets a page in the Data Docs site at `data_docs_dir` (the warehouse's one site)."""
    from expectations import catalogue_version
    from expectations.engine import run_checks_batch
    from juesuan.parsing import PARSER_VERSION
    from pipelines.parse_cache import ParseCache

    cache = ParseCache(Path(cache_root))
    rules_version = catalogue_version()
    reports = {}
    out: dict[str, dict[str, Any]] = {}
    for sha in shas:
        outcome = cache.get_outcome(sha, PARSER_VERSION)
        if outcome is None or outcome.report is None:
            cache.put_results(sha, PARSER_VERSION, [])
            out[sha] = {"sha256": sha, "checked": False, "results": [], "check_error": None}
        else:
            reports[sha] = outcome.report
    if reports:
        try:
            runs = run_checks_batch(
                list(reports.values()), data_docs_dir=Path(data_docs_dir) if data_docs_dir else None
            )
            results = {sha: run.results for sha, run in zip(reports, runs, strict=True)}
            error = None
        except Exception as exc:  # the rules could not run: the reports are unverified, so quarantined
            results = {sha: [] for sha in reports}
            error = f"rule checks crashed: {type(exc).__name__}: {exc}".splitlines()[0]
        for sha, res in results.items():
            for r in res:
                r.document_sha256 = r.document_sha256 or sha
            cache.put_results(sha, PARSER_VERSION, res, check_error=error, catalogue_version=rules_version)
            out[sha] = {"sha256": sha, "checked": True, "results": res, "check_error": error}
    return [out[sha] for sha in shas]
