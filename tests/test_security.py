"""Security: only http(s); no private or loopback target unless the source allows it; no path traversal into the raw
store or the data folder; read-only reader connections; every CLI option fed injection strings leaves the warehouse
untouched; no credentials in crawl logs or failure reports."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
from pathlib import Path

import duckdb
import pytest
import scoreboard
from faultfiles import snapshot

from juesuan.cli import build_parser, main
from juesuan.crawl import CrawlState, HttpClient, Limits, SourcesError, crawl, load_sources, parse_sources
from juesuan.crawl.http import redact_url
from juesuan.portal import serve_portal
from juesuan.portal.faults import GOOD, FaultPortal, attachment_path
from juesuan.rawstore import RawStore
from warehouse.publish import connect_published

INJECTIONS = ["x'); DROP TABLE core.documents; --", '" OR 1=1; DELETE FROM core.facts; --']


def test_only_http_and_https(tmp_path: Path) -> None:
    scoreboard.tried("security:schemes", "security")
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/", "javascript:alert(1)"):
        with pytest.raises(SourcesError, match="outside allowed_hosts"):
            parse_sources({"sources": [{"id": "s", "family": "trs_static", "start_urls": [url]}]})
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\n")
    with serve_portal(site) as server:
        src = parse_sources(
            {"sources": [{"id": "s", "family": "trs_static", "start_urls": [server.url + "/"]}]}
        )[0]
        client = HttpClient(CrawlState(tmp_path / "st.sqlite"), sleep=lambda s: None)
        for target in ("file:///etc/passwd", "ftp://127.0.0.1/etc/passwd", "data:text/plain,hi"):
            server.redirect("/r.pdf", target)
            resp = client.fetch(
                server.url + "/r.pdf", limits=Limits(rate_per_host=1000), allowed=src.host_allowed
            )
            assert resp.error and resp.error.startswith(f"outside allowed hosts: {target}"), resp.error
    scoreboard.survived("security:schemes")


def test_private_addresses_only_when_the_source_allows(tmp_path: Path, monkeypatch) -> None:
    """A public-looking host name that resolves to 127.0.0.1 (DNS rebinding, a metadata address) is refused at
    connect time; `allow_private: true` lets the sample-portal kind of source through."""
    scoreboard.tried("security:private_targets", "security")
    real = socket.getaddrinfo

    def resolve(host, *a, **k):  # type: ignore[no-untyped-def]
        return real("127.0.0.1" if host == "portal.example.gov.cn" else host, *a, **k)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with FaultPortal() as portal:
        portal.heal()
        text = portal.sources_yaml().replace("127.0.0.1", "portal.example.gov.cn")
        (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
        state = CrawlState(tmp_path / "a.sqlite")
        refused = crawl(
            load_sources(tmp_path / "s.yaml"),
            store=RawStore(tmp_path / "a"),
            state=state,
            client=HttpClient(state, sleep=lambda s: None),
        )
        assert not refused.documents and portal.requests == []
        assert "resolves to a private or loopback address (127.0.0.1)" in refused.failures[0].reason
        (tmp_path / "s.yaml").write_text(text + "    allow_private: true\n", encoding="utf-8")
        state = CrawlState(tmp_path / "b.sqlite")
        allowed = crawl(
            load_sources(tmp_path / "s.yaml"),
            store=RawStore(tmp_path / "b"),
            state=state,
            client=HttpClient(state, sleep=lambda s: None),
        )
        assert {d.url.rsplit("/", 1)[1][:-4] for d in allowed.documents} >= set(GOOD)
    scoreboard.survived("security:private_targets")


def test_no_path_traversal_into_the_raw_store_or_data_folder(tmp_path: Path) -> None:
    scoreboard.tried("security:path_traversal", "security")
    data = tmp_path / "data"
    store = RawStore(data)
    evil = {"content-disposition": 'attachment; filename="../../../../escape.pdf"'}
    f = store.put(
        b"%PDF-1.4 evil\n%%EOF\n", url="http://h/files/..%2F..%2F..%2Fescape.pdf", source_id="s", headers=evil
    )
    assert f.path.parent.parent == store.dir and f.path.name == f.sha256
    # a folder source: names with .. and separators are just names; a link out of the folder is not followed
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a..b.pdf").write_bytes(b"%PDF-1.4 a\n%%EOF\n")
    (inbox / "sub" / "x..%2F..%2Fy.pdf").write_bytes(b"%PDF-1.4 b\n%%EOF\n")
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 secret outside the inbox\n%%EOF\n")
    (inbox / "link.pdf").symlink_to(outside)
    src = parse_sources({"sources": [{"id": "inbox", "family": "folder", "path": str(inbox)}]})
    result = crawl(src, store=store)
    assert len(result.documents) == 2
    assert [f.reason for f in result.failures] == ["not read: a link to a file outside the source's folder"]
    created = {p.relative_to(data).parts[0] for p in data.rglob("*")}
    assert created <= {"raw", "crawl"}, created
    for p in (data / "raw").rglob("*"):
        if p.is_file() and not p.name.startswith("metadata.sqlite"):
            assert re.fullmatch(r"[0-9a-f]{64}", p.name) and p.parent.name == p.name[:2], p
    assert not (tmp_path / "escape.pdf").exists() and not any(tmp_path.rglob("escape.pdf"))
    # the sample portal's server refuses a path that climbs out of its site
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("ok")
    with serve_portal(site) as server, socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(b"GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = sock.recv(200)
    assert answer.split(b" ")[1] in (b"403", b"404")
    scoreboard.survived("security:path_traversal")


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from juesuan.factory import generate_corpus

    base = tmp_path_factory.mktemp("sec")
    generate_corpus(base / "in", seed=2, regions=1, departments_per_region=1, years=(2023,))
    for extra in list((base / "in").glob("*.csv")) + list((base / "in").glob("*.json")):
        extra.unlink()
    assert (
        main(
            [
                "ingest",
                "--from-dir",
                str(base / "in"),
                "--warehouse",
                str(base / "wh"),
                "--rules-runner",
                "duckdb",
            ]
        )
        == 0
    )
    return base / "wh"


def test_reader_connections_are_read_only(warehouse_dir: Path) -> None:
    """The helper every reader (dashboard, query, export) opens the published file with cannot write it."""
    scoreboard.tried("security:read_only_readers", "security")
    con = connect_published(warehouse_dir / "juesuan.duckdb")
    try:
        for statement in ("CREATE TABLE t (i INTEGER)", "DELETE FROM core.facts", "DROP VIEW mart.documents"):
            with pytest.raises(duckdb.Error, match="read-only"):
                con.execute(statement)
    finally:
        con.close()
    # the dashboard's reader (the file ATTACHed READ_ONLY) cannot write either
    from juesuan.dashboard.data import WarehouseReader

    reader = WarehouseReader(warehouse_dir / "juesuan.duckdb")
    try:
        reader.refresh()
        for statement in ("CREATE TABLE wh.core.t (i INTEGER)", "DELETE FROM wh.core.facts"):
            with pytest.raises(duckdb.Error, match=r"read-only|read only"):
                reader.query(statement)
    finally:
        reader.close()
    scoreboard.survived("security:read_only_readers")


def _value_options() -> list[tuple[str, str | None, bool]]:
    """(command, option or None for a positional, has choices) for every option of every command that takes a value."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for name, sp in sub.choices.items():
        if name in (
            "portal",
            "dashboard",
        ):  # long-running servers (sample portal, dashboard); paths and ports
            continue
        for a in sp._actions:
            if isinstance(a, (argparse._HelpAction, argparse._StoreTrueAction, argparse._SubParsersAction)):
                continue
            out.append((name, a.option_strings[0] if a.option_strings else None, a.choices is not None))
    return out


