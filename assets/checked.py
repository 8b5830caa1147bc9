"""Rule results: each parsed report checked against the rule catalogue, with one asset check per rule.

The checks summarise a run's documents per rule (which documents fail it). They never block the run: an
error-severity failure blocks publication of that document only, which the warehouse stage does by
quarantining it; a blocking Dagster check would hold back every other document of the night.
"""

from collections import Counter, defaultdict

import dagster as dg

from assets.parsed import parsed_reports
from assets.partitions import documents_partitions
from pipelines.resources import ParseCacheResource, WarehouseResource
from warehouse.ingest import DATA_DOCS_DIR

#: Outcomes that mean "the report breaks this rule" (parse_error etc. are reported, but are not violations).
FAILING = frozenset({"fail"})


def catalogue_check_specs() -> list[dg.AssetCheckSpec]:
    """One AssetCheckSpec per rule of the catalogue (non-blocking; see the module docstring)."""
    from expectations import load_catalogue

    return [
        dg.AssetCheckSpec(
            name=check_name(rule.id),
            asset="rule_results",
            description=f"[{rule.severity}] {rule.description}",
            blocking=False,
        )
        for rule in load_catalogue()
    ]


def check_name(rule_id: str) -> str:
    """The Dagster check name of a rule id (check names allow letters, digits and underscores)."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in rule_id)


@dg.asset(
    partitions_def=documents_partitions,
    deps=[parsed_reports],
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="documents",
    kinds={"python"},
    check_specs=catalogue_check_specs(),
)
def rule_results(
    context: dg.AssetExecutionContext, parse_cache: ParseCacheResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every catalogue rule's outcome on each parsed report; error-severity failures mark it for quarantine.
    Each batch's GX validation is a page of the warehouse's one Data Docs site (`<warehouse>/data-docs`)."""
    from expectations import blocking, load_catalogue
    from pipelines.document_work import check_batch
    from warehouse.workers import map_batches

    failing: dict[str, list[str]] = defaultdict(list)  # rule id -> documents failing it
    counts: Counter[str] = Counter()
    # checked in batches (each rule run once per batch, through DuckDB and GX) by worker processes, each caching
    # its documents' results (see pipelines.document_work)
    for done in map_batches(
        check_batch,
        list(context.partition_keys),
        parse_cache.cache_root(),
        str(warehouse.directory() / DATA_DOCS_DIR),
        workers=parse_cache.worker_count(),
        batch_size=parse_cache.batch_size,
        cluster=parse_cache.cluster(),
    ):
        sha, results = done["sha256"], done["results"]
        if not done["checked"]:
            counts["not_checked"] += 1
            continue
        if done["check_error"] is not None:  # the rules could not run: the report is unverified, quarantined
            counts["check_errors"] += 1
            counts["blocked"] += 1
            continue
        for r in results:
            if r.outcome in FAILING:
                failing[r.rule_id].append(sha)
        context.add_asset_metadata(
            {
                "blocking_rules": dg.MetadataValue.json(
                    sorted({r.rule_id for r in results if r.severity == "error" and r.outcome in FAILING})
                ),
                "warning_rules": dg.MetadataValue.json(
                    sorted({r.rule_id for r in results if r.severity == "warning" and r.outcome in FAILING})
                ),
                "results": len(results),
            },
            partition_key=sha,
        )
        counts["checked"] += 1
        counts["blocked" if blocking(results) else "publishable"] += 1
    check_results = []
    for rule in load_catalogue():
        docs = sorted(set(failing.get(rule.id, [])))
        check_results.append(
            dg.AssetCheckResult(
                check_name=check_name(rule.id),
                passed=not docs,
                severity=dg.AssetCheckSeverity.ERROR
                if rule.severity == "error"
                else dg.AssetCheckSeverity.WARN,
                metadata={
                    "failing_documents": len(docs),
                    "documents_checked": counts["checked"],
                    "failing": dg.MetadataValue.json([d[:16] for d in docs[:100]]),
                },
            )
        )
    return dg.MaterializeResult(
        metadata={
            "documents_checked": counts["checked"],
            "not_checked": counts["not_checked"],
            "publishable": counts["publishable"],
            "blocked_by_error_rules": counts["blocked"],
            "check_errors": counts["check_errors"],
        },
        check_results=check_results,
    )
