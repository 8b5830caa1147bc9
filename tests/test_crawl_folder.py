"""The folder source and the `juesuan crawl` command on a folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from juesuan.cli import main
from juesuan.crawl import crawl, parse_sources
from juesuan.rawstore import RawStore

PDF = b"%PDF-1.7\n% inbox report\n" + b"x" * 500 + b"\n%%EOF\n"


def folder_source(path: Path, **extra: object) -> list:
    return parse_sources({"sources": [{"id": "inbox", "family": "folder", "path": str(path), **extra}]})


def test_folder_source_sniffs_and_dedups(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "2023年度部门决算.pdf").write_bytes(PDF)
    (inbox / "sub" / "copy.pdf").write_bytes(PDF)
    (inbox / "sub" / "tables.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml")
    (inbox / "error.pdf").write_bytes(b"<html><head><title>404</title></head><body>not found</body></html>")
    (inbox / ".partial.pdf").write_bytes(b"%PDF-1.4 half")
    store = RawStore(tmp_path / "data")
    first = crawl(folder_source(inbox), store=store)
    assert sorted(Path(unquote(d.url)).name for d in first.documents) == [
        "2023年度部门决算.pdf",
        "copy.pdf",
        "tables.xlsx",
    ]
    statuses = {Path(unquote(d.url)).name: d.status for d in first.documents}
    assert statuses == {"2023年度部门决算.pdf": "new", "tables.xlsx": "new", "copy.pdf": "unchanged"}, (
        "a copy of a file already kept is nothing new"
    )
    (doc,) = [d for d in first.documents if d.link_text == "2023年度部门决算.pdf"]
    assert doc.stated_year == 2023 and doc.kind == "pdf" and doc.url.startswith("file://")
    assert len(store.list()) == 2, "the copy is the same document"
    ((url, reason),) = [(f.url, f.reason) for f in first.failures]
    assert url.endswith("error.pdf") and reason == "not a PDF: an HTML page"
    second = crawl(folder_source(inbox), store=store)
    assert {d.status for d in second.documents} == {"unchanged"} and second.changed_documents() == []
    (inbox / "sub" / "copy.pdf").write_bytes(PDF + b"% appended\n")
    third = crawl(folder_source(inbox), store=store)
    assert [Path(unquote(d.url)).name for d in third.changed_documents()] == ["copy.pdf"]
    assert [d.status for d in third.documents if d.url.endswith("copy.pdf")] == ["changed"]


def test_folder_limits_and_missing_folder(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "big.pdf").write_bytes(PDF * 10)
    result = crawl(folder_source(inbox, limits={"max_bytes": 1000}), store=RawStore(tmp_path / "d"))
    assert result.documents == [] and result.failures[0].reason.startswith("too large")
    missing = crawl(folder_source(tmp_path / "nope"), store=RawStore(tmp_path / "d"))
    assert missing.failures[0].reason == "folder does not exist"
    created = crawl(folder_source(tmp_path / "dropbox", create=True), store=RawStore(tmp_path / "d"))
    assert created.failures == [] and (tmp_path / "dropbox").is_dir()


def test_crawl_command_on_a_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    # JUESUAN_DATA points into tmp_path too, so nothing here can fall back to the checkout's own data/
    monkeypatch.setenv("JUESUAN_DATA", str(tmp_path / "default-data"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(PDF)
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {id: inbox, family: folder, path: inbox}\n", encoding="utf-8")
    assert main(["crawl", "--sources", str(sources), "--data", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "crawled 1 source(s)" in out and "1 documents" in out and "new 1" in out
    assert main(["crawl", "--sources", str(tmp_path / "missing.yaml"), "--data", str(tmp_path / "data")]) == 2
    sources.write_text("sources:\n  - {id: inbox, family: ftp}\n", encoding="utf-8")
    assert main(["crawl", "--sources", str(sources), "--data", str(tmp_path / "data")]) == 2
    assert "family must be one of" in capsys.readouterr().err
    assert not (tmp_path / "default-data").exists(), "every call named its data root"
