"""Parsed reports: each kept raw document read by the PDF parser, once per (sha256, parser version).

One partition per document. A run over a range of documents parses only those without a cached outcome for the
current PARSER_VERSION, so a night with nothing new parses nothing and a parser upgrade re-derives everything.
"""

from collections import Counter

import dagster as dg

from assets.partitions import documents_partitions
from assets.raw import raw_documents
from juesuan.model import Region
from pipelines.resources import ParseCacheResource, RawStoreResource, SourcesResource, region_hint


@dg.asset(
    partitions_def=documents_partitions,
    deps=[raw_documents],
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="documents",
    kinds={"python", "pdf"},
)
def parsed_reports(
    context: dg.AssetExecutionContext,
    raw_store: RawStoreResource,
    parse_cache: ParseCacheResource,
    sources: SourcesResource,
) -> dg.MaterializeResult:
    """Each document's Report (or why it is not one), cached by (sha256, parser version)."""
    from juesuan.parsing import PARSER_VERSION
    from pipelines.document_work import parse_batch
    from warehouse.workers import map_batches

    store = raw_store.store()
    cache = parse_cache.cache()
    regions = sources.regions()
    counts: Counter[str] = Counter()
    problems: list[str] = []
    todo: list[tuple[str, str | None, Region | None]] = []
    for sha in context.partition_keys:
        if cache.has_outcome(sha, PARSER_VERSION):
            counts["cached"] += 1
            context.add_asset_metadata({"document_outcome": "cached"}, partition_key=sha)
            continue
        stored = store.get(sha)
        if stored is None or not stored.path.exists():
            todo.append((sha, None, None))
        else:
            todo.append((sha, str(stored.path), region_hint(regions, stored.source_ids)))
    # parsed by worker processes in batches, each writing its outcomes to the cache (see pipelines.document_work)
    for done in map_batches(
        parse_batch,
        todo,
        parse_cache.cache_root(),
        workers=parse_cache.worker_count(),
        batch_size=parse_cache.batch_size,
        cluster=parse_cache.cluster(),
    ):
        sha = done["sha256"]
        context.add_asset_metadata(done["metadata"], partition_key=sha)
        counts["parsed_now"] += 1
        counts[done["status"]] += 1
        if done["status"] != "parsed":
            problems.append(f"| `{sha[:12]}` | {done['status']} | {done['code']} | {done['reason']} |")
    context.log.info(f"parser {PARSER_VERSION}: {dict(counts)}")
    return dg.MaterializeResult(
        metadata={
            "parser_version": PARSER_VERSION,
            "documents": len(context.partition_keys),
            "parsed_now": counts["parsed_now"],
            "cached": counts["cached"],
            "reports": counts["parsed"],
            "not_final_accounts": counts["not_final_account"],
            "parse_failed": counts["parse_failed"],
            "problems": dg.MetadataValue.md(
                "| document | outcome | code | reason |\n|---|---|---|---|\n" + "\n".join(problems)
                if problems
                else "none"
            ),
        }
    )
