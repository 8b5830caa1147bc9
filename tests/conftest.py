"""Shared fixtures: the real corpus beside the checkout, and temporary data roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.paths import shared_dir

SHARED = shared_dir()
REAL_CORPUS = SHARED / "corpus" / "real"
SEED_DIR = SHARED / "seed"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"{path} is missing: CI lays ../shared beside the checkout; the real-corpus tests need it"
        )
    return path


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    return _require(REAL_CORPUS)


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return _require(SEED_DIR)


@pytest.fixture(scope="session")
def real_reports(real_corpus: Path) -> list[tuple[Path, Path]]:
    """(pdf, gold csv) pairs of every real final-accounts report in the shared corpus."""
    pairs = [(pdf, pdf.with_suffix(".gold.csv")) for pdf in sorted(real_corpus.glob("*.pdf"))]
    assert pairs, f"no real PDFs in {real_corpus}"
    for pdf, gold in pairs:
        assert gold.exists(), f"{pdf.name} has no gold file {gold.name}"
    return pairs


@pytest.fixture()
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("JUESUAN_DATA", str(root))
    return root


@pytest.fixture(autouse=True)
def _data_root_under_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes under a temporary folder: a code path that falls back to the default data root lands
    here, never in the checkout's own data/ (tests that need a specific root set JUESUAN_DATA themselves)."""
    monkeypatch.setenv("JUESUAN_DATA", str(tmp_path_factory.mktemp("default-data-root")))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability scoreboard (tests/scoreboard.py): faults tried/survived, documents lost, reader errors."""
    import scoreboard

    lines = scoreboard.render()
    if lines:
        terminalreporter.section("reliability scoreboard")
        for line in lines:
            terminalreporter.write_line(line)
