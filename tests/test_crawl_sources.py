"""The sources file: validation, variables, families, host rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.crawl.html import links, parse_html
from juesuan.crawl.sources import SourcesError, load_sources, parse_sources, source_variables

GOOD = """
defaults:
  rate_per_host: 5
sources:
  - id: hn-ht
    family: trs_static
    region: {province: 湖南省, city: 株洲市, county: 荷塘区}
    start_urls: ["${PORTAL_URL}/hn/ht/czyjs/index.html"]
    listing: {links: "ul.list li a"}
    limits: {max_pages: 3}
  - id: gd-ft
    family: json_api
    region: {province: 广东省, city: 深圳市, county: 福田区}
    api: {style: gkmlpt, base_url: "${PORTAL_URL}/gd/ft"}
  - id: inbox
    family: folder
    path: inbox
    create: true
"""


def test_load_expands_variables_and_defaults(tmp_path: Path) -> None:
    f = tmp_path / "sources.yaml"
    f.write_text(GOOD, encoding="utf-8")
    assert source_variables(f) == {"PORTAL_URL"}
    trs, api, folder = load_sources(f, {"PORTAL_URL": "http://127.0.0.1:8000"})
    assert trs.start_urls == ("http://127.0.0.1:8000/hn/ht/czyjs/index.html",)
    assert trs.allowed_hosts == ("127.0.0.1",), "allowed hosts default to the start URLs' hosts"
    assert trs.region.county == "荷塘区" and trs.region.province == "湖南省" and trs.region.adcode == "430202"
    assert trs.limits.max_pages == 3 and trs.limits.rate_per_host == 5
    assert api.api is not None and api.api.base_url == "http://127.0.0.1:8000/gd/ft"
    assert api.allowed_hosts == ("127.0.0.1",)
    assert folder.path == tmp_path / "inbox"


def test_unset_variable_names_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_URL", raising=False)
    f = tmp_path / "s.yaml"
    f.write_text(GOOD, encoding="utf-8")
    with pytest.raises(SourcesError, match=r"s\.yaml.*PORTAL_URL"):
        load_sources(f)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "x", "family": "ftp"}, "family must be one of"),
        ({"id": "x", "family": "trs_static"}, "start URL"),
        ({"id": "x", "family": "folder"}, "needs 'path'"),
        ({"id": "x", "family": "trs_static", "start_urls": ["http://a/"], "colour": 1}, "unknown key"),
        (
            {"id": "x", "family": "trs_static", "start_urls": ["http://a/"], "limits": {"speed": 1}},
            "unknown key",
        ),
        (
            {"id": "x", "family": "trs_static", "start_urls": ["http://a/"], "allowed_hosts": ["b"]},
            "outside allowed_hosts",
        ),
        (
            {"id": "x", "family": "trs_static", "start_urls": ["http://a/"], "listing": {"detail_url": "(["}},
            "bad regular expression",
        ),
        (
            {"id": "x", "family": "trs_static", "start_urls": ["http://a/"], "listing": {"links": "a:hover"}},
            "selector",
        ),
        ({"id": "x y", "family": "folder", "path": "p"}, "short identifier"),
        (
            {"id": "x", "family": "json_api", "api": {"style": "jiangsu", "base_url": "http://a"}},
            "region_ids and years",
        ),
        (
            {"id": "x", "family": "json_api", "api": {"style": "zhejiang", "base_url": "http://a"}},
            "not supported",
        ),
        ({"id": "x", "family": "json_api"}, "needs an 'api' block"),
        (
            {
                "id": "x",
                "family": "folder",
                "path": "p",
                "region": {"province": "湖南省", "county": "福田区"},
            },
            "region: county",
        ),
    ],
)
def test_invalid_sources_are_rejected(entry: dict, message: str) -> None:
    with pytest.raises(SourcesError, match=message):
        parse_sources({"sources": [entry]})


def test_duplicate_ids_rejected() -> None:
    e = {"id": "a", "family": "folder", "path": "p"}
    with pytest.raises(SourcesError, match="duplicate"):
        parse_sources({"sources": [e, e]})


def test_host_allowed_rules() -> None:
    (src,) = parse_sources(
        {
            "sources": [
                {
                    "id": "a",
                    "family": "trs_static",
                    "start_urls": ["https://czj.example.gov.cn/x/index.html"],
                    "allowed_hosts": ["czj.example.gov.cn", "*.files.gov.cn", "127.0.0.1:81"],
                }
            ]
        }
    )
    assert src.host_allowed("https://czj.example.gov.cn/a.pdf")
    assert src.host_allowed("http://cdn.files.gov.cn/a.pdf")
    assert src.host_allowed("http://127.0.0.1:81/a.pdf")
    assert not src.host_allowed("http://127.0.0.1:82/a.pdf")
    assert not src.host_allowed("http://evil-czj.example.gov.cn.attacker.net/a.pdf")
    assert not src.host_allowed("file:///etc/passwd")
    assert not src.host_allowed("ftp://czj.example.gov.cn/a.pdf")


def test_selector_subset() -> None:
    root = parse_html(
        """<html><body><div id=main><ul class="list news"><li><a href="a.html">A</a>
        <li><a href="/b.pdf" class=att>B<li><span><a href='c.html' title=C></a></span></ul>
        <div class=attachments><p>附件：<a href="P1.pdf">决算.pdf</a></div></div>
        <a href="javascript:void(0)">x</a></body></html>"""
    )
    base = "http://h/dir/index.html"
    assert [lk.url for lk in links(root, base, "ul.list li a")] == [
        "http://h/dir/a.html",
        "http://h/b.pdf",
        "http://h/dir/c.html",
    ]
    assert [lk.text for lk in links(root, base, "ul.list li a")] == ["A", "B", "C"]
    assert [lk.url for lk in links(root, base, "#main > ul > li > a.att")] == ["http://h/b.pdf"]
    assert [lk.url for lk in links(root, base, "div.attachments a[href$='.pdf']")] == ["http://h/dir/P1.pdf"]
    assert [lk.url for lk in links(root, base, "ul li > span > a[href*=c]")] == ["http://h/dir/c.html"]
    assert len(links(root, base)) == 4, "javascript: links are dropped"


def test_decode_html_charsets() -> None:
    from juesuan.crawl.html import decode_html

    gbk = '<html><head><meta charset="gb2312"><title>部门决算</title></head></html>'.encode("gbk")
    assert "部门决算" in decode_html(gbk)
    assert "部门决算" in decode_html(gbk, "text/html; charset=GBK")
    assert "部门决算" in decode_html("<p>部门决算</p>".encode())
    assert "部门决算" in decode_html("<p>部门决算</p>".encode("gb18030")), "undeclared GB text still decodes"
