"""The three jobs of a night: crawl, then the new documents, then publish.

They are separate runs because a run's partitions are fixed when it starts, and the night's documents are only
known once the crawl has registered them. The documents job runs over a contiguous range of document partitions
in a single run (the assets' single-run backfill policy), so a night costs three runs, not one per document.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

# The run tags Dagster reads to execute a partition range in one run (dagster._core.storage.tags).
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.partitions import DOCUMENTS

crawl_job = dg.define_asset_job(
    "crawl_job",
    selection=dg.AssetSelection.groups("crawl"),
    description="Crawl every source into the raw store and register new documents (02:00 Asia/Shanghai).",
)

documents_job = dg.define_asset_job(
    "documents_job",
    selection=dg.AssetSelection.groups("documents"),
    description="Parse and check a range of documents; parsing is skipped for (sha256, parser version) seen.",
)

publish_job = dg.define_asset_job(
    "publish_job",
    selection=dg.AssetSelection.groups("warehouse"),
    description="Load checked documents into staging, quarantine failing ones, publish the mart atomically.",
)


def range_tags(keys: Sequence[str]) -> dict[str, str]:
    """Run tags that execute the partitions from keys[0] to keys[-1] (in registration order) in one run."""
    return {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}


def pending_range(all_keys: Sequence[str], pending: set[str]) -> list[str]:
    """The contiguous slice of `all_keys` from the first to the last pending key (empty when none pends).

    Documents registered in one night are contiguous at the end, so the slice is normally exactly the new ones;
    already-parsed keys inside it hit the parse cache and cost nothing.
    """
    idx = [i for i, k in enumerate(all_keys) if k in pending]
    return list(all_keys[idx[0] : idx[-1] + 1]) if idx else []


__all__ = ["DOCUMENTS", "crawl_job", "documents_job", "pending_range", "publish_job", "range_tags"]
