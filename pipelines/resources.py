"""Dagster resources: where the raw store, the parse cache and the warehouse live, and what to crawl.

Each resource is configuration plus a factory for the plain-Python object the domain code already provides, so
the assets stay thin and a test or `juesuan run` points the whole graph at a temporary data root or another
sources file by swapping resources, not code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg

from juesuan.model import Region
from juesuan.paths import PROJECT_ROOT, data_root
from pipelines.parse_cache import ParseCache
from warehouse.workers import DEFAULT_BATCH_SIZE


def default_sources_file() -> str:
    """The project's `sources.yaml` (the sample portal is configured there)."""
    return str(PROJECT_ROOT / "sources.yaml")


class RawStoreResource(dg.ConfigurableResource):
    """The content-addressed raw landing store under `root` (default: the data root)."""

    root: str = ""

    def path(self) -> Path:
        return Path(self.root) if self.root else data_root()

    def store(self) -> Any:
        from juesuan.rawstore import RawStore

        return RawStore(self.path())


class ParseCacheResource(dg.ConfigurableResource):
    """Parse outcomes and rule results by (sha256, parser version), under `root` (default: the data root).

    `workers`: processes that parse and check a documents run's documents (0: `JUESUAN_WORKERS` or the CPU
    count), `batch_size`: documents per batch (a worker's unit of work; rules are run once per batch),
    `dask_scheduler`: a Dask scheduler address (tcp://host:8786) whose workers do that work instead (default
    `JUESUAN_DASK_SCHEDULER`; see docs/scaling.md). All are deployment settings (run config or environment).
    """

    root: str = ""
    workers: int = 0
    batch_size: int = DEFAULT_BATCH_SIZE
    dask_scheduler: str = ""

    def cache(self) -> ParseCache:
        return ParseCache(Path(self.root) if self.root else data_root())

    def cache_root(self) -> str:
        return str(Path(self.root) if self.root else data_root())

    def worker_count(self) -> int | None:
        return self.workers or None

    def cluster(self) -> str | None:
        """The configured Dask scheduler, or None to use `JUESUAN_DASK_SCHEDULER` / local processes."""
        return self.dask_scheduler or None


class SourcesResource(dg.ConfigurableResource):
    """The portals to crawl (a sources YAML file) and the values of its `${NAME}` placeholders.

    `portal_url` fills `${PORTAL_URL}`, the base URL of the sample portal (served on a port chosen at run time);
    `data_root` fills `${DATA_ROOT}` (the inbox folder source lives there).
    """

    sources_file: str = ""
    portal_url: str = ""
    data_root: str = ""

    def file(self) -> Path:
        return Path(self.sources_file or default_sources_file())

    def variables(self) -> dict[str, str]:
        """`${PORTAL_URL}` (when a portal URL is set) and `${DATA_ROOT}`; others come from the environment."""
        out = {"DATA_ROOT": str(Path(self.data_root) if self.data_root else data_root())}
        if self.portal_url:
            out["PORTAL_URL"] = self.portal_url.rstrip("/")
        return out

    def load(self) -> list[Any]:
        """The validated SourceConfigs (a wrong file raises SourcesError naming the file and source)."""
        from juesuan.crawl.sources import load_sources

        return load_sources(self.file(), self.variables())

    def regions(self) -> dict[str, Region]:
        """Configured region per source id (the parser's region hint); empty when the file cannot be loaded."""
        from juesuan.crawl.sources import SourcesError

        try:
            return {
                s.id: s.region for s in self.load() if s.region.province or s.region.city or s.region.county
            }
        except (SourcesError, OSError):
            return {}


def region_hint(regions: dict[str, Region], source_ids: Iterable[str]) -> Region | None:
    """The configured region of the first of a document's sources that has one (`SourcesResource.regions()`)."""
    return next((regions[s] for s in source_ids if s in regions), None)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse directory: its staging database (one writer) and the published file readers open.

    `path` is the directory (default `<data root>/warehouse`); `root` is the data root it defaults under.
    """

    path: str = ""
    root: str = ""

    def directory(self) -> Path:
        if self.path:
            return Path(self.path)
        return (Path(self.root) if self.root else data_root()) / "warehouse"

    def published_path(self) -> Path:
        """The file analysts open read-only (`juesuan.duckdb` in the warehouse directory)."""
        from warehouse.store import PUBLISHED_NAME

        return self.directory() / PUBLISHED_NAME

    def open(self) -> Any:
        """The staging Warehouse (close it, or use it as a context manager); WarehouseBusy if another writer."""
        from warehouse.store import Warehouse

        return Warehouse(self.directory())
