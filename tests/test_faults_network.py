"""Network faults, one per article of the fault portal: the crawl goes on, each failure has its own reason, the raw
store keeps only whole files (sha256 verified), no request leaves the source's hosts, and the next night (faults
healed) reaches the same raw state as a night without faults."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import scoreboard

from juesuan.crawl import CrawlState, HttpClient, crawl, load_sources
from juesuan.portal.faults import CONTENT, FAULTS, GOOD, TRANSIENT, FaultPortal, attachment_path
from juesuan.rawstore import RawStore


def _crawl(portal: FaultPortal, root: Path, sleeps: list[float] | None = None, **limits: object):
    sources_file = root / "sources.yaml"
    root.mkdir(parents=True, exist_ok=True)
    sources_file.write_text(portal.sources_yaml(**limits), encoding="utf-8")
    store = RawStore(root)
    state = CrawlState(root / "crawl" / "state.sqlite")
    client = HttpClient(state, sleep=(sleeps.append if sleeps is not None else time.sleep))
    return crawl(load_sources(sources_file), store=store, state=state, client=client), store, state


def _verified(store: RawStore) -> list[str]:
    """Every kept file re-hashed: its bytes still match its name."""
    shas = []
    for f in store.list():
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256, f"{f.path} altered"
        shas.append(f.sha256)
    return shas


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory):
    """Night 1 against every fault; night 2 after the faults healed; a control night on a healthy portal."""
    base = tmp_path_factory.mktemp("faults")
    with FaultPortal(stall=2.0) as portal:
        sleeps: list[float] = []
        t0 = time.monotonic()
        first, store, state = _crawl(portal, base / "data", sleeps)
        first_seconds = time.monotonic() - t0
        first_requests = portal.requests
        first_kept = {u.url for f in store.list() for u in f.urls}
        first_state = {n: state.get(portal.url + attachment_path(n)) for n in FAULTS}
        portal.heal()
        second, _store2, _ = _crawl(portal, base / "data", [])
        second_requests = portal.requests[len(first_requests) :]
    with FaultPortal() as control_portal:
        control_portal.heal()
        _crawl(control_portal, base / "control", [])  # two healthy nights, like the faulty pair
        control, control_store, _ = _crawl(control_portal, base / "control", [])
    return {
        "portal": portal,
        "first": first,
        "store": store,
        "state": state,
        "sleeps": sleeps,
        "first_seconds": first_seconds,
        "first_requests": first_requests,
        "first_kept": first_kept,
        "first_state": first_state,
        "second": second,
        "second_requests": second_requests,
        "control": control,
        "control_store": control_store,
        "port": portal.port,
    }


def _url_of(nights, name: str) -> str:
    return nights["portal"].url + attachment_path(name)


@pytest.mark.parametrize("fault", sorted(set(FAULTS) - CONTENT))
def test_network_fault(nights, fault: str) -> None:
    scoreboard.tried(f"network:{fault}", "network")
    _, expect, fragment = FAULTS[fault]
    first, store = nights["first"], nights["store"]
    url = _url_of(nights, fault)
    docs = {d.url: d for d in first.documents}
    failures = {f.url: f for f in first.failures}
    # the other documents were processed: both good articles kept, whatever this fault did
    good_kept = [n for n in GOOD if _url_of(nights, n) in docs]
    # after healing, the raw store holds what a night without faults holds (the transient ones are recovered)
    healed = set(_verified(store))
    control = set(_verified(nights["control_store"]))
    scoreboard.lost(f"network:{fault}", len(GOOD) - len(good_kept) + len(control - healed))
    assert good_kept == list(GOOD)
    if expect == "kept":
        if fault == "listing_changes":  # published while the listing was being read: found the next night
            assert any(d.url == url for d in nights["second"].documents)
        else:
            assert url in docs and docs[url].kind == "pdf", failures.get(url)
            assert store.read_bytes(docs[url].sha256) == nights["portal"].state.documents[fault]
    elif expect == "failed":
        assert url in failures and url not in docs, f"{fault}: expected a recorded failure"
        assert fragment in failures[url].reason, failures[url].reason
    elif expect == "never":
        assert url in failures and "disallowed by robots.txt" in failures[url].reason
        assert not [r for r in nights["first_requests"] if r.path == attachment_path(fault)]
    # nothing of a failed download is kept, and its validators are not remembered
    if expect == "failed":
        assert url not in nights["first_kept"]
        entry = nights["first_state"][fault]
        assert entry is None or entry.failure or entry.etag is None
    # no request left the source's allowed host
    assert {r.host for r in nights["first_requests"] + nights["second_requests"]} == {
        f"127.0.0.1:{nights['port']}"
    }
    # the next night recovers the transient faults to the control state
    second_docs = {d.url for d in nights["second"].documents}
    if fault in TRANSIENT:
        assert url in second_docs, f"{fault} not recovered on the next night"
    assert healed == control
    scoreboard.survived(f"network:{fault}")


def test_whole_request_deadline_bounds_the_night(nights) -> None:
    """A drip that answers every read in time is still cut at the request's timeout (0.6 s), not after minutes."""
    drip = [r for r in nights["first_requests"] if r.path == attachment_path("slow_drip")]
    assert len(drip) == 2  # one retry
    # 21 faults, 2 attempts of 0.6 s for stall and drip: well under the 13 s a per-read timeout would take
    assert nights["first_seconds"] < 10


