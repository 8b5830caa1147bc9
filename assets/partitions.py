"""The document partitions: one Dagster partition per kept raw file, keyed by its sha256.

Dynamic, because documents appear as portals publish them; the raw stage registers each new sha256 once, so the
parse and check stages run per document and only for documents they have not seen.
"""

from __future__ import annotations

import dagster as dg

DOCUMENTS = "documents"

documents_partitions = dg.DynamicPartitionsDefinition(name=DOCUMENTS)
