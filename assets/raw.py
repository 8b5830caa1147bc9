"""Raw files: every kept file of a parseable kind becomes one document partition, keyed by its sha256.

The raw store is the source of truth (the crawl and folder sources write to it); this stage only registers the
digests Dagster has not seen, so the downstream stages run for new and changed documents only.
"""

from collections import Counter

import dagster as dg

from assets.discovery import discovered_documents
from assets.partitions import DOCUMENTS
from pipelines.resources import RawStoreResource

#: Sniffed kinds the parser reads (PDFs, workbooks, HTML pages with report tables); archives and the rest stay in
#: the store.
PARSEABLE_KINDS = frozenset({"pdf", "xlsx", "xls", "html"})


@dg.asset(deps=[discovered_documents], group_name="crawl", kinds={"python"})
def raw_documents(context: dg.AssetExecutionContext, raw_store: RawStoreResource) -> dg.MaterializeResult:
    """Register each kept parseable raw file as a `documents` partition (new digests only)."""
    files = raw_store.store().list()
    kinds = Counter(f.kind for f in files)
    keys = [f.sha256 for f in files if f.kind in PARSEABLE_KINDS]
    known = set(context.instance.get_dynamic_partitions(DOCUMENTS))
    new = [k for k in keys if k not in known]
    if new:
        context.instance.add_dynamic_partitions(DOCUMENTS, new)
    context.log.info(f"raw store: {len(files)} files {dict(kinds)}; {len(new)} new document partitions")
    return dg.MaterializeResult(
        metadata={
            "raw_files": len(files),
            "documents": len(keys),
            "new_partitions": len(new),
            "new_documents": dg.MetadataValue.json(new[:200]),
            "kinds": dg.MetadataValue.json(dict(sorted(kinds.items()))),
        }
    )
