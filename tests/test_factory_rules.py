"""Cross-check the factory against the rule catalogue: clean truth passes every rule, each labelled defect that
breaks an identity fails at least one rule of the right family."""

from __future__ import annotations

import pytest

from expectations import check_report
from juesuan.factory import generate_corpus
from juesuan.model import Table, read_gold_csv, report_from_gold


@pytest.fixture(scope="module")
def truth_reports(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("factory_rules")
    entries = generate_corpus(
        out, seed=5, regions=2, departments_per_region=2, years=(2024,), defect_rate=1.0
    )
    reports = []
    for e in entries:
        cells = read_gold_csv(out / e.truth_file)
        report = report_from_gold(cells, department=e.department, year=e.year, units=e.units)
        for kind, unit in e.units.items():  # printed tables whose cells are all blank (…故本表无数据)
            report.tables.setdefault(kind, Table(kind=kind, unit=unit, status="empty", note="故本表无数据"))
        reports.append((e, report))
    return reports


def test_rule_catalogue_agrees_with_the_labels(truth_reports) -> None:  # type: ignore[no-untyped-def]
    kinds = set()
    for entry, report in truth_reports:
        results = check_report(report, runner="python")
        # warnings (e.g. naming_consistency on the alternate subject names the factory prints) are not identities
        failed = {r.rule_id for r in results if r.outcome == "fail" and r.severity == "error"}
        broken = {r.rule_id for r in results if r.outcome in ("parse_error", "execution_error")}
        assert not broken, f"{entry.doc_id}: {broken}"
        kind = entry.defects[0]["kind"] if entry.defects else None
        kinds.add(kind)
        if kind in ("leaf_typo",):
            assert failed, f"{entry.doc_id}: a leaf typo passed every rule"
        elif kind == "cross_table_mismatch":
            assert any(r.startswith("cross_") for r in failed), f"{entry.doc_id}: {failed}"
        else:  # clean tables (repeated rows are not in the truth; the narrative is not in the truth CSV)
            assert not failed, f"{entry.doc_id} ({kind}): {failed}"
    assert {"leaf_typo", "cross_table_mismatch"} <= kinds
