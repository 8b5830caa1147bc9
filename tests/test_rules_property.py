"""Property: changing any printed leaf (项) of a coded table by 1 万元 or more breaks 款 = Σ项 at its parent, for
that measure, and blocks the report (hypothesis over the seed gold)."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expectations import blocking, check_report
from juesuan.model import Report, read_gold_csv, report_from_gold


@pytest.fixture(scope="module")
def seed_gold(seed_dir: Path) -> Report:
    return report_from_gold(read_gold_csv(seed_dir / "hetang-industrial-service-center-2020.gold.csv"))


def _leaves(report: Report) -> list[tuple[str, str, str]]:
    return [
        (kind, row.subject_code, cell.measure)
        for kind in ("income", "expenditure", "general_budget")
        for row in report.tables[kind].rows
        if row.subject_code and len(row.subject_code) == 7
        for cell in row.cells
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    cents=st.integers(min_value=10_000_00, max_value=100_000_000_00),
    sign=st.sampled_from([1, -1]),
)
def test_leaf_change_beyond_envelope_is_found_at_its_parent(seed_gold: Report, data, cents: int, sign: int):
    kind, code, measure = data.draw(st.sampled_from(_leaves(seed_gold)))
    report = copy.deepcopy(seed_gold)
    cell = report.tables[kind].find(subject_code=code).cell(measure)
    cell.amount_yuan += sign * Decimal(cents) / 100
    results = check_report(report, runner="duckdb")
    assert blocking(results)
    hits = {(r.rule_id, r.table_kind, r.subject_code, r.measure) for r in results if r.outcome == "fail"}
    assert ("kuan_equals_sum_of_xiang", kind, code[:5], measure) in hits