#: What each command needs besides the option under test so that it does its work quickly.
def _base(cmd: str, wh: Path, empty: Path, sources: Path) -> list[str]:
    return {
        "parse": [],
        "run": ["--sources", "missing-sources.yaml"],
        "ingest": ["--from-dir", str(empty), "--warehouse", str(wh), "--rules-runner", "duckdb"],
        "reparse": ["--warehouse", str(wh), "--rules-runner", "duckdb"],
        "recheck": ["--warehouse", str(wh), "--rules-runner", "duckdb"],
        "export": ["--format", "csv", "--out", "exported", "--warehouse", str(wh)],
        "query": ["--warehouse", str(wh)],
        "sample": ["--out", "sample", "--regions", "1", "--departments", "1", "--years", "2023"],
        "crawl": ["--sources", str(sources), "--data", "crawl-data"],
        "check": [],
        "rebuild": ["--warehouse", str(wh), "--from", "staging"],
    }[cmd]


def _with(argv: list[str], option: str, value: str) -> list[str]:
    out = list(argv)
    if option in out:
        out[out.index(option) + 1] = value
    else:
        out += [option, value]
    return out


def test_every_cli_option_with_injection_strings(
    warehouse_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    scoreboard.tried("security:cli_injection", "security")
    monkeypatch.chdir(tmp_path)
    wh = tmp_path / "wh"
    shutil.copytree(warehouse_dir, wh)
    before = snapshot(wh / "juesuan.duckdb")
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "folder").mkdir()
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{id: inbox, family: folder, path: '{tmp_path / 'folder'}'}}\n")
    tried = []
    for cmd, option, _choices in _value_options():
        for inj in INJECTIONS:
            base = _base(cmd, wh, empty, sources)
            if option is None:
                argv = [cmd, inj, *base]
            else:
                argv = [cmd, *_with(base, option, inj)]
                if cmd == "query":
                    argv = [cmd, "SELECT count(*) FROM mart.documents", *_with(base, option, inj)]
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse refusing a value (a choice, an int)
                rc = exc.code
            tried.append((argv, rc))
            capsys.readouterr()
            assert snapshot(wh / "juesuan.duckdb") == before, f"{argv} changed the published warehouse"
    # the query command itself: SQL text is the user's, but the connection is read-only
    for sql in (
        "DROP TABLE core.documents",
        "DELETE FROM core.facts",
    ):
        assert main(["query", sql, "--warehouse", str(wh)]) == 1
        assert "read-only" in capsys.readouterr().err.lower()
    assert snapshot(wh / "juesuan.duckdb") == before
    assert len(tried) >= 2 * 20
    scoreboard.survived("security:cli_injection")


