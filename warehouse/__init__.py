"""The DuckDB warehouse: DDL migrations, staging loads, atomic publishing, mart views and exports.

`Warehouse(root)` owns the staging file (one writer); `Warehouse.publish()` builds and swaps in the published file
that readers open with `connect_published(path)` (read-only).
"""

from warehouse.publish import PublishError, PublishResult, connect_published
from warehouse.store import PUBLISHED_NAME, STAGING_NAME, LoadOutcome, Warehouse, WarehouseBusy

__all__ = [
    "PUBLISHED_NAME",
    "STAGING_NAME",
    "LoadOutcome",
    "PublishError",
    "PublishResult",
    "Warehouse",
    "WarehouseBusy",
    "connect_published",
]
