"""`juesuan recheck`: a rule catalogue change re-checks exactly the documents judged by another catalogue version.

Reports are the gold-built ones of test_warehouse (parsing is replaced by a lookup, so no PDF is read); the rules
are the real catalogue, changed through a temporary copy named by JUESUAN_RULES_DIR.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from test_warehouse import GOLD_SPECS, gold_report

from expectations import catalogue_version, load_catalogue
from expectations.catalogue import RULES_DIR, RULES_DIR_ENV
from juesuan.model import Region, Report, RuleResult
from warehouse.ingest import default_checker, ingest_dir, recheck
from warehouse.publish import connect_published
from warehouse.store import Warehouse

#: The hetang gold report fails this warning rule (a subject printed under two names); as an error it quarantines.
FLIPPED_RULE = "naming_consistency"


@pytest.fixture(scope="module")
def shared(real_corpus: Path, seed_dir: Path) -> Path:
    return real_corpus.parent.parent


def _rules_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    return rules


def _flip_to_error(rules: Path) -> None:
    path = rules / f"{FLIPPED_RULE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "severity: warning" in text
    path.write_text(text.replace("severity: warning", "severity: error", 1), encoding="utf-8")


@pytest.fixture()
def folder(tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three stand-in files whose 'parse' is the gold report named by the file (a fresh Report each time)."""
    import juesuan.parsing

    def parse(path: Path, region_hint: Region | None = None) -> Report:
        report, _, _ = gold_report(shared, Path(path).read_bytes().decode().split()[-1])
        report.parser_version = None  # stamped with the current PARSER_VERSION, as a real parse is
        return report

    monkeypatch.setattr(juesuan.parsing, "parse_report", parse)
    monkeypatch.delenv(RULES_DIR_ENV, raising=False)
    src = tmp_path / "in"
    src.mkdir()
    for key in GOLD_SPECS:
        (src / f"{key}.pdf").write_bytes(f"%PDF-1.4 stand-in {key}".encode())
    return src


class CountingChecker:
    """The real duckdb-runner checker, counting the reports it checks."""

    def __init__(self) -> None:
        self.checked: list[str | None] = []
        self._check = default_checker("duckdb")

    def __call__(self, report: Report) -> list[RuleResult]:
        self.checked.append(report.department)
        return self._check(report)


def _statuses(path: Path) -> dict[str, tuple[str, list[str]]]:
    con = connect_published(path)
    rows = con.execute("SELECT department, status, failing_rule_ids FROM mart.documents").fetchall()
    return {dep: (status, list(failing)) for dep, status, failing in rows}


def test_catalogue_version_follows_the_rule_files(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    base = catalogue_version(rules)
    assert base == catalogue_version(RULES_DIR) == catalogue_version(rules)  # content, not location
    assert len(base) == 12
    _flip_to_error(rules)
    edited = catalogue_version(rules)
    assert edited != base
    (rules / "zz_extra.yaml").write_text((rules / f"{FLIPPED_RULE}.yaml").read_text(encoding="utf-8"))
    assert catalogue_version(rules) not in (base, edited)
    (rules / "zz_extra.yaml").unlink()
    assert catalogue_version(rules) == edited
    (rules / f"{FLIPPED_RULE}.yaml").unlink()
    assert catalogue_version(rules) not in (base, edited)


def test_env_var_points_the_catalogue_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = _rules_copy(tmp_path)
    _flip_to_error(rules)
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    assert catalogue_version() == catalogue_version(rules) != catalogue_version(RULES_DIR)
    assert {r.id: r.severity for r in load_catalogue()}[FLIPPED_RULE] == "error"


def test_recheck_follows_a_catalogue_change_and_is_idempotent(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "wh"
    summary = ingest_dir(folder, root, checker=default_checker("duckdb"))
    published = summary.publication.path
    hetang = GOLD_SPECS["hetang"][1]
    assert {s for s, _ in _statuses(published).values()} == {"published"}
    with Warehouse(root) as wh:
        versions = wh.con.execute("SELECT DISTINCT catalogue_version FROM core.documents").fetchall()
    assert versions == [(catalogue_version(),)]

    # same catalogue: nothing to re-check, nothing republished
    checker = CountingChecker()
    same = recheck(root, checker=checker)
    assert checker.checked == [] and same.rechecked == [] and not same.publication.published

    # a warning rule the hetang report fails becomes an error: hetang is quarantined, the others stay published
    rules = _rules_copy(tmp_path)
    _flip_to_error(rules)
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    changed = recheck(root, checker=checker)
    assert len(changed.rechecked) == 3 and len(checker.checked) == 3
    assert [o.department for o in changed.newly_quarantined] == [hetang]
    assert changed.newly_published == []
    assert changed.publication.published
    statuses = _statuses(published)
    assert statuses[hetang] == ("quarantined", [FLIPPED_RULE])
    assert [s for d, (s, _) in statuses.items() if d != hetang] == ["published", "published"]
    assert "rechecked 3" in changed.render() and "newly quarantined 1" in changed.render()
    with Warehouse(root) as wh:
        versions = wh.con.execute("SELECT DISTINCT catalogue_version FROM core.documents").fetchall()
    assert versions == [(catalogue_version(rules),)]

    # idempotent: a second recheck under the same catalogue checks nothing
    again = recheck(root, checker=checker)
    assert again.rechecked == [] and len(checker.checked) == 3 and not again.publication.published

    # the rule goes back to a warning: hetang is published again (with its warning)
    monkeypatch.delenv(RULES_DIR_ENV)
    back = recheck(root, checker=checker)
    assert [o.department for o in back.newly_published] == [hetang] and back.newly_quarantined == []
    assert _statuses(published)[hetang] == ("published", [])


def test_cli_recheck_prints_the_summary(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from juesuan.cli import main

    root = tmp_path / "wh"
    assert main(["recheck", "--warehouse", str(root)]) == 2  # no warehouse yet
    ingest_dir(folder, root, checker=default_checker("duckdb"))
    capsys.readouterr()
    rules = _rules_copy(tmp_path)
    _flip_to_error(rules)
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    assert main(["recheck", "--warehouse", str(root), "--rules-runner", "duckdb"]) == 0
    out = capsys.readouterr().out
    assert "rechecked 3 document(s)" in out and "newly quarantined 1, newly published 0" in out
    assert main(["recheck", "--warehouse", str(root), "--rules-runner", "duckdb"]) == 0
    assert "rechecked 0 document(s)" in capsys.readouterr().out


def test_catalogue_change_sensor_rechecks_everything_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assets.partitions import DOCUMENTS
    from pipelines.sensors import catalogue_change_sensor

    monkeypatch.delenv(RULES_DIR_ENV, raising=False)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(DOCUMENTS, ["a1", "b2", "c3"])
    version = catalogue_version()
    first = catalogue_change_sensor(dg.build_sensor_context(instance=instance))
    assert not first.run_requests and first.cursor == version  # the first tick only records the catalogue
    same = catalogue_change_sensor(dg.build_sensor_context(instance=instance, cursor=version))
    assert isinstance(same, dg.SkipReason)
    rules = _rules_copy(tmp_path)
    _flip_to_error(rules)
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    changed = catalogue_change_sensor(dg.build_sensor_context(instance=instance, cursor=version))
    [request] = changed.run_requests
    assert request.run_key == f"recheck:{catalogue_version(rules)}"
    assert changed.cursor == catalogue_version(rules)
    start = next(v for k, v in request.tags.items() if k.endswith("range_start"))
    end = next(v for k, v in request.tags.items() if k.endswith("range_end"))
    assert (start, end) == ("a1", "c3")
