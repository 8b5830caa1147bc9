"""The JSON-API adapters (gkmlpt, Jiangsu platform) against tiny hand-written sites served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from juesuan.crawl import CrawlState, HttpClient, crawl, parse_sources
from juesuan.portal import PortalServer, serve_portal
from juesuan.rawstore import RawStore

PDF1 = b"%PDF-1.4\n% one\n" + b"1" * 800 + b"\n%%EOF\n"
PDF2 = b"%PDF-1.4\n% two\n" + b"2" * 800 + b"\n%%EOF\n"
PDF3 = b"%PDF-1.4\n% three\n" + b"3" * 800 + b"\n%%EOF\n"
FAST = {"rate_per_host": 1000, "backoff": 0.01, "timeout": 5}


def write(root: Path, rel: str, data: str | bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def build_gkmlpt(root: Path) -> None:
    tree = [
        {
            "id": 1,
            "name": "主动公开",
            "children": [{"id": 77, "name": "部门决算"}, {"id": 78, "name": "部门预算"}],
        },
        {"id": 2, "name": "外链", "jump_url": "http://www.gov.cn/"},
    ]
    write(root, "robots.txt", "User-agent: *\nDisallow:\n")
    write(
        root,
        "gd/gkmlpt/index",
        "<html><head><title>信息公开</title></head><body><script>window._CONFIG = {SID:'s42', "
        f"TREE:{json.dumps(tree, ensure_ascii=False)}, ROOT: '/gd'}};</script></body></html>",
    )
    write(root, "gd/gkmlpt/config.json", '{"sid": "s42"}')
    arts = [
        {
            "id": 1,
            "title": "某局2023年度部门决算",
            "url": "/gd/content/post_1.html",
            "attachment": [{"name": "决算.pdf", "url": "/gd/attachment/1.pdf"}],
        },
        {"id": 2, "title": "某局2024年度部门决算", "url": "/gd/content/post_2.html", "attachment": []},
        {
            "id": 3,
            "title": "某局2022年度部门决算",
            "url": "/gd/content/post_3.html",
            "attachment": [{"name": "x.pdf", "url": "/gd/attachment/3.pdf"}],
        },
    ]
    for n, chunk in ((1, arts[:2]), (2, arts[2:])):
        write(
            root,
            f"gd/gkmlpt/api/all/77/page_{n}.json",
            json.dumps({"classify": {"post_count": 3}, "articles": chunk}),
        )
    write(
        root,
        "gd/gkmlpt/api/all/78/page_1.json",
        json.dumps({"classify": {"post_count": 1}, "articles": [arts[0]]}),
    )
    write(
        root,
        "gd/content/post_2.html",
        '<html><body><h1>某局2024年度部门决算</h1><div class="att"><a href="/gd/attachment/2.pdf">附件.pdf</a></div></body></html>',
    )
    write(root, "gd/attachment/1.pdf", PDF1)
    write(root, "gd/attachment/2.pdf", PDF2)
    write(root, "gd/attachment/3.pdf", PDF3)


def build_jiangsu(root: Path) -> None:
    write(root, "robots.txt", "User-agent: *\nDisallow:\n")
    api = "js/front/api/"
    write(
        root,
        api + "departments_122_2023_2.json",
        json.dumps(
            [{"iid": 5, "name": "无锡市甲局", "pid": 122}, {"iid": 6, "name": "无锡市乙局", "pid": 122}]
        ),
    )
    write(
        root,
        api + "items_5_2023_2.json",
        json.dumps({"budgetTemplates": [{"uuid": "u5", "name": "无锡市甲局2023年度部门决算"}]}),
    )
    # department 6 has published nothing for 2023 (the server answers an empty template list)
    write(
        root,
        api + "files_u5.json",
        json.dumps(
            [{"iid": 900, "t_oldname": "甲局2023年部门决算.pdf"}, {"iid": 901, "t_oldname": "说明.pdf"}]
        ),
    )
    write(root, "js/front/files/900.pdf", PDF1)
    write(root, "js/front/files/901.pdf", "<html><body>系统繁忙</body></html>")


@pytest.fixture()
def portal(tmp_path: Path):
    root = tmp_path / "site"
    build_gkmlpt(root)
    build_jiangsu(root)
    with serve_portal(root) as server:
        yield server


def gkmlpt_source(url: str, **api: object) -> list:
    return parse_sources(
        {
            "sources": [
                {
                    "id": "gd",
                    "family": "json_api",
                    "region": {"province": "广东省", "city": "湛江市"},
                    "api": {"style": "gkmlpt", "base_url": f"{url}/gd", **api},
                    "detail": {"attachments": "div.att a"},
                    "limits": FAST,
                }
            ]
        }
    )


def jiangsu_source(url: str, **limits: object) -> list:
    return parse_sources(
        {
            "sources": [
                {
                    "id": "wx",
                    "family": "json_api",
                    "region": {"province": "江苏省", "city": "无锡市"},
                    "api": {
                        "style": "jiangsu",
                        "base_url": f"{url}/js",
                        "region_ids": ["122"],
                        "years": [2023],
                    },
                    "limits": {**FAST, **limits},
                }
            ]
        }
    )


def test_gkmlpt_reads_config_tree_and_paginates(portal: PortalServer, tmp_path: Path) -> None:
    result = crawl(gkmlpt_source(portal.url), store=RawStore(tmp_path / "d"))
    assert {d.url.removeprefix(portal.url): d.stated_year for d in result.documents} == {
        "/gd/attachment/1.pdf": 2023,
        "/gd/attachment/2.pdf": 2024,
        "/gd/attachment/3.pdf": 2022,
    }
    assert result.failures == []
    paths = [r.path for r in portal.requests]
    assert "/gd/gkmlpt/api/all/77?page=2&sid=s42" in paths
    assert not [p for p in paths if "/78?" in p], "only the 决算 category"
    assert "/gd/content/post_2.html" in paths and "/gd/content/post_1.html" not in paths, (
        "the article page is read only when the API lists no attachment"
    )
    assert result.documents[0].region.city == "湛江市"


def test_gkmlpt_bad_sid_and_bad_reply_are_failures(portal: PortalServer, tmp_path: Path) -> None:
    result = crawl(gkmlpt_source(portal.url, sid="wrong", categories=["77"]), store=RawStore(tmp_path / "d"))
    assert result.documents == [] and result.failures[0].reason == "HTTP 400"
    write(portal.site_dir, "gd/gkmlpt/api/all/77/page_1.json", "<html><body>维护中</body></html>")
    result = crawl(gkmlpt_source(portal.url, categories=["77"]), store=RawStore(tmp_path / "e"))
    assert result.failures[0].reason.startswith("not a gkmlpt listing reply")


def test_jiangsu_platform(portal: PortalServer, tmp_path: Path) -> None:
    portal.flaky("/js/front/department/getdepartmentname.do", failures=2, status=502)
    client = HttpClient(CrawlState(tmp_path / "s.sqlite"), sleep=lambda s: None)
    result = crawl(jiangsu_source(portal.url), store=RawStore(tmp_path / "d"), client=client)
    (doc,) = result.documents
    assert doc.url == f"{portal.url}/js/front/budgetfinal/download.do?iid=900"
    assert doc.link_text == "甲局2023年部门决算.pdf" and doc.stated_year == 2023 and doc.kind == "pdf"
    assert doc.title == "无锡市甲局2023年度部门决算" and doc.region.city == "无锡市"
    reasons = sorted(f.reason for f in result.failures)
    assert reasons == ["no disclosure listed for 无锡市乙局 2023", "not a PDF: an HTML page"]
    assert result.stats.retries == 2
    posts = [r for r in portal.requests if r.method == "POST"]
    assert [r.status for r in posts[:3]] == [502, 502, 200]
    # a second run: the listing POSTs again (a POST cannot be validated), the download is a 304
    portal.clear_requests()
    again = crawl(
        jiangsu_source(portal.url), store=RawStore(tmp_path / "d"), state=CrawlState(tmp_path / "s.sqlite")
    )
    gets = [r for r in portal.requests if r.method == "GET" and "download.do" in r.path]
    assert gets and {r.status for r in gets} == {304}
    assert [d.status for d in again.documents] == ["unchanged"]


def test_jiangsu_non_json_reply_is_a_failure(portal: PortalServer, tmp_path: Path) -> None:
    write(portal.site_dir, "js/front/api/departments_122_2023_2.json", "<html><body>error</body></html>")
    result = crawl(jiangsu_source(portal.url), store=RawStore(tmp_path / "d"))
    (fail,) = result.failures
    assert fail.reason.startswith("not a JSON reply (an HTML page)") and fail.stage == "api"
