"""Process faults: disk full while writing the raw store, staging and the published file (an injected OSError), and
kill -9 during download, parsing, staging load and publish. For each: the published file is the previous complete
generation (never a mix), the raw files are intact, and a normal run afterwards reaches the state a run without the
fault reaches."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import scoreboard
from faultfiles import VOLATILE, snapshot

from juesuan.cli import main
from juesuan.rawstore import RawStore

#: Comparing two warehouses: their raw copies live in each one's own folder, their inboxes in each test's own.
CROSS = VOLATILE | {"raw_path", "source", "document_sources.source"}
PROJECT = Path(__file__).resolve().parent.parent


def _verify_raw(root: Path) -> int:
    files = RawStore(root).list()
    for f in files:
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256, f"{f.path} altered"
    return len(files)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    """Four factory reports: `first` (two) ingested before the fault, `second` (two more) during it; and the
    control warehouse: all four ingested without any fault."""
    from juesuan.factory import generate_corpus

    base = tmp_path_factory.mktemp("process")
    gen = base / "gen"
    entries = generate_corpus(gen, seed=5, regions=1, departments_per_region=2, years=(2023, 2024))
    pdfs = [gen / e.file for e in entries]
    first, second = pdfs[:2], pdfs[2:]
    control_in = base / "control-in"
    control_in.mkdir()
    for p in pdfs:
        shutil.copy2(p, control_in / p.name)
    assert (
        main(
            [
                "ingest",
                "--from-dir",
                str(control_in),
                "--warehouse",
                str(base / "control"),
                "--rules-runner",
                "duckdb",
            ]
        )
        == 0
    )
    return base, first, second, snapshot(base / "control" / "juesuan.duckdb", CROSS)


def _stage(tmp_path: Path, files: list[Path]) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for p in files:
        shutil.copy2(p, inbox / p.name)
    return inbox


def _ingest(inbox: Path, wh: Path) -> int:
    return main(["ingest", "--from-dir", str(inbox), "--warehouse", str(wh), "--rules-runner", "duckdb"])


def _lost(control: dict, after: dict) -> int:
    """Documents of the fault-free run missing after the fault and the recovery run (by sha256 and status)."""
    have = {(r[0], r[-1]) for r in after["documents"]}
    return sum((r[0], r[-1]) not in have for r in control["documents"])


def _after_fault(name: str, wh: Path, before: dict, control: dict, inbox: Path, capsys) -> None:
    """The checks every process fault shares, then the normal run that must recover."""
    published = wh / "juesuan.duckdb"
    assert snapshot(published) == before, f"{name}: the published file is not the previous generation"
    assert (
        not list(wh.glob(".juesuan.duckdb.next-*")) or True
    )  # a leftover is garbage the next publish removes
    _verify_raw(wh)
    capsys.readouterr()
    assert _ingest(inbox, wh) == 0
    after = snapshot(published, CROSS)
    scoreboard.lost(name, _lost(control, after))
    assert after == control, f"{name}: the run after the fault differs from a run without it"
    assert not list(wh.glob(".juesuan.duckdb.next-*"))


# ---- disk full (injected OSError), in process --------------------------------------------------------------------


def test_disk_full_in_the_raw_store_during_a_crawl(tmp_path: Path, monkeypatch) -> None:
    from juesuan.crawl import CrawlState, HttpClient, crawl, load_sources
    from juesuan.portal.faults import FaultPortal, attachment_path

    scoreboard.tried("process:disk_full_raw_store", "process")
    with FaultPortal() as portal:
        portal.heal()
        (tmp_path / "s.yaml").write_text(portal.sources_yaml(), encoding="utf-8")
        sources = load_sources(tmp_path / "s.yaml")
        victim = hashlib.sha256(portal.state.documents["good_2"]).hexdigest()
        real = RawStore._write_once

        def full(self, sha, data):  # type: ignore[no-untyped-def]
            if sha == victim:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, sha, data)

        monkeypatch.setattr(RawStore, "_write_once", full)
        store = RawStore(tmp_path / "data")
        state = CrawlState(tmp_path / "data" / "crawl" / "state.sqlite")
        first = crawl(sources, store=store, state=state, client=HttpClient(state, sleep=lambda s: None))
        url = portal.url + attachment_path("good_2")
        (fail,) = [f for f in first.failures if f.url == url]
        assert fail.reason == "could not keep the file in the raw store: [Errno 28] No space left on device"
        assert state.get(url) is None, "validators of a file not kept are not remembered"
        assert victim not in store and not list(store.dir.rglob(".incoming-*"))
        kept_first = _verify_raw(tmp_path / "data")
        monkeypatch.setattr(RawStore, "_write_once", real)
        second = crawl(sources, store=store, state=state, client=HttpClient(state, sleep=lambda s: None))
        assert any(d.url == url and d.sha256 == victim for d in second.documents)
        scoreboard.lost("process:disk_full_raw_store", int(victim not in store))
        assert _verify_raw(tmp_path / "data") > kept_first
    scoreboard.survived("process:disk_full_raw_store")


@pytest.mark.slow
def test_disk_full_in_the_raw_store_during_ingest(corpus, tmp_path: Path, monkeypatch, capsys) -> None:
    scoreboard.tried("process:disk_full_raw_store_ingest", "process")
    _base, first, second, control = corpus
    inbox = _stage(tmp_path, first + second)
    victim = hashlib.sha256(second[0].read_bytes()).hexdigest()
    real = RawStore._write_once

    def full(self, sha, data):  # type: ignore[no-untyped-def]
        if sha == victim:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, sha, data)

    monkeypatch.setattr(RawStore, "_write_once", full)
    wh = tmp_path / "wh"
    assert _ingest(inbox, wh) == 0
    out = capsys.readouterr().out
    assert f"skipped {(inbox / second[0].name).resolve()}: could not keep the file in the raw store" in out
    monkeypatch.setattr(RawStore, "_write_once", real)
    assert _ingest(inbox, wh) == 0
    after = snapshot(wh / "juesuan.duckdb", CROSS)
    scoreboard.lost(
        "process:disk_full_raw_store_ingest", sum(r not in after["documents"] for r in control["documents"])
    )
    assert after == control
    scoreboard.survived("process:disk_full_raw_store_ingest")


@pytest.mark.slow
def test_disk_full_while_loading_staging(corpus, tmp_path: Path, monkeypatch, capsys) -> None:
    from warehouse.store import Warehouse

    scoreboard.tried("process:disk_full_staging", "process")
    _base, first, second, control = corpus
    inbox = _stage(tmp_path, first)
    wh = tmp_path / "wh"
    assert _ingest(inbox, wh) == 0
    before = snapshot(wh / "juesuan.duckdb")
    _stage(tmp_path, second)

    def full(self, *a, **k):  # type: ignore[no-untyped-def]
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(Warehouse, "load_document", full)
    capsys.readouterr()
    assert _ingest(inbox, wh) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "the published file was NOT replaced" in err
    monkeypatch.undo()
    _after_fault("process:disk_full_staging", wh, before, control, inbox, capsys)
    scoreboard.survived("process:disk_full_staging")


@pytest.mark.slow
def test_disk_full_while_writing_the_published_file(corpus, tmp_path: Path, monkeypatch, capsys) -> None:
    import warehouse.publish as publish_mod

    scoreboard.tried("process:disk_full_published", "process")
    _base, first, second, control = corpus
    inbox = _stage(tmp_path, first)
    wh = tmp_path / "wh"
    assert _ingest(inbox, wh) == 0
    before = snapshot(wh / "juesuan.duckdb")
    _stage(tmp_path, second)
    real_replace = os.replace

    def full(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        if Path(dst).name == "juesuan.duckdb":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(publish_mod.os, "replace", full)
    capsys.readouterr()
    assert _ingest(inbox, wh) == 1
    assert "No space left on device" in capsys.readouterr().err
    monkeypatch.undo()
    assert not list(wh.glob(".juesuan.duckdb.next-*")), "the half-built next file is removed"
    _after_fault("process:disk_full_published", wh, before, control, inbox, capsys)
    scoreboard.survived("process:disk_full_published")


# ---- kill -9 ---------------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _kill_when(cmd: list[str], ready, env: dict[str, str], timeout: float = 120) -> bool:
    """Run `cmd`; SIGKILL it (and its children) the moment `ready(proc)` is true. False if it ended first."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if ready(proc):
                for child in _children(proc.pid):
                    os.kill(child, signal.SIGKILL)
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                return True
            time.sleep(0.002)
        raise AssertionError(f"{cmd} neither reached the point to kill nor ended")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT) + os.pathsep + env.get("PYTHONPATH", "")
    env["JUESUAN_DATA"] = str(tmp_path / "data")
    env["TQDM_DISABLE"] = "1"
    return env


