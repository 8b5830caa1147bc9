"""The crawler against a tiny hand-written TRS-style site served on 127.0.0.1 (the sample portal has its own tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from juesuan.crawl import CrawlState, HttpClient, crawl, parse_sources
from juesuan.portal import PortalServer, serve_portal
from juesuan.rawstore import RawStore

PDF_A = b"%PDF-1.4\n% report A\n" + b"a" * 3000 + b"\n%%EOF\n"
PDF_C = b"%PDF-1.4\n% report C\n" + b"c" * 3000 + b"\n%%EOF\n"
PDF_NEW = b"%PDF-1.4\n% report N\n" + b"n" * 3000 + b"\n%%EOF\n"
XLSX = b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml" + b"\x00" * 100
ERROR_PAGE = "<!DOCTYPE html><html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>"


def page(title: str, body: str) -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


def article(title: str, attachments: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in attachments)
    return page(
        title, f'<h1>{title}</h1><div class="content"><p>正文</p></div><ul class="attachments">{links}</ul>'
    )


def listing(items: list[tuple[str, str]], total_pages: int, current: int) -> str:
    lis = "".join(f'<li><a href="{href}">{text}</a><span>2024-09-10</span></li>' for href, text in items)
    nxt = f'<a href="index_{current + 1}.html">下一页</a>' if current + 1 < total_pages else ""
    script = f'<script>createPageHTML({total_pages}, {current}, "index", "html");</script>'
    nav = '<div class="nav"><a href="/index.html">首页</a><a href="/other/index.html">其他栏目</a></div>'
    return page("部门决算", f'{nav}<ul class="list">{lis}</ul>{script}{nxt}')


def write(root: Path, rel: str, data: str | bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def build_tiny_site(root: Path) -> None:
    d = "hn/ht/czyjs"
    write(root, "robots.txt", "User-agent: *\nDisallow: /hn/ht/preview/\n")
    write(
        root,
        f"{d}/index.html",
        listing(
            [
                ("./202409/t20240910_1001.html", "株洲市荷塘区财政局2023年度部门决算"),
                ("./202409/t20240911_1002.html", "株洲市荷塘区教育局2023年度部门决算"),
                ("/hn/ht/preview/202409/t20240912_1003.html", "预览：荷塘区审计局2023年度部门决算"),
            ],
            2,
            0,
        ),
    )
    write(
        root,
        f"{d}/index_1.html",
        listing(
            [
                ("./202408/t20240801_1004.html", "株洲市荷塘区民政局2022年度部门决算"),
                ("__ALT_ORIGIN__/hn/ht/czyjs/202408/t20240802_1005.html", "镜像站点：荷塘区卫健局决算"),
            ],
            2,
            1,
        ),
    )
    write(
        root,
        f"{d}/202409/t20240910_1001.html",
        article(
            "株洲市荷塘区财政局2023年度部门决算",
            [("./P020240910001.pdf", "2023年度部门决算.pdf"), ("./P020240910002.xlsx", "决算表.xlsx")],
        ),
    )
    write(root, f"{d}/202409/P020240910001.pdf", PDF_A)
    write(root, f"{d}/202409/P020240910002.xlsx", XLSX)
    write(
        root,
        f"{d}/202409/t20240911_1002.html",
        article("株洲市荷塘区教育局2023年度部门决算", [("./P020240911001.pdf", "教育局决算.pdf")]),
    )
    write(root, f"{d}/202409/P020240911001.pdf", ERROR_PAGE)
    write(
        root,
        "hn/ht/preview/202409/t20240912_1003.html",
        article("预览", [("./P020240912001.pdf", "x.pdf")]),
    )
    write(root, "hn/ht/preview/202409/P020240912001.pdf", PDF_NEW)
    write(
        root,
        f"{d}/202408/t20240801_1004.html",
        article(
            "株洲市荷塘区民政局2022年度部门决算",
            [
                ("./P020240801001.pdf", "民政局决算.pdf"),
                ("../202409/P020240910001.pdf", "财政局决算（转载）.pdf"),
                ("./P020240801003.pdf", "财政局决算（副本）.pdf"),
                ("__ALT_ORIGIN__/hn/ht/czyjs/202408/P020240801001.pdf", "镜像.pdf"),
            ],
        ),
    )
    write(root, f"{d}/202408/P020240801001.pdf", PDF_C)
    write(root, f"{d}/202408/P020240801003.pdf", PDF_A)


SOURCE = {
    "id": "hn-ht",
    "family": "trs_static",
    "region": {"province": "湖南省", "city": "株洲市", "county": "荷塘区"},
    "listing": {"links": "ul.list li a"},
    "detail": {"attachments": "ul.attachments a"},
    "limits": {"rate_per_host": 1000, "backoff": 0.01, "retries": 3, "timeout": 5},
}


def make_source(url: str, **limits: object) -> list:
    entry = {**SOURCE, "start_urls": [f"{url}/hn/ht/czyjs/index.html"]}
    entry["limits"] = {**SOURCE["limits"], **limits}
    return parse_sources({"sources": [entry]})


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    build_tiny_site(root)
    return root


@pytest.fixture()
def portal(site: Path):
    with serve_portal(site) as server:
        yield server


def run(portal: PortalServer, data: Path, **limits: object):
    store = RawStore(data)
    return crawl(make_source(portal.url, **limits), store=store), store


def test_first_crawl_finds_documents_and_records_failures(portal: PortalServer, tmp_path: Path) -> None:
    result, store = run(portal, tmp_path / "data")
    by_url = {d.url.removeprefix(portal.url): d for d in result.documents}
    assert set(by_url) == {
        "/hn/ht/czyjs/202409/P020240910001.pdf",
        "/hn/ht/czyjs/202409/P020240910002.xlsx",
        "/hn/ht/czyjs/202408/P020240801001.pdf",
        "/hn/ht/czyjs/202408/P020240801003.pdf",
    }
    a = by_url["/hn/ht/czyjs/202409/P020240910001.pdf"]
    assert a.kind == "pdf" and a.status == "new" and a.stated_year == 2023 and a.region.county == "荷塘区"
    assert a.title == "株洲市荷塘区财政局2023年度部门决算" and a.link_text == "2023年度部门决算.pdf"
    assert by_url["/hn/ht/czyjs/202409/P020240910002.xlsx"].kind == "xlsx"
    # the same bytes under two URLs: one stored file, both URLs recorded
    assert by_url["/hn/ht/czyjs/202408/P020240801003.pdf"].sha256 == a.sha256
    assert len(result.unique_documents()) == 3
    assert len(store.list()) == 3
    assert {u.url for u in store.get(a.sha256).urls} == {
        portal.url + "/hn/ht/czyjs/202409/P020240910001.pdf",
        portal.url + "/hn/ht/czyjs/202408/P020240801003.pdf",
    }
    rec = next(u for u in store.get(a.sha256).urls if u.url.endswith("P020240910001.pdf"))
    assert rec.link_text == "2023年度部门决算.pdf" and rec.stated_year == 2023
    assert rec.title == "株洲市荷塘区财政局2023年度部门决算" and rec.referrer.endswith("t20240910_1001.html")
    assert rec.region is not None and rec.region.adcode == "430202"
    reasons = {
        f.url.replace(portal.url, "").replace(f"http://localhost:{portal.port}", "ALT"): f.reason
        for f in result.failures
    }
    assert reasons["/hn/ht/czyjs/202409/P020240911001.pdf"] == "not a PDF: an HTML page"
    assert reasons["/hn/ht/preview/202409/t20240912_1003.html"].startswith("disallowed by robots.txt")
    assert reasons["ALT/hn/ht/czyjs/202408/t20240802_1005.html"].startswith("outside allowed hosts")
    assert reasons["ALT/hn/ht/czyjs/202408/P020240801001.pdf"].startswith("outside allowed hosts")
    assert len(result.failures) == 4
    # the HTML page named .pdf is not in the store; robots-disallowed and foreign hosts were never requested
    assert {f.kind for f in store.list()} == {"pdf", "xlsx"}
    paths = [r.path for r in portal.requests]
    assert not [p for p in paths if "/preview/" in p]
    assert {r.host for r in portal.requests} == {f"127.0.0.1:{portal.port}"}
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    assert "/hn/ht/czyjs/index_1.html" in paths
    assert "/index.html" not in paths and "/other/index.html" not in paths, "only this listing's pagination"
    assert len(paths) == len(set(paths)), "each URL fetched once (the twice-linked PDF too)"
    assert result.stats.requests == len(paths)
    assert (tmp_path / "data" / "crawl" / "log.jsonl").exists()


def test_unchanged_portal_costs_one_304_per_page(portal: PortalServer, tmp_path: Path) -> None:
    first, _ = run(portal, tmp_path / "data")
    portal.clear_requests()
    second, store = run(portal, tmp_path / "data")
    reqs = portal.requests
    # each validator is asserted on its own: a crawler that forgot one would otherwise pass on the other
    assert reqs and all(r.if_none_match for r in reqs), "every request sends the ETag it was given"
    assert all(r.if_modified_since for r in reqs), "every request sends the Last-Modified it was given"
    assert {r.status for r in reqs} == {304}
    assert (
        second.stats.bytes_downloaded == 0 and second.stats.not_modified == len(reqs) == second.stats.requests
    )
    assert [(d.url, d.sha256) for d in second.documents] == [(d.url, d.sha256) for d in first.documents]
    assert {d.status for d in second.documents} == {"unchanged"}
    assert not any(d.stored_new for d in second.documents)
    assert second.changed_documents() == []
    # the broken attachment is still reported, not forgotten behind its 304
    assert any(f.reason.startswith("not a PDF: an HTML page (unchanged") for f in second.failures)
    assert len(second.failures) == len(first.failures)
    assert len(store.list()) == 3


def test_changes_between_runs_are_picked_up(portal: PortalServer, site: Path, tmp_path: Path) -> None:
    first, store = run(portal, tmp_path / "data")
    old_a = next(d.sha256 for d in first.documents if d.url.endswith("P020240910001.pdf"))
    old_path = store.get_path(old_a)
    # replace an attachment in place, and publish a new article on the first listing page
    target = site / "hn/ht/czyjs/202409/P020240910001.pdf"
    target.write_bytes(PDF_A.replace(b"report A", b"report A, corrected"))
    os.utime(target, (target.stat().st_mtime + 5, target.stat().st_mtime + 5))
    index = site / "hn/ht/czyjs/index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            '<ul class="list">',
            '<ul class="list"><li><a href="./202410/t20241001_1006.html">新增2023年度部门决算</a></li>',
        ),
        encoding="utf-8",
    )
    write(
        site,
        "hn/ht/czyjs/202410/t20241001_1006.html",
        article("新增2023年度部门决算", [("P020241001001.pdf", "新.pdf")]),
    )
    write(site, "hn/ht/czyjs/202410/P020241001001.pdf", PDF_NEW)
    second, store = run(portal, tmp_path / "data")
    status = {d.url.removeprefix(portal.url): d.status for d in second.documents}
    assert status["/hn/ht/czyjs/202409/P020240910001.pdf"] == "changed"
    assert status["/hn/ht/czyjs/202410/P020241001001.pdf"] == "new"
    assert status["/hn/ht/czyjs/202408/P020240801001.pdf"] == "unchanged"
    assert {d.url.rsplit("/", 1)[1] for d in second.changed_documents()} == {
        "P020240910001.pdf",
        "P020241001001.pdf",
    }
    # the old version is kept, untouched, beside the new one
    assert old_path.read_bytes() == PDF_A
    assert len(store.list()) == 5
    assert [f.sha256 for f in store.find_url(portal.url + "/hn/ht/czyjs/202409/P020240910001.pdf")][
        1
    ] == old_a


def test_transient_failures_are_retried_with_backoff(portal: PortalServer, tmp_path: Path) -> None:
    path = "/hn/ht/czyjs/202408/P020240801001.pdf"
    portal.flaky(path, failures=2, status=503)
    sleeps: list[float] = []
    store = RawStore(tmp_path / "data")
    client = HttpClient(CrawlState(tmp_path / "state.sqlite"), sleep=sleeps.append)
    result = crawl(make_source(portal.url, backoff=0.5), store=store, client=client)
    assert [r.status for r in portal.requests if r.path == path] == [503, 503, 200]
    assert any(d.url.endswith(path) for d in result.documents)
    assert result.stats.retries == 2
    assert [s for s in sleeps if s >= 0.5] == [0.5, 1.0], "exponential backoff"


def test_permanent_transient_failure_is_recorded(portal: PortalServer, tmp_path: Path) -> None:
    path = "/hn/ht/czyjs/202408/P020240801001.pdf"
    portal.flaky(path, failures=10, status=503)
    client = HttpClient(CrawlState(tmp_path / "state.sqlite"), sleep=lambda s: None)
    result = crawl(make_source(portal.url, retries=2), store=RawStore(tmp_path / "d"), client=client)
    assert [r.status for r in portal.requests if r.path == path] == [503, 503, 503]
    (fail,) = [f for f in result.failures if f.url == portal.url + path]
    assert fail.reason == "HTTP 503 (gave up after 3 attempts)" and fail.stage == "attachment"


def test_size_cap(portal: PortalServer, tmp_path: Path) -> None:
    result, store = run(portal, tmp_path / "data", max_bytes=2000)
    too_large = [f for f in result.failures if f.reason.startswith("too large")]
    assert {f.url.rsplit("/", 1)[1] for f in too_large} == {
        "P020240910001.pdf",
        "P020240801001.pdf",
        "P020240801003.pdf",
    }
    assert all(d.size <= 2000 for d in result.documents)
    assert [f.kind for f in store.list()] == ["xlsx"]


def test_page_and_download_limits(portal: PortalServer, tmp_path: Path) -> None:
    result, _ = run(portal, tmp_path / "data", max_pages=1, max_downloads=1)
    paths = [r.path for r in portal.requests]
    assert "/hn/ht/czyjs/index_1.html" not in paths
    assert any(f.stage == "limit" and "max_pages" in f.reason for f in result.failures)
    assert len(result.documents) == 1
    assert any(f.stage == "limit" and "max_downloads" in f.reason for f in result.failures)


@pytest.mark.parametrize(("mode", "reason"), [("reset", "network error"), ("stall", "timeout")])
def test_timeouts_and_resets_are_retried(
    portal: PortalServer, tmp_path: Path, mode: str, reason: str
) -> None:
    path = "/hn/ht/czyjs/202408/P020240801001.pdf"
    portal.flaky(path, failures=1, mode=mode, delay=0.6)
    client = HttpClient(CrawlState(tmp_path / "state.sqlite"), sleep=lambda s: None)
    result = crawl(make_source(portal.url, timeout=0.2), store=RawStore(tmp_path / "d"), client=client)
    assert any(d.url == portal.url + path for d in result.documents)
    # Count this URL's failed attempts: on a busy machine another page may also need a retry.
    failed_attempts = [e for e in client.log if e["url"] == portal.url + path and e.get("error")]
    assert len(failed_attempts) == 1, "the first attempt failed, the retry succeeded"
    assert result.stats.retries >= 1
    assert not [f for f in result.failures if f.url == portal.url + path]
    # with no retries left the failure is recorded with its reason
    portal.flaky(path, failures=5, mode=mode, delay=0.6)
    client = HttpClient(CrawlState(tmp_path / "state2.sqlite"), sleep=lambda s: None)
    result = crawl(
        make_source(portal.url, timeout=0.2, retries=1), store=RawStore(tmp_path / "d2"), client=client
    )
    (fail,) = [f for f in result.failures if f.url == portal.url + path]
    assert fail.reason.startswith(reason) and fail.reason.endswith("(gave up after 2 attempts)")


def test_redirects_are_checked_hop_by_hop(portal: PortalServer, tmp_path: Path) -> None:
    from juesuan.crawl.sources import Limits
    from juesuan.portal.server import ALT_ORIGIN

    (src,) = make_source(portal.url)
    fast = Limits(rate_per_host=1000)
    client = HttpClient(CrawlState(tmp_path / "s.sqlite"))
    target = "/hn/ht/czyjs/202408/P020240801001.pdf"
    portal.redirect("/moved.pdf", target)
    resp = client.fetch(portal.url + "/moved.pdf", limits=fast, allowed=src.host_allowed)
    assert resp.ok and resp.final_url == portal.url + target and resp.body == PDF_C
    portal.redirect("/away.pdf", ALT_ORIGIN + target)
    away = client.fetch(portal.url + "/away.pdf", limits=fast, allowed=src.host_allowed)
    assert not away.ok and away.error.startswith("outside allowed hosts") and "redirected from" in away.error
    portal.redirect("/hidden.pdf", "/hn/ht/preview/202409/P020240912001.pdf")
    hidden = client.fetch(portal.url + "/hidden.pdf", limits=fast, allowed=src.host_allowed)
    assert not hidden.ok and hidden.error.startswith("disallowed by robots.txt")
    assert not [r for r in portal.requests if "/preview/" in r.path or r.host.startswith("localhost")]
    blocked = client.fetch(f"http://localhost:{portal.port}/x.pdf", limits=fast, allowed=src.host_allowed)
    assert not blocked.ok and blocked.error.startswith("outside allowed hosts") and blocked.attempts == 0


def test_rate_limit_and_crawl_delay(site: Path, tmp_path: Path) -> None:
    """Pacing is per host: a fake clock shows requests spaced by 1/rate, or by robots.txt's Crawl-delay if longer."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    with serve_portal(site) as server:
        client = HttpClient(CrawlState(tmp_path / "a.sqlite"), sleep=sleep, clock=lambda: now[0])
        crawl(make_source(server.url, rate_per_host=4), store=RawStore(tmp_path / "a"), client=client)
        n = client.stats.requests
        assert n > 10 and sleeps and all(abs(s - 0.25) < 1e-9 for s in sleeps)
        assert abs(now[0] - 0.25 * (n - 1)) < 1e-6
    (site / "robots.txt").write_text("User-agent: *\nCrawl-delay: 2\nDisallow: /hn/ht/preview/\n")
    now[0] = 0.0
    sleeps.clear()
    with serve_portal(site) as server:
        client = HttpClient(CrawlState(tmp_path / "b.sqlite"), sleep=sleep, clock=lambda: now[0])
        crawl(make_source(server.url, rate_per_host=4), store=RawStore(tmp_path / "b"), client=client)
        assert sleeps[0] == 0.25, "robots.txt itself is fetched before its delay is known"
        assert set(sleeps[1:]) == {2.0}


