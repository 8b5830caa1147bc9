"""The raw landing store: every downloaded file kept once, named by its sha256, never modified or deleted.

Files live under `<data_root>/raw/<sha256[:2]>/<sha256>` (written atomically, then made read-only); a small
SQLite table beside them records what we know about each file: every URL it was seen under (one file under two
URLs is one document), the HTTP headers that came with it, its size, its sniffed kind, which source found it and
when it was first and last seen. SQLite rather than DuckDB because crawls and Dagster ops may write concurrently
and SQLite handles several short-lived writers; the warehouse, not this table, is what analysts query.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from juesuan.model import Region
from juesuan.paths import data_root

#: HTTP headers worth keeping with a file (lower-cased names).
KEPT_HEADERS = ("etag", "last-modified", "content-type", "content-length", "content-disposition")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw_file (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_url (
    sha256        TEXT NOT NULL REFERENCES raw_file(sha256),
    url           TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    content_type  TEXT,
    headers_json  TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    PRIMARY KEY (sha256, url)
);
CREATE INDEX IF NOT EXISTS raw_url_by_url ON raw_url(url);
"""
#: Where the link was found (added after the first release; added to older stores on open).
_CONTEXT_COLUMNS = (
    ("link_text", "TEXT"),
    ("title", "TEXT"),
    ("referrer", "TEXT"),
    ("stated_year", "INTEGER"),
    ("province", "TEXT"),
    ("city", "TEXT"),
    ("county", "TEXT"),
    ("adcode", "TEXT"),
)
_URL_COLUMNS = "url, source_id, etag, last_modified, content_type, first_seen, last_seen, " + ", ".join(
    c for c, _ in _CONTEXT_COLUMNS
)


def utc_now() -> str:
    """ISO-8601 UTC timestamp with seconds precision (what every `*_seen` column holds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class UrlContext:
    """Where a URL was found: its link text, the page title, the referring page, the year the page states and
    the source's configured region. Provenance, kept with the URL; the content still decides what a file is."""

    link_text: str | None = None
    title: str | None = None
    referrer: str | None = None
    stated_year: int | None = None
    region: Region | None = None


@dataclass(frozen=True)
class UrlRecord:
    """One URL a stored file was fetched from, with the HTTP metadata of that fetch and where it was linked."""

    url: str
    source_id: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    first_seen: str
    last_seen: str
    link_text: str | None = None
    title: str | None = None
    referrer: str | None = None
    stated_year: int | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None

    @property
    def region(self) -> Region | None:
        """The configured region of the source that found this URL, if it had one."""
        if not (self.province or self.city or self.county):
            return None
        return Region(self.province, self.city, self.county, self.adcode)


@dataclass(frozen=True)
class StoredFile:
    """A file in the raw store and what is known about it; `created` is True when this put stored new bytes."""

    sha256: str
    path: Path
    size: int
    kind: str
    first_seen: str
    last_seen: str
    urls: tuple[UrlRecord, ...] = field(default_factory=tuple)
    created: bool = False

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(sorted({u.source_id for u in self.urls}))

    @property
    def first_url(self) -> UrlRecord | None:
        """The URL the bytes were first seen under: the document's source, stable however many URLs follow (the
        pipeline and `juesuan rebuild` both name a document by it, so a rebuild reproduces the lost warehouse)."""
        return self.urls[0] if self.urls else None

    @property
    def region(self) -> Region | None:
        """The configured region of the most recently seen URL that has one (None when no source configured one)."""
        for u in sorted(self.urls, key=lambda u: u.last_seen, reverse=True):
            if u.region is not None:
                return u.region
        return None