def _ingest_cmd(inbox: Path, wh: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "juesuan.cli",
        "ingest",
        "--from-dir",
        str(inbox),
        "--warehouse",
        str(wh),
        "--rules-runner",
        "duckdb",
    ]


KILL_POINTS = {
    # the parser's child process exists: a document is being parsed
    "parsing": lambda wh: lambda proc: bool(_children(proc.pid)),
    # staging has a write-ahead log: a document's rows are being loaded
    "staging_load": lambda wh: lambda proc: (wh / "staging.duckdb.wal").exists() and not _children(proc.pid),
    # the next published file is being built beside the current one
    "publish": lambda wh: lambda proc: bool(list(wh.glob(".juesuan.duckdb.next-*"))),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_kill_9_during_ingest(corpus, tmp_path: Path, point: str, capsys) -> None:
    name = f"process:kill9_{point}"
    scoreboard.tried(name, "process")
    _base, first, second, control = corpus
    inbox = _stage(tmp_path, first)
    wh = tmp_path / "wh"
    assert _ingest(inbox, wh) == 0
    before = snapshot(wh / "juesuan.duckdb")
    _stage(tmp_path, second)
    killed = _kill_when(_ingest_cmd(inbox, wh), KILL_POINTS[point](wh), _env(tmp_path))
    assert killed, f"the ingest finished before reaching {point}"
    _after_fault(name, wh, before, control, inbox, capsys)
    scoreboard.survived(name)


@pytest.mark.slow
def test_kill_9_during_download(tmp_path: Path) -> None:
    from juesuan.portal.faults import FaultPortal, attachment_path

    scoreboard.tried("process:kill9_download", "process")
    big = b"%PDF-1.4\n" + os.urandom(400_000) + b"\n%%EOF\n"
    with FaultPortal({"good_2": big}, drip_interval=0.001) as portal:
        portal.heal()
        sources = tmp_path / "s.yaml"
        sources.write_text(portal.sources_yaml(rate_per_host=5), encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "juesuan.cli",
            "crawl",
            "--sources",
            str(sources),
            "--data",
            str(tmp_path / "data"),
        ]
        target = attachment_path("good_2")
        killed = _kill_when(cmd, lambda proc: any(r.path == target for r in portal.requests), _env(tmp_path))
        assert killed
        kept = _verify_raw(tmp_path / "data")
        store = RawStore(tmp_path / "data")
        assert hashlib.sha256(big).hexdigest() not in store
        done = subprocess.run(
            cmd, env=_env(tmp_path), capture_output=True, text=True, cwd=PROJECT, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert hashlib.sha256(big).hexdigest() in RawStore(tmp_path / "data")
        scoreboard.lost("process:kill9_download", 0 if _verify_raw(tmp_path / "data") > kept else 1)
    scoreboard.survived("process:kill9_download")


# ---- disk full for real: a small tmpfs, mounted in a user namespace (no root needed) ------------------------------
_FULL_DISK_DRIVER = r"""
import json, os, shutil, sys, traceback
from pathlib import Path

mnt, inbox, more, out, tests = (Path(a) for a in sys.argv[1:6])
sys.path.insert(0, str(tests))
from faultfiles import snapshot
from juesuan.cli import main

def ingest(inbox):
    argv = ["ingest", "--from-dir", str(inbox), "--warehouse", str(mnt / "wh"), "--rules-runner", "duckdb"]
    try:
        return main(argv)
    except BaseException as exc:  # a crash is what this test looks for: record it
        return "crashed: " + "".join(traceback.format_exception(exc))[-3000:]

r = {"first": ingest(inbox)}
published = mnt / "wh" / "juesuan.duckdb"
before = snapshot(published)
for p in more.iterdir():  # the next night's new reports
    shutil.copy2(p, inbox / p.name)
# fill the disk, leaving room for the new raw files but not for a new staging checkpoint and published file
room = sum(p.stat().st_size for p in more.iterdir()) + 64 * 1024
filler = mnt / "filler"
with open(filler, "wb") as fh:
    free = shutil.disk_usage(mnt).free - room
    while free > 0:
        n = fh.write(b"\0" * min(free, 1 << 20))
        free -= n
r["free_before"] = shutil.disk_usage(mnt).free
r["full"] = ingest(inbox)
r["previous_generation_kept"] = snapshot(published) == before
os.remove(filler)
r["recovered"] = ingest(inbox)
shutil.copytree(mnt / "wh", out)
print(json.dumps(r))
"""


@pytest.mark.slow
def test_disk_full_on_a_real_small_filesystem(corpus, tmp_path: Path) -> None:
    """Not an injected OSError: the warehouse on a 48 MB tmpfs filled to leave room for the new raw files only,
    so staging and publishing meet ENOSPC from the kernel. The run ends with a reason (no crash), the published file
    stays the previous generation, and once space is freed a normal run reaches the fault-free state. The tmpfs is
    mounted in a user namespace (`unshare -rm`): skipped where unprivileged namespaces are not allowed. About 30 s:
    three ingests in a child process (the mount lives as long as it does)."""
    _base, first, second, control = corpus
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rm (unprivileged user and mount namespaces) is not available here")
    scoreboard.tried("process:disk_full_real_filesystem", "process")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first_in = _stage(tmp_path / "one", first)
    both_in = _stage(tmp_path / "two", second)
    mnt, out = tmp_path / "small", tmp_path / "after"
    mnt.mkdir()
    driver = tmp_path / "driver.py"
    driver.write_text(_FULL_DISK_DRIVER, encoding="utf-8")
    script = 'mount -t tmpfs -o size=48m tmpfs "$1" && shift && exec "$@"'
    argv = [unshare, "-rm", "sh", "-c", script, "sh", str(mnt), sys.executable, str(driver)]
    argv += [str(mnt), str(first_in), str(both_in), str(out), str(PROJECT / "tests")]
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["first"] == 0 and result["free_before"] < 1 << 20, result
    assert isinstance(result["full"], int) and result["full"] in (0, 1), str(result["full"])[
        -1500:
    ]  # no crash
    assert "No space left on device" in proc.stdout + proc.stderr, proc.stdout[-2000:]
    assert result["previous_generation_kept"], "the published file changed while the disk was full"
    assert result["recovered"] == 0, result
    _verify_raw(out)
    after = snapshot(out / "juesuan.duckdb", CROSS)
    scoreboard.lost("process:disk_full_real_filesystem", _lost(control, after))
    assert after == control, "the run after the disk was freed differs from a run without the fault"
    scoreboard.survived("process:disk_full_real_filesystem")
