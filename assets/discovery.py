"""Discovered documents: one crawl of every source in the sources file, landing new files in the raw store.

The crawler (plain Python, `juesuan.crawl`) already retries each request, honours robots.txt and sends
conditional requests; the Dagster retry policy here covers the night when no source answers at all.
"""

from collections import Counter

import dagster as dg

from pipelines.resources import RawStoreResource, SourcesResource

#: A whole-crawl retry: 10 s, 20 s, 40 s (± jitter), for a portal or network that is down, not for a bad page.
CRAWL_RETRY = dg.RetryPolicy(
    max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


class NothingReachable(Exception):
    """Every source failed and nothing was found: the portals or the network are down, so retry later."""


@dg.asset(group_name="crawl", retry_policy=CRAWL_RETRY, kinds={"python", "http"})
def discovered_documents(
    context: dg.AssetExecutionContext, sources: SourcesResource, raw_store: RawStoreResource
) -> dg.MaterializeResult:
    """Every report attachment the sources list, fetched (conditionally) into the raw store."""
    from juesuan.crawl import SourcesError, crawl

    try:
        configs = sources.load()
    except SourcesError as exc:  # a wrong sources file is not transient: fail now, do not retry
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    result = crawl(configs, store=raw_store.store())
    summary = result.summary()
    if configs and not result.documents and result.failures:
        failed_sources = {f.source_id for f in result.failures}
        if failed_sources >= {s.id for s in configs}:
            first = result.failures[0]
            raise NothingReachable(
                f"no source answered ({len(result.failures)} failures; first: {first.url}: {first.reason})"
            )
    stages = Counter(f.stage for f in result.failures)
    failures = [
        {"source": f.source_id, "stage": f.stage, "url": f.url, "reason": f.reason} for f in result.failures
    ]
    context.log.info(f"crawl: {summary}")
    return dg.MaterializeResult(
        metadata={
            "sources": len(configs),
            "found": summary["documents"],
            "urls": summary["urls"],
            "new": summary["new"],
            "changed": summary["changed"],
            "unchanged": summary["unchanged"],
            "stored_new": summary["stored_new"],
            "failed": summary["failures"],
            "failures_by_stage": dg.MetadataValue.json(dict(sorted(stages.items()))),
            "failures": dg.MetadataValue.json(failures[:200]),
            "requests": summary["requests"],
            "not_modified": summary["not_modified"],
            "bytes_downloaded": summary["bytes_downloaded"],
            "elapsed_s": summary["elapsed_s"],
        }
    )
