"""The raw landing store: content-addressed, written once, read-only, idempotent, one file under many URLs."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from juesuan.rawstore import RawStore, RawStoreError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_put_stores_once_under_sha256(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    sha = hashlib.sha256(PDF).hexdigest()
    first = store.put(
        PDF, url="http://a/1.pdf", source_id="s1", headers={"ETag": '"x"', "X-Other": "dropped"}
    )
    assert first.created and first.sha256 == sha
    assert first.path == tmp_path / "raw" / sha[:2] / sha
    assert first.path.read_bytes() == PDF
    assert first.kind == "pdf" and first.size == len(PDF)
    assert not os.stat(first.path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), "must be read-only"
    assert first.urls[0].etag == '"x"'

    again = store.put(PDF, url="http://a/1.pdf", source_id="s1", headers={})
    assert not again.created
    assert len(store.list()) == 1
    assert again.first_seen == first.first_seen and again.last_seen >= first.last_seen
    assert [u.url for u in again.urls] == ["http://a/1.pdf"]


def test_same_bytes_under_two_urls_is_one_file(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    a = store.put(PDF, url="http://a/1.pdf", source_id="s1", headers={})
    b = store.put(PDF, url="http://b/copy.pdf", source_id="s2", headers={"Last-Modified": "Mon"})
    assert a.sha256 == b.sha256 and not b.created
    files = store.list()
    assert len(files) == 1
    assert {u.url for u in files[0].urls} == {"http://a/1.pdf", "http://b/copy.pdf"}
    assert files[0].source_ids == ("s1", "s2")
    assert store.find_url("http://b/copy.pdf")[0].sha256 == a.sha256
    assert len(list((tmp_path / "raw").glob("??/*"))) == 1


def test_existing_file_is_never_rewritten(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    f = store.put(PDF, url="u", source_id="s", headers={})
    before = os.stat(f.path)
    store.put(PDF, url="u2", source_id="s", headers={})
    after = os.stat(f.path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert not list(f.path.parent.glob(".incoming-*")), "no temp files left behind"


def test_get_path_and_verification(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    f = store.put(b"<html><body>x</body></html>", url="u", source_id="s", headers={})
    assert f.kind == "html"
    assert store.get_path(f.sha256) == f.path
    assert store.read_bytes(f.sha256).startswith(b"<html>")
    with pytest.raises(KeyError):
        store.get_path("0" * 64)
    assert store.get("0" * 64) is None
    os.chmod(f.path, 0o644)
    f.path.write_bytes(b"tampered")
    with pytest.raises(RawStoreError):
        store.read_bytes(f.sha256)


def test_metadata_survives_reopen_and_filters(tmp_path: Path) -> None:
    RawStore(tmp_path).put(PDF, url="u1", source_id="s1", headers={"Content-Type": "application/pdf"})
    RawStore(tmp_path).put(
        b"PK\x03\x04" + bytes(26) + b"xl/workbook.xml", url="u2", source_id="s2", headers={}
    )
    store = RawStore(tmp_path)
    assert len(store.list()) == 2
    assert [f.kind for f in store.list(source_id="s1")] == ["pdf"]
    assert len(store.list(kind="xlsx")) == 1
    assert store.list(source_id="s1")[0].urls[0].content_type == "application/pdf"


def test_touch_updates_last_seen_only(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    f = store.put(PDF, url="u", source_id="s", headers={}, seen_at="2026-01-01T00:00:00.000000Z")
    t = store.touch(f.sha256, url="u", seen_at="2026-02-01T00:00:00.000000Z")
    assert t.first_seen == "2026-01-01T00:00:00.000000Z" and t.last_seen == "2026-02-01T00:00:00.000000Z"
    with pytest.raises(KeyError):
        store.touch("f" * 64, url="u")


def test_url_context_is_kept_and_old_stores_are_upgraded(tmp_path: Path) -> None:
    import sqlite3

    from juesuan.model import Region
    from juesuan.rawstore import UrlContext

    # a store written before the context columns existed
    (tmp_path / "raw").mkdir()
    db = sqlite3.connect(tmp_path / "raw" / "metadata.sqlite")
    db.executescript(
        "CREATE TABLE raw_file (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, kind TEXT NOT NULL,"
        " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);"
        "CREATE TABLE raw_url (sha256 TEXT NOT NULL, url TEXT NOT NULL, source_id TEXT NOT NULL, etag TEXT,"
        " last_modified TEXT, content_type TEXT, headers_json TEXT, first_seen TEXT NOT NULL,"
        " last_seen TEXT NOT NULL, PRIMARY KEY (sha256, url));"
    )
    db.close()
    store = RawStore(tmp_path)
    region = Region("湖南省", "株洲市", "荷塘区", "430202")
    ctx = UrlContext("2023年度部门决算.pdf", "荷塘区财政局2023年度部门决算", "http://a/t1.html", 2023, region)
    f = store.put(PDF, url="http://a/1.pdf", source_id="s", headers={}, context=ctx)
    (u,) = f.urls
    assert (u.link_text, u.title, u.referrer, u.stated_year) == (
        "2023年度部门决算.pdf",
        "荷塘区财政局2023年度部门决算",
        "http://a/t1.html",
        2023,
    )
    assert u.region == region and f.region == region
    # a later sighting without context keeps what was known
    again = store.put(PDF, url="http://a/1.pdf", source_id="s", headers={})
    assert again.urls[0].title == "荷塘区财政局2023年度部门决算" and again.region == region
    assert store.put(b"%PDF-1.4 other", url="u", source_id="s", headers={}).region is None