def test_robots_txt_outcomes(site: Path, tmp_path: Path) -> None:
    """No robots.txt = no rules; robots.txt unreachable (5xx after retries) or 403 = keep out of the host."""
    (site / "robots.txt").unlink()
    with serve_portal(site) as server:
        result = crawl(make_source(server.url), store=RawStore(tmp_path / "a"))
        assert any("/preview/" in r.path for r in server.requests), "without robots.txt nothing is disallowed"
        assert len(result.unique_documents()) == 4
    for status, words in ((503, "unavailable"), (403, "forbids crawling")):
        with serve_portal(site) as server:
            server.flaky("/robots.txt", failures=100, status=status)
            client = HttpClient(CrawlState(tmp_path / f"{status}.sqlite"), sleep=lambda s: None)
            result = crawl(make_source(server.url), store=RawStore(tmp_path / str(status)), client=client)
            assert result.documents == []
            (fail,) = result.failures
            assert fail.stage == "robots" and words in fail.reason
            assert {r.path for r in server.requests} == {"/robots.txt"}


def test_a_crashing_adapter_is_recorded_not_raised(portal: PortalServer, tmp_path: Path, monkeypatch) -> None:
    from juesuan.crawl import crawler

    def boom(run: object) -> None:
        raise RuntimeError("adapter bug")

    monkeypatch.setitem(crawler._ADAPTERS, "trs_static", boom)
    sources = make_source(portal.url) + parse_sources(
        {"sources": [{"id": "inbox", "family": "folder", "path": str(tmp_path / "in"), "create": True}]}
    )
    result = crawl(sources, store=RawStore(tmp_path / "d"))
    (fail,) = result.failures
    assert fail.source_id == "hn-ht" and "adapter bug" in fail.reason
    assert "inbox" in result.sources, "the other sources still ran"


def test_a_file_replaced_within_the_same_second_is_told_by_its_etag(
    portal: PortalServer, site: Path, tmp_path: Path
) -> None:
    """Last-Modified has one-second resolution: only the ETag can tell a file replaced within that second."""
    _first, store = run(portal, tmp_path / "data")
    target = site / "hn/ht/czyjs/202409/P020240910001.pdf"
    before = target.stat()
    target.write_bytes(PDF_A.replace(b"report A", b"report A, same-second fix"))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: If-Modified-Since says 304
    portal.clear_requests()
    second, store = run(portal, tmp_path / "data")
    (req,) = [r for r in portal.requests if r.path == "/hn/ht/czyjs/202409/P020240910001.pdf"]
    assert req.if_none_match and req.if_modified_since and req.status == 200
    (doc,) = [d for d in second.documents if d.url.endswith("P020240910001.pdf")]
    assert doc.status == "changed" and store.read_bytes(doc.sha256).endswith(b"%%EOF\n")
