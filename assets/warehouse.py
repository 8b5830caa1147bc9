"""Staging tables and the published mart: the warehouse stage, over `warehouse.store.Warehouse`.

Staging loads every document whose parse outcome is in the cache and not yet staged under the current parser
version (the loader is idempotent on sha256, so an unchanged night stages nothing). A document whose
error-severity rules fail is quarantined there; publishing copies only the current published documents into the
next mart file and swaps it in atomically, so one bad report never holds back the others.
"""

from collections import Counter
from datetime import datetime
from typing import Any

import dagster as dg

from assets.checked import rule_results
from assets.partitions import DOCUMENTS
from pipelines.resources import (
    ParseCacheResource,
    RawStoreResource,
    SourcesResource,
    WarehouseResource,
    region_hint,
)


def _fetched_at(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)


@dg.asset(deps=[rule_results], group_name="warehouse", kinds={"duckdb"})
def staging_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    raw_store: RawStoreResource,
    parse_cache: ParseCacheResource,
    sources: SourcesResource,
) -> dg.MaterializeResult:
    """Every parsed, checked document loaded into staging: published, quarantined (with rules) or failed."""
    from expectations import catalogue_version
    from juesuan.parsing import PARSER_VERSION

    rules_version = catalogue_version()
    store = raw_store.store()
    cache = parse_cache.cache()
    regions = sources.regions()  # the configured region per source, recorded as the document's region hint
    counts: Counter[str] = Counter()
    loaded: list[dict[str, Any]] = []
    with warehouse.open() as wh:
        for sha in context.instance.get_dynamic_partitions(DOCUMENTS):
            staged = wh.document(sha)
            # same parser and (rules ran) same rule catalogue: nothing to reload
            if (
                staged is not None
                and staged.get("parser_version") == PARSER_VERSION
                and (staged.get("status") == "failed" or staged.get("catalogue_version") == rules_version)
            ):
                counts["unchanged"] += 1
                continue
            # staged by this parser but checked with another catalogue: replace its rule results and status
            recheck = staged is not None and staged.get("parser_version") == PARSER_VERSION
            outcome = cache.get_outcome(sha, PARSER_VERSION)
            if outcome is None:
                counts["not_parsed_yet"] += 1
                continue
            stored = store.get(sha)
            url = stored.first_url if stored else None
            common: dict[str, Any] = {
                "source": url.url if url else sha,
                "raw_sha256": sha,
                "fetched_at": _fetched_at(stored.first_seen if stored else None),
                "raw_path": stored.path if stored else None,
                "source_url": url.url if url else None,
                "byte_size": stored.size if stored else None,
                "listed_year": url.stated_year
                if url
                else None,  # the document's own year wins; noted if it differs
            }
            if outcome.report is None:
                result = wh.load_failure(
                    code=outcome.code or outcome.status,
                    reason=outcome.reason or outcome.status,
                    parser_version=PARSER_VERSION,
                    **common,
                )
            else:
                checked = cache.get_results(sha, PARSER_VERSION)
                if checked is None:
                    counts["not_checked_yet"] += 1
                    continue
                if recheck and checked.catalogue_version != rules_version:
                    counts["awaiting_recheck"] += 1  # its rule results predate the catalogue: wait for them
                    continue
                hint = region_hint(regions, stored.source_ids) if stored else None
                result = wh.load_document(
                    outcome.report,
                    checked.results,
                    region_hint=hint,
                    check_error=checked.check_error,
                    force=recheck,
                    catalogue_version=checked.catalogue_version,
                    **common,
                )
            counts[result.status] += 1
            counts[result.action] += 1
            loaded.append(
                {
                    "document": sha[:16],
                    "status": result.status,
                    "department": result.department,
                    "year": result.year,
                    "reasons": result.reasons,
                    "warnings": result.warnings,
                    "note": result.note,
                }
            )
        # the latest crawl's failures (no document to hang on): mart.crawl_failures
        from juesuan.crawl.crawler import latest_crawl

        crawled = latest_crawl(store.root / "crawl")
        if crawled is not None:
            counts["crawl_failures"] = wh.record_crawl_failures(*crawled)
        totals = dict(
            wh.con.execute(
                "SELECT status, count(*) FROM core.documents WHERE superseded_by IS NULL GROUP BY status"
            ).fetchall()
        )
    context.log.info(f"staging: {dict(counts)}; current documents by status {totals}")
    return dg.MaterializeResult(
        metadata={
            "staged": len(loaded),
            "unchanged": counts["unchanged"],
            "published": counts["published"],
            "quarantined": counts["quarantined"],
            "failed": counts["failed"],
            "rederived": counts["rederived"],
            "crawl_failures": counts["crawl_failures"],
            "documents": dg.MetadataValue.json(loaded[:500]),
            "current_by_status": dg.MetadataValue.json({k: int(v) for k, v in totals.items()}),
        }
    )


@dg.asset(deps=[staging_tables], group_name="warehouse", kinds={"duckdb"})
def published_mart(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The published database file analysts and dashboards open read-only, replaced atomically."""
    with warehouse.open() as wh:
        result = wh.publish()
    context.log.info(
        f"mart {'published' if result.published else 'unchanged'}: generation {result.generation}, "
        f"{result.document_count} documents, {result.amount_count} amounts → {result.path}"
    )
    if result.pruned is not None:  # the check results housekeeping removed (warehouse.housekeeping)
        context.log.info(result.pruned.render())
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "generation": result.generation,
            "changed": result.published,
            "documents": result.document_count,
            "amounts": result.amount_count,
            "seconds": round(result.seconds, 3),
            "check_runs_pruned": result.pruned.removed if result.pruned is not None else 0,
        }
    )
