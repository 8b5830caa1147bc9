"""The sample portal, built from the factory corpus and crawled over real HTTP on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest
import yaml

from juesuan.crawl import CrawlResult, crawl, parse_sources
from juesuan.portal import PortalServer, serve_portal
from juesuan.portal.sample import project_sources_file, project_sources_text, sample_sources_text
from juesuan.portal.site import PortalSite, build_site, corrected_pdf
from juesuan.rawstore import RawStore


@pytest.fixture(scope="session")
def built_portal(tmp_path_factory: pytest.TempPathFactory) -> PortalSite:
    """The default build (what `make run` serves), once per session."""
    return build_site(tmp_path_factory.mktemp("portal") / "site")


@pytest.fixture()
def site(built_portal: PortalSite, tmp_path: Path) -> PortalSite:
    """A private copy of the default build, free to change."""
    shutil.copytree(built_portal.site_dir, tmp_path / "site")
    return PortalSite.load(tmp_path / "site")


def sources_for(site: PortalSite, url: str, data: Path) -> list:
    text = sample_sources_text(site).replace("${PORTAL_URL}", url).replace("${DATA_ROOT}", str(data))
    return parse_sources(yaml.safe_load(text))


def crawl_site(site: PortalSite, server: PortalServer, data: Path) -> tuple[CrawlResult, RawStore]:
    store = RawStore(data)
    return crawl(sources_for(site, server.url, data), store=store), store


@pytest.fixture(scope="module")
def first_crawl(built_portal: PortalSite, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("crawl-data")
    with serve_portal(built_portal.site_dir) as server:
        result, store = crawl_site(built_portal, server, data)
        requests = server.requests
        server.clear_requests()
        second, _ = crawl_site(built_portal, server, data)
        second_requests = server.requests
    return result, store, requests, second, second_requests, server.port


def test_top_level_sources_file_matches_default_build(built_portal: PortalSite) -> None:
    assert project_sources_file().read_text(encoding="utf-8") == project_sources_text(built_portal), (
        "sources.yaml is out of step with the default portal build: run `juesuan portal build --write-sources sources.yaml`"
    )


def test_site_shape(built_portal: PortalSite) -> None:
    families = {(r.family, r.api if r.family == "json_api" else "") for r in built_portal.regions}
    assert families == {("trs_static", ""), ("json_api", "gkmlpt"), ("json_api", "jiangsu")}
    www = built_portal.www
    for r in built_portal.regions:
        if r.family == "trs_static":
            assert (www / r.listing_dir.lstrip("/") / "index.html").exists()
            assert (www / r.listing_dir.lstrip("/") / "index_1.html").exists(), "at least two listing pages"
        elif r.api == "gkmlpt":
            assert len(list((www / r.slug / "gkmlpt/api/all/1635").glob("page_*.json"))) >= 2
        else:
            assert len(list((www / r.slug / "front/api").glob("departments_*.json"))) >= 2
    roles = {x.role for _, x in built_portal.published()}
    assert roles == {"final_account", "budget", "notice", "tables", "html_error", "copy"}
    assert "Disallow: /private/" in (www / "robots.txt").read_text()
    assert built_portal.reserve, "a report is held back for add_report"


def test_every_final_account_found_once(built_portal: PortalSite, first_crawl) -> None:
    result, store, *_ = first_crawl
    expected = built_portal.expected_final_accounts()
    assert len(expected) >= 20
    unique = {d.sha256: d for d in result.unique_documents()}
    assert set(expected) <= set(unique)
    assert set(unique) == set(built_portal.expected_documents())
    assert len(result.unique_documents()) == len(unique)
    kinds = {built_portal.expected_documents()[s]: unique[s].kind for s in unique}
    assert kinds == {"final_account": "pdf", "budget": "pdf", "notice": "pdf", "tables": "xlsx"}
    assert {f.sha256 for f in store.list()} == set(unique)
    # the re-published copies: one stored file, two URLs
    copies = [x for _, x in built_portal.reachable() if x.role == "copy"]
    assert copies
    for x in copies:
        assert len(store.get(x.sha256).urls) == 2


def test_region_and_stated_year_come_from_configuration_and_pages(
    built_portal: PortalSite, first_crawl
) -> None:
    result, *_ = first_crawl
    manifest = {e["doc_id"]: e for e in built_portal.manifest()}
    expected = built_portal.expected_final_accounts()
    for d in result.documents:
        if d.sha256 in expected and d.source_id != "inbox":
            entry = manifest[expected[d.sha256]]
            assert d.region.province == entry["province"]
            if entry["county"]:
                assert d.region.county == entry["county"]
    mislabeled = [
        a for a in built_portal.articles if "部门预算" in a.title and a.attachments[0].role == "final_account"
    ]
    assert len(mislabeled) == 1
    (doc,) = [d for d in result.documents if d.url.endswith(mislabeled[0].attachments[0].path)]
    assert doc.stated_year == max(e["year"] for e in manifest.values()) + 2, (
        "the page's claim, recorded as such"
    )
    assert doc.kind == "pdf"


def test_traps_recorded_as_failures_and_never_fetched(built_portal: PortalSite, first_crawl) -> None:
    result, _, requests, *_, port = first_crawl
    by_reason = {f.reason.split(":")[0]: f for f in result.failures}
    (err,) = [x for _, x in built_portal.published() if x.role == "html_error"]
    (fail,) = [f for f in result.failures if f.url.endswith(err.path)]
    assert fail.reason == "not a PDF: an HTML page" and fail.stage == "attachment"
    assert "disallowed by robots.txt" in by_reason
    assert "outside allowed hosts" in by_reason
    assert len(result.failures) == 3
    paths = [r.path for r in requests]
    assert not [p for p in paths if "/preview/" in p or p.startswith("/private/")]
    assert {r.host for r in requests} == {f"127.0.0.1:{port}"}
    gets = [r.path for r in requests if r.method == "GET"]
    assert len(gets) == len(set(gets)), "every URL requested once"
    assert {r.path.split("/front/")[1] for r in requests if r.method == "POST"} == {
        "department/getdepartmentname.do",
        "budgetfinal/itemsandpag.do",
        "budgetfinal/getTemporaryFiles.do",
    }
    assert all(r.status == 200 for r in requests)


def test_second_crawl_of_unchanged_portal_is_all_304(first_crawl) -> None:
    """Every GET is conditional and answered 304; only the Jiangsu platform's listing POSTs (which HTTP cannot
    validate) are answered in full: small JSON replies, no file downloaded again."""
    result, _, _, second, second_requests, _ = first_crawl
    gets = [r for r in second_requests if r.method == "GET"]
    posts = [r for r in second_requests if r.method == "POST"]
    assert gets and all(r.if_none_match and r.if_modified_since and r.status == 304 for r in gets)
    assert len(gets) == second.stats.not_modified
    assert all("/front/" in r.path and r.status == 200 for r in posts)
    assert len(second_requests) == second.stats.requests == len(gets) + len(posts)
    assert second.stats.bytes_downloaded < 20_000, "listing JSON only"
    assert {d.status for d in second.documents} == {"unchanged"}
    assert second.changed_documents() == []
    assert sorted(d.sha256 for d in second.documents) == sorted(d.sha256 for d in result.documents)
    assert [f.url for f in second.failures] == [f.url for f in result.failures]


def test_changes_between_runs_are_picked_up(site: PortalSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve_portal(site.site_dir) as server:
        crawl_site(site, server, data)
        added = site.apply_change("add_report")
        replaced = site.apply_change("replace_attachment")
        server.clear_requests()
        second, store = crawl_site(site, server, data)
        requests = server.requests
    changed = {d.sha256: d for d in second.changed_documents()}
    assert set(changed) == {added["sha256"], replaced["sha256"]}
    assert changed[added["sha256"]].status == "new"
    assert changed[replaced["sha256"]].status == "changed"
    assert changed[replaced["sha256"]].url.endswith(replaced["path"])
    assert store.get_path(replaced["old_sha256"]).exists(), "the old version stays in the raw store"
    # only the changed pages and files were downloaded again
    downloaded = {r.path for r in requests if r.status == 200}
    assert replaced["path"] in downloaded and added["path"] in downloaded
    assert not [
        p for p in downloaded if p.endswith((".pdf", ".xlsx")) and p not in (replaced["path"], added["path"])
    ]
    assert sum(r.status == 304 for r in requests) > len(downloaded)
    assert set(site.expected_final_accounts()) <= {d.sha256 for d in second.documents}
    # the change is persistent: a reloaded site knows it
    assert [c["change"] for c in PortalSite.load(site.site_dir).changes] == [
        "add_report",
        "replace_attachment",
    ]


def test_budget_is_a_real_budget_report(built_portal: PortalSite) -> None:
    """The portal's budget is no final account (the final-account pass refuses it) and parses as a budget."""
    from expectations.engine import check_report
    from juesuan.parsing import parse_report
    from juesuan.parsing.document import NotAFinalAccount, open_document

    (budget,) = [x for _, x in built_portal.published() if x.role == "budget"]
    path = built_portal.www / budget.path.lstrip("/")
    with pytest.raises(NotAFinalAccount) as exc:
        open_document(path)
    assert exc.value.code == "budget_report"
    report = parse_report(path)
    assert report.kind == "budget"
    assert report.tables["summary"].status == report.tables["income"].status == "parsed"
    results = check_report(report, runner="duckdb")
    assert not [r for r in results if r.severity == "error" and r.outcome in ("fail", "parse_error")]
    assert any(r.rule_id == "budget_summary_balance" and r.outcome == "pass" for r in results)