def test_retry_after_is_honoured_and_bounded(nights) -> None:
    sleeps = nights["sleeps"]
    assert 2.0 in sleeps and 1.0 in sleeps, sleeps  # Retry-After: 2 (503) and Retry-After: 1 (429)
    assert max(sleeps) <= 120.0, "a Retry-After above max_retry_after is refused, not slept"
    tries = [r for r in nights["first_requests"] if r.path == attachment_path("retry_after_too_long")]
    assert len(tries) == 1, "not retried when the server asks for a day"


def test_truncated_download_is_not_kept_and_its_etag_not_saved(nights) -> None:
    url = _url_of(nights, "truncated")
    assert url not in nights["first_kept"] and nights["first_state"]["truncated"] is None
    second = {d.url: d for d in nights["second"].documents}
    full = nights["portal"].state.documents["truncated"]
    assert nights["store"].read_bytes(second[url].sha256) == full
    (night2,) = [r for r in nights["second_requests"] if r.path == attachment_path("truncated")]
    assert night2.if_none_match is None, "no ETag was remembered from the truncated answer"


def test_a_broken_state_saved_by_an_older_crawler_recovers(tmp_path: Path) -> None:
    """An older crawler kept a truncated body and its ETag: the next crawl must not trust the 304."""
    scoreboard.tried("network:truncated_state_recovery", "network")
    with FaultPortal() as portal:
        portal.heal()
        url = portal.url + attachment_path("truncated")
        full = portal.state.documents["truncated"]
        etag = '"' + hashlib.sha256(full).hexdigest()[:16] + '"'
        store = RawStore(tmp_path / "data")
        state = CrawlState(tmp_path / "data" / "crawl" / "state.sqlite")
        half = full[: len(full) // 2]
        broken = store.put(
            half, url=url, source_id="faults", headers={"etag": etag, "content-length": str(len(full))}
        )
        state.remember(url, {"etag": etag}, sha256=broken.sha256, kind="pdf")
        result, store, _ = _crawl(portal, tmp_path / "data", [])
        (doc,) = [d for d in result.documents if d.url == url]
        scoreboard.lost("network:truncated_state_recovery", int(store.read_bytes(doc.sha256) != full))
        assert doc.sha256 == hashlib.sha256(full).hexdigest() and doc.status == "changed"
        assert [r.status for r in portal.requests if r.path == attachment_path("truncated")] == [304, 200]
        assert state.get(url).sha256 == doc.sha256
    scoreboard.survived("network:truncated_state_recovery")


def test_a_source_whose_every_request_fails_does_not_stop_the_others(tmp_path: Path) -> None:
    scoreboard.tried("network:dead_source", "network")
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    with FaultPortal() as portal:
        portal.heal()
        text = portal.sources_yaml() + portal.sources_yaml(source_id="dead").replace(
            f"127.0.0.1:{portal.port}", f"127.0.0.1:{dead_port}"
        ).removeprefix("sources:\n")
        (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
        store = RawStore(tmp_path / "data")
        client = HttpClient(CrawlState(tmp_path / "state.sqlite"), sleep=lambda s: None)
        result = crawl(load_sources(tmp_path / "sources.yaml"), store=store, client=client)
    kept = {d.source_id for d in result.documents}
    dead = [f for f in result.failures if f.source_id == "dead"]
    scoreboard.lost(
        "network:dead_source",
        len(GOOD) - sum(1 for d in result.documents if d.url.rsplit("/", 1)[1][:-4] in GOOD),
    )
    assert kept == {"faults"} and len(dead) == 1
    assert "robots.txt" in dead[0].reason and "not crawling this host" in dead[0].reason
    scoreboard.survived("network:dead_source")


# Through the nightly pipeline (run summary, mart.documents, Dagster UI): tests/test_faults_pipeline.py