class ThreadSQLite:
    """One SQLite file in WAL mode, with a connection per thread kept open.

    Kept open because closing the last WAL connection checkpoints, slowly; per thread because sqlite3
    connections must not cross threads. synchronous=NORMAL: with WAL durable at checkpoints, no fsync per write.
    Shared by the raw store's metadata and the crawler's HTTP state.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        with self.transaction() as db:
            db.execute("PRAGMA journal_mode = WAL")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in a transaction (committed on exit, rolled back on error)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)  # waits up to 30 s for another writer
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
        with db:
            yield db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class RawStoreError(RuntimeError):
    """The store found something it must not paper over (a file whose bytes no longer match its name)."""


class RawStore:
    """Content-addressed, append-only file store under `<root>/raw` (root defaults to `juesuan.paths.data_root()`)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else data_root()
        self.dir = self.root / "raw"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.dir / "metadata.sqlite"
        self._sqlite = ThreadSQLite(self.db_path)  # WAL: readers never block the crawl's writes
        with self._connect() as db:
            db.executescript(_SCHEMA)
            have = {r[1] for r in db.execute("PRAGMA table_info(raw_url)")}
            for name, sqltype in _CONTEXT_COLUMNS:
                if name not in have:
                    db.execute(f"ALTER TABLE raw_url ADD COLUMN {name} {sqltype}")

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._sqlite.transaction()

    def close(self) -> None:
        """Close this thread's metadata connection (others close when their threads end)."""
        self._sqlite.close()

    # -- writing ---------------------------------------------------------------------------------------------

    def path_for(self, sha256: str) -> Path:
        """Where the file with this digest lives (whether or not it is stored)."""
        return self.dir / sha256[:2] / sha256

    def put(
        self,
        data: bytes,
        *,
        url: str,
        source_id: str,
        headers: Mapping[str, str] | None = None,
        kind: str | None = None,
        seen_at: str | None = None,
        context: UrlContext | None = None,
    ) -> StoredFile:
        """Store `data` (once) and record that it was seen under `url` by `source_id`.

        Idempotent: putting the same bytes again writes nothing, only refreshes `last_seen` and adds the URL if
        it is new. `kind` is the sniffed content kind; when omitted it is sniffed here from the bytes. `context`
        (link text, title, referrer, stated year, configured region) is recorded with the URL.
        """
        ctx = context or UrlContext()
        region = ctx.region or Region()
        sha = hashlib.sha256(data).hexdigest()
        if kind is None:
            from juesuan.sniff import sniff_bytes

            kind = sniff_bytes(data)
        now = seen_at or utc_now()
        created = self._write_once(sha, data)
        kept = {k.lower(): v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
        with self._connect() as db:
            db.execute(
                "INSERT INTO raw_file(sha256, size, kind, first_seen, last_seen) VALUES (?,?,?,?,?) "
                "ON CONFLICT(sha256) DO UPDATE SET last_seen = excluded.last_seen",
                (sha, len(data), kind, now, now),
            )
            db.execute(
                "INSERT INTO raw_url(sha256, url, source_id, etag, last_modified, content_type, headers_json,"
                " first_seen, last_seen, link_text, title, referrer, stated_year, province, city, county, adcode)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(sha256, url) DO UPDATE SET last_seen = excluded.last_seen,"
                " etag = excluded.etag, last_modified = excluded.last_modified,"
                " content_type = excluded.content_type, headers_json = excluded.headers_json,"
                " link_text = coalesce(excluded.link_text, link_text), title = coalesce(excluded.title, title),"
                " referrer = coalesce(excluded.referrer, referrer),"
                " stated_year = coalesce(excluded.stated_year, stated_year),"
                " province = coalesce(excluded.province, province), city = coalesce(excluded.city, city),"
                " county = coalesce(excluded.county, county), adcode = coalesce(excluded.adcode, adcode)",
                (
                    sha,
                    url,
                    source_id,
                    kept.get("etag"),
                    kept.get("last-modified"),
                    kept.get("content-type"),
                    json.dumps(kept, ensure_ascii=False, sort_keys=True),
                    now,
                    now,
                    ctx.link_text,
                    ctx.title,
                    ctx.referrer,
                    ctx.stated_year,
                    region.province,
                    region.city,
                    region.county,
                    region.adcode,
                ),
            )
        stored = self.get(sha)
        assert stored is not None
        return replace(stored, created=created)

    def touch(self, sha256: str, *, url: str, seen_at: str | None = None) -> StoredFile:
        """Record that `url` still serves the stored file `sha256` (e.g. after an HTTP 304), without its bytes."""
        now = seen_at or utc_now()
        with self._connect() as db:
            n = db.execute("UPDATE raw_file SET last_seen = ? WHERE sha256 = ?", (now, sha256)).rowcount
            if not n:
                raise KeyError(sha256)
            db.execute("UPDATE raw_url SET last_seen = ? WHERE sha256 = ? AND url = ?", (now, sha256, url))
        stored = self.get(sha256)
        assert stored is not None
        return stored

    def _write_once(self, sha: str, data: bytes) -> bool:
        """Write the bytes under their digest unless already there; atomic (temp file + rename), then read-only."""
        target = self.path_for(sha)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            if target.exists():  # another writer won the race with the same bytes
                return False
            os.replace(tmp, target)
            tmp = ""
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
        return True

    # -- reading ---------------------------------------------------------------------------------------------

    def get(self, sha256: str) -> StoredFile | None:
        """The stored file with this digest and all its URLs, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT sha256, size, kind, first_seen, last_seen FROM raw_file WHERE sha256 = ?", (sha256,)
            ).fetchone()
            if row is None:
                return None
            urls = self._urls(db, sha256)
        return self._stored(row, urls)

    def _stored(self, row: tuple[str, int, str, str, str], urls: tuple[UrlRecord, ...]) -> StoredFile:
        """A `raw_file` row (sha256, size, kind, first_seen, last_seen) with its URLs."""
        sha, size, kind, first_seen, last_seen = row
        return StoredFile(
            sha256=sha,
            path=self.path_for(sha),
            size=size,
            kind=kind,
            first_seen=first_seen,
            last_seen=last_seen,
            urls=urls,
        )

    @staticmethod
    def _urls(db: sqlite3.Connection, sha256: str) -> tuple[UrlRecord, ...]:
        rows = db.execute(
            f"SELECT {_URL_COLUMNS} FROM raw_url WHERE sha256 = ? ORDER BY first_seen, url",
            (sha256,),
        ).fetchall()
        return tuple(UrlRecord(*r) for r in rows)

    def complete(self, sha256: str, url: str) -> bool:
        """False when the bytes kept for `url` are shorter than the Content-Length it was served with (a download
        cut short, kept by an older crawler), so the crawler fetches it again instead of trusting a 304."""
        with self._connect() as db:
            row = db.execute(
                "SELECT f.size, u.headers_json FROM raw_file f JOIN raw_url u USING (sha256) "
                "WHERE f.sha256 = ? AND u.url = ?",
                (sha256, url),
            ).fetchone()
        if row is None:
            return True
        try:
            length = json.loads(row[1] or "{}").get("content-length")
        except (ValueError, AttributeError):
            return True
        if not (isinstance(length, str) and length.strip().isdigit()):
            return True
        return int(row[0]) >= int(length)

    def get_path(self, sha256: str) -> Path:
        """Path of the stored bytes; KeyError when the digest is not in the store."""
        path = self.path_for(sha256)
        if not path.exists():
            raise KeyError(sha256)
        return path

    def read_bytes(self, sha256: str) -> bytes:
        """The stored bytes, verified against their digest (a mismatch raises RawStoreError)."""
        data = self.get_path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RawStoreError(f"raw file {sha256} no longer matches its digest")
        return data

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.get(sha256) is not None

    def list(self, *, source_id: str | None = None, kind: str | None = None) -> list[StoredFile]:
        """Every stored file (optionally only those seen by one source, or of one kind), oldest first."""
        query = "SELECT sha256, size, kind, first_seen, last_seen FROM raw_file f WHERE 1=1"
        params: list[str] = []
        if source_id is not None:
            query += " AND EXISTS (SELECT 1 FROM raw_url u WHERE u.sha256 = f.sha256 AND u.source_id = ?)"
            params.append(source_id)
        if kind is not None:
            query += " AND f.kind = ?"
            params.append(kind)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY f.first_seen, f.sha256", params).fetchall()
            urls: dict[str, list[UrlRecord]] = {}
            for r in db.execute(f"SELECT sha256, {_URL_COLUMNS} FROM raw_url ORDER BY first_seen, url"):
                urls.setdefault(r[0], []).append(UrlRecord(*r[1:]))
        return [self._stored(r, tuple(urls.get(r[0], ()))) for r in rows]

    def find_url(self, url: str) -> list[StoredFile]:
        """Every stored file ever served under `url` (an attachment replaced in place yields several)."""
        with self._connect() as db:
            shas = [
                r[0]
                for r in db.execute(
                    "SELECT sha256 FROM raw_url WHERE url = ? ORDER BY last_seen DESC, sha256", (url,)
                )
            ]
        return [f for f in (self.get(s) for s in shas) if f is not None]