class _Refused(Exception):
    """Raised by the stand-ins for the long-running parts (building a site, serving, Streamlit): the CLI got there."""


def _server_options() -> list[tuple[list[str], str | None, bool]]:
    """(command path, option or None for a positional, has choices) for `portal <action>` and `dashboard`."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for path, sp in [(["dashboard"], sub.choices["dashboard"])] + [
        (["portal", name], action)
        for name, action in next(
            a for a in sub.choices["portal"]._actions if isinstance(a, argparse._SubParsersAction)
        ).choices.items()
    ]:
        for a in sp._actions:
            if isinstance(a, (argparse._HelpAction, argparse._StoreTrueAction, argparse._SubParsersAction)):
                continue
            out.append((path, a.option_strings[0] if a.option_strings else None, a.choices is not None))
    return out


def test_portal_and_dashboard_options_with_injection_strings(
    warehouse_dir: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The server commands' every option given injection strings, with the long-running part (building the
    portal, serving it, the dashboard's web server) replaced by a stand-in that records what it was given: each value is
    refused or passed on as plain data (a path, an address), the published warehouse never changes, nothing is
    written outside this test's folder."""
    import uvicorn

    from juesuan.portal import sample, site

    scoreboard.tried("security:server_cli_injection", "security")
    monkeypatch.chdir(tmp_path)
    wh = tmp_path / "wh"
    shutil.copytree(warehouse_dir, wh)
    before = snapshot(wh / "juesuan.duckdb")
    handed: list[tuple] = []

    def stand_in(name: str):
        def record(*args, **kwargs):
            handed.append((name, args, kwargs))
            raise _Refused(name)

        return record

    monkeypatch.setattr(uvicorn, "run", stand_in("dashboard"))  # `juesuan dashboard` serves in its process
    monkeypatch.setattr(site, "build_site", stand_in("portal build"))
    monkeypatch.setattr(sample, "ensure_site", stand_in("portal serve"))
    base = {
        ("dashboard",): ["--warehouse", str(wh)],
        ("portal", "build"): ["--dir", str(tmp_path / "site"), "--regions", "1", "--departments", "1"],
        ("portal", "serve"): ["--dir", str(tmp_path / "site"), "--port", "0"],
        ("portal", "change"): ["--dir", str(tmp_path / "no-site")],
    }
    outcomes = []
    for path, option, _choices in _server_options():
        for inj in INJECTIONS:
            argv = list(base[tuple(path)])
            argv = [*path, inj, *argv] if option is None else [*path, *_with(argv, option, inj)]
            try:
                rc: object = main(argv)
            except SystemExit as exc:  # argparse refusing a value (a choice, an int)
                rc = exc.code
            except _Refused as exc:
                rc = f"reached {exc}"
            outcomes.append((argv, rc))
            capsys.readouterr()
            assert snapshot(wh / "juesuan.duckdb") == before, f"{argv} changed the published warehouse"
    reached = [rc for _, rc in outcomes if isinstance(rc, str)]
    assert {"reached dashboard", "reached portal build", "reached portal serve"} <= set(reached), outcomes
    # what reached the servers is the injection string as plain data: the exact text, or a path under this folder
    reached_with = [(name, v) for name, args, kwargs in handed for v in [*args, *kwargs.values()]]
    assert any(v in INJECTIONS for _, v in reached_with), "no injection string reached a server as a value"
    for name, v in reached_with:
        if isinstance(v, Path):
            assert v.resolve().is_relative_to(tmp_path), f"{name} given {v}"
    assert not [p for p in tmp_path.parent.iterdir() if "DROP" in p.name or "DELETE" in p.name]
    assert len(outcomes) >= 2 * 10
    scoreboard.survived("security:server_cli_injection")


