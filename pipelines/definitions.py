"""The juesuan code location (`workspace.yaml` loads `pipelines.definitions`): assets, checks, jobs, schedule.

`defs` uses the default data root (`JUESUAN_DATA` or `data/`), the project's `sources.yaml` and the default
warehouse file; `build_definitions` points the same graph elsewhere (tests, `juesuan run --warehouse`).
"""

from __future__ import annotations

import dagster as dg

from assets import checked, discovery, parsed, raw
from assets import warehouse as warehouse_assets
from pipelines.jobs import crawl_job, documents_job, publish_job
from pipelines.resources import ParseCacheResource, RawStoreResource, SourcesResource, WarehouseResource
from pipelines.schedules import nightly_schedule
from pipelines.sensors import (
    catalogue_change_sensor,
    new_documents_sensor,
    parser_upgrade_sensor,
    publish_after_documents,
)

STAGE_MODULES = (discovery, raw, parsed, checked, warehouse_assets)


def build_definitions(
    *, data_root: str = "", sources_file: str = "", portal_url: str = "", warehouse: str = ""
) -> dg.Definitions:
    """The code location with its resources pointed at `data_root`, `sources_file` and `warehouse` (or defaults)."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(list(STAGE_MODULES)),
        asset_checks=dg.load_asset_checks_from_modules(list(STAGE_MODULES)),
        jobs=[crawl_job, documents_job, publish_job],
        schedules=[nightly_schedule],
        sensors=[
            new_documents_sensor,
            parser_upgrade_sensor,
            catalogue_change_sensor,
            publish_after_documents,
        ],
        resources={
            "raw_store": RawStoreResource(root=data_root),
            "parse_cache": ParseCacheResource(root=data_root),
            "sources": SourcesResource(sources_file=sources_file, portal_url=portal_url, data_root=data_root),
            "warehouse": WarehouseResource(path=warehouse, root=data_root),
        },
    )


defs = build_definitions()
