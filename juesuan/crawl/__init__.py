"""Finding reports on portals and local folders, and landing them in the raw store (no Dagster here).

Entry points: `load_sources(path, variables)` → list[SourceConfig]; `crawl(sources, store=..., state=...)` →
CrawlResult (documents found, failures with URL and reason, request counts).
"""

from juesuan.crawl.crawler import (
    CrawlFailure,
    CrawlResult,
    DiscoveredDocument,
    SourceSummary,
    crawl,
    write_crawl_log,
)
from juesuan.crawl.http import HttpClient, RequestStats, Response
from juesuan.crawl.sources import Limits, SourceConfig, SourcesError, load_sources, parse_sources
from juesuan.crawl.state import CrawlState

__all__ = [
    "CrawlFailure",
    "CrawlResult",
    "CrawlState",
    "DiscoveredDocument",
    "HttpClient",
    "Limits",
    "RequestStats",
    "Response",
    "SourceConfig",
    "SourceSummary",
    "SourcesError",
    "crawl",
    "load_sources",
    "parse_sources",
    "write_crawl_log",
]
