"""What the crawler remembers between runs: validators (ETag, Last-Modified) and outcomes per URL.

With it an unchanged portal costs one conditional request per page, answered 304: navigation pages keep their
last body here (so the crawl can still walk them), attachments keep the sha256 of what they served (so a 304 maps
back to a stored document) or the reason they failed (so a broken attachment is reported again, not forgotten).
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from juesuan.rawstore import ThreadSQLite, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    content_type  TEXT,
    sha256        TEXT,
    kind          TEXT,
    failure       TEXT,
    body          BLOB,
    fetched_at    TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CacheEntry:
    url: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    sha256: str | None
    kind: str | None
    failure: str | None
    body: bytes | None
    fetched_at: str


class CrawlState:
    """SQLite-backed per-URL memory of the last successful fetch (default `<data_root>/crawl/state.sqlite`)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._sqlite = ThreadSQLite(self.path)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._sqlite.transaction()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self._sqlite.close()

    def get(self, url: str) -> CacheEntry | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT url, etag, last_modified, content_type, sha256, kind, failure, body, fetched_at "
                "FROM http_cache WHERE url = ?",
                (url,),
            ).fetchone()
        return CacheEntry(*row) if row else None

    def remember(
        self,
        url: str,
        headers: dict[str, str],
        *,
        body: bytes | None = None,
        sha256: str | None = None,
        kind: str | None = None,
        failure: str | None = None,
    ) -> None:
        """Record the validators of a 200 response and what it turned out to be."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO http_cache(url, etag, last_modified, content_type, sha256, kind, failure,"
                " body, fetched_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    url,
                    headers.get("etag"),
                    headers.get("last-modified"),
                    headers.get("content-type"),
                    sha256,
                    kind,
                    failure,
                    body,
                    utc_now(),
                ),
            )

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM http_cache").fetchone()[0])
