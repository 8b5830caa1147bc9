"""Telling a full or unwritable disk apart from a problem with a document.

DuckDB reports a failed write in several ways: an IOException, or a TransactionException "Failed to commit: Could
not write file …: No space left on device" when the write-ahead log cannot grow, or a FatalException once the
database was invalidated by such a failure. None of these is the document's fault: the run stops, the published
file stays as it was, and the next run (with room) loads the document.
"""

from __future__ import annotations

import duckdb

_WRITE_FAILURE_TEXT = (
    "no space left on device",
    "could not write file",
    "failed to commit",
    "disk quota exceeded",
    "read-only file system",
    "database has been invalidated",
)


class WriteFailed(OSError):
    """The warehouse could not be written (disk full, quota, read-only folder): an environmental failure."""


def is_write_failure(exc: BaseException) -> bool:
    """True when `exc` (a DuckDB error) says a file could not be written."""
    if isinstance(exc, duckdb.IOException):
        return True
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(t in text for t in _WRITE_FAILURE_TEXT)


def write_failed(exc: BaseException) -> WriteFailed:
    """The OSError to raise in place of a DuckDB write failure (first line of its message kept)."""
    return WriteFailed(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