def test_corrected_pdf_is_a_valid_incremental_update(built_portal: PortalSite, tmp_path: Path) -> None:
    (_, x), *_ = [(a, x) for a, x in built_portal.reachable() if x.role == "final_account"]
    original = (built_portal.www / x.path.lstrip("/")).read_bytes()
    data = corrected_pdf(original, "更正版")
    assert data.startswith(original) and data != original
    (tmp_path / "c.pdf").write_bytes(data)
    with (
        pdfplumber.open(tmp_path / "c.pdf") as new,
        pdfplumber.open(built_portal.www / x.path.lstrip("/")) as old,
    ):
        assert len(new.pages) == len(old.pages)
        assert new.metadata.get("Title") == "更正版"
        assert new.pages[0].extract_text() == old.pages[0].extract_text()


def test_cli_crawl_sample_portal_and_change(
    built_portal: PortalSite, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from juesuan.cli import main

    monkeypatch.setenv("JUESUAN_PORTAL_PORT", "0")  # never collide with a `make run` serving on 8620

    data = tmp_path / "data"
    shutil.copytree(built_portal.site_dir, data / "portal")
    assert main(["crawl", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    n = len(built_portal.expected_documents())
    assert f"{n} documents" in out and f"new {n}" in out
    assert "FAILED [portal-" in out and "not a PDF: an HTML page" in out
    assert (data / "portal" / "sources.yaml").exists() and (data / "inbox").is_dir()
    assert main(["portal", "change", "add_report", "--dir", str(data / "portal")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["change"] == "add_report" and info["path"].endswith(".pdf")
    assert main(["crawl", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"{n + 1} documents" in out and "new 1" in out
    assert main(["portal", "change", "add_report", "--dir", str(data / "portal")]) == 1, "nothing left to add"


def test_busy_port_falls_back(built_portal: PortalSite) -> None:
    from juesuan.portal.sample import start_server

    with serve_portal(built_portal.site_dir) as busy:
        other = start_server(built_portal.site_dir, busy.port)
        try:
            assert other.port != busy.port and other.url.startswith("http://127.0.0.1:")
        finally:
            other.stop()


def test_parallel_crawl_finds_the_same(built_portal: PortalSite, first_crawl, tmp_path: Path) -> None:
    sequential, *_ = first_crawl
    with serve_portal(built_portal.site_dir) as server:
        sources = sources_for(built_portal, server.url, tmp_path / "data")
        result = crawl(sources, store=RawStore(tmp_path / "data"), workers=4)
        paths = [r.path for r in server.requests if r.method == "GET"]
    assert [(d.source_id, d.url.split("/", 3)[3]) for d in result.documents] == [
        (d.source_id, d.url.split("/", 3)[3]) for d in sequential.documents
    ]
    assert len(result.failures) == len(sequential.failures)
    assert paths.count("/robots.txt") == 1 and len(paths) == len(set(paths))
    assert result.stats.requests == len(server.requests)


def test_serve_sample_honours_port_variable(
    built_portal: PortalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from juesuan.portal.sample import serve_sample

    shutil.copytree(built_portal.site_dir, tmp_path / "portal")
    with serve_portal(tmp_path / "portal") as probe:
        free = probe.port  # a port known to be bindable; released when the probe stops
    monkeypatch.setenv("JUESUAN_PORTAL_PORT", str(free))
    with serve_sample(tmp_path / "portal") as (sources, url):
        assert sources == tmp_path / "portal" / "sources.yaml"
        assert url == f"http://127.0.0.1:{free}"
        with urllib.request.urlopen(url + "/robots.txt", timeout=5) as resp:
            assert b"Disallow: /private/" in resp.read()