def test_no_credentials_in_logs_or_reports(tmp_path: Path, capsys) -> None:
    scoreboard.tried("security:secrets_in_logs", "security")
    assert redact_url("http://user:pw@h/a.pdf?access_token=SECRET1&page=2") == (
        "http://REDACTED@h/a.pdf?access_token=REDACTED&page=2"
    )
    with FaultPortal() as portal:
        portal.heal()
        yaml_text = portal.sources_yaml().replace(
            f'start_urls: ["{portal.url}/czyjs/index.html"]',
            f'start_urls: ["{portal.url}/czyjs/index.html", "{portal.url}/nothing.html?token=SECRET2&sig=SECRET3",'
            f' "http://u:SECRET4@127.0.0.1:{portal.port}/gone.html"]',
        )
        (tmp_path / "s.yaml").write_text(yaml_text, encoding="utf-8")
        assert main(["crawl", "--sources", str(tmp_path / "s.yaml"), "--data", str(tmp_path / "data")]) == 0
        out = capsys.readouterr()
    logs = [p.read_text(encoding="utf-8") for p in (tmp_path / "data" / "crawl").rglob("*.json*")]
    assert logs and any("nothing.html" in t for t in logs), "the failing URL is logged"
    for text in [out.out, out.err, *logs]:
        for secret in ("SECRET2", "SECRET3", "SECRET4"):
            assert secret not in text
    assert (
        json.loads((tmp_path / "data" / "crawl" / "log.jsonl").read_text().splitlines()[-1])["failures"] >= 2
    )
    assert os.environ.get("JUESUAN_DATA")  # the fixture's: nothing here fell back to the checkout's data/
    assert attachment_path("good_1") in "".join(logs)
    scoreboard.survived("security:secrets_in_logs")


def test_every_warehouse_option_takes_folder_or_file_and_says_which(warehouse_dir: Path, capsys) -> None:
    from juesuan.commands.warehouse_arg import resolve

    published = warehouse_dir / "juesuan.duckdb"
    assert resolve(warehouse_dir) == (warehouse_dir, published)
    assert resolve(published) == (warehouse_dir, published)
    assert resolve(warehouse_dir / "staging.duckdb") == (warehouse_dir, published)
    for target in (warehouse_dir, published):
        assert (
            main(
                [
                    "query",
                    "SELECT count(*) FROM mart.documents",
                    "--warehouse",
                    str(target),
                    "--format",
                    "csv",
                ]
            )
            == 0
        )
        out, err = capsys.readouterr()
        assert out.splitlines()[0] == "count_star()" and f"reading (read-only) {published.resolve()}" in err
        assert main(["recheck", "--warehouse", str(target), "--rules-runner", "duckdb"]) == 0
        assert f"publishing to {published.resolve()}" in capsys.readouterr().err


def test_every_dashboard_filter_with_injection_strings(warehouse_dir: Path, tmp_path: Path) -> None:
    """Each query function of the dashboard, every text filter given injection strings: answers (or a refusal),
    never a changed warehouse."""
    import inspect

    from juesuan.dashboard import data
    from juesuan.dashboard.data import RegionFilter, WarehouseReader

    scoreboard.tried("security:dashboard_injection", "security")
    wh = tmp_path / "wh"
    shutil.copytree(warehouse_dir, wh)
    before = snapshot(wh / "juesuan.duckdb")
    reader = WarehouseReader(wh / "juesuan.duckdb")
    called = 0
    try:
        reader.refresh()
        for _name, fn in inspect.getmembers(data, inspect.isfunction):
            params = list(inspect.signature(fn).parameters.values())
            if fn.__module__ != data.__name__ or not params or params[0].name != "r":
                continue
            for inj in INJECTIONS:
                args: list[object] = [reader]
                for p in params[1:]:
                    if p.default is not inspect.Parameter.empty and p.kind is p.KEYWORD_ONLY:
                        continue
                    ann = str(p.annotation)
                    if "RegionFilter" in ann:
                        args.append(RegionFilter(inj, inj, inj))
                    elif "int" in ann and "str" not in ann:
                        args.append(2023)
                    elif "Sequence" in ann:
                        args.append([inj])
                    elif "dict" in ann:
                        args.append({"sha": inj, "row": inj, "kind": inj, "page": inj})
                    else:
                        args.append(inj)
                # a refusal of a nonsense value is fine; what matters is what the SQL did
                with contextlib.suppress(ValueError, KeyError, TypeError, LookupError, data.WarehouseMissing):
                    fn(*args)
                called += 1
    finally:
        reader.close()
    assert called >= 20
    assert snapshot(wh / "juesuan.duckdb") == before
    scoreboard.survived("security:dashboard_injection")
