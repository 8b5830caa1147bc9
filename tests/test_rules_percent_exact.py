"""Percentages are exact decimals: the rule SQL never divides in floating point, so great-expectations (SQL) and the
engine (Decimal) judge a rate at the edge of its tolerance alike, and the tolerance follows the printed precision."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from expectations import check_report, load_catalogue
from juesuan.model import NarrativeFact, Report, read_gold_csv, report_from_gold

D = Decimal
SENTENCE = "本年收入合计626.55万元，其中：专项收入59.89万元，占本年收入合计的{rate}。"


def _report(seed_dir: Path, rate: str) -> Report:
    report = report_from_gold(read_gold_csv(seed_dir / "hetang-industrial-service-center-2020.gold.csv"))
    s = SENTENCE.format(rate=rate)
    report.narrative = [
        NarrativeFact(
            kind="amount", value=D("626.55"), text="626.55", sentence=s, unit="万元", label="本年收入合计"
        ),
        NarrativeFact(
            kind="amount", value=D("59.89"), text="59.89", sentence=s, unit="万元", label="专项收入"
        ),
        NarrativeFact(
            kind="percent", value=D(rate.rstrip("%")), text=rate, sentence=s, unit="%", label="专项收入"
        ),
    ]
    return report


@pytest.mark.parametrize(
    ("rate", "outcome", "within"),
    [
        # 59.89 ÷ 626.55 = 9.5587…%: printed 9.56 is right (rounding note), 9.55 is not (a finding), and the
        # tolerance is half a unit of the last printed digit (0.005) plus what 59.89 and 626.55's own rounding
        # move the rate (0.0009), plus 0.0001 for the rate's own rounding
        ("9.56%", "pass", True),
        ("9.55%", "fail", False),
        ("9.6%", "pass", True),  # one decimal printed: ±0.05
        ("9.5%", "fail", False),
    ],
)
def test_share_at_the_edge_is_judged_alike_by_gx_and_duckdb(
    seed_dir: Path, rate: str, outcome: str, within: bool
):
    rules = [r for r in load_catalogue() if r.id == "narrative_percentages"]
    report = _report(seed_dir, rate)
    by_runner = {}
    for runner in ("duckdb", "gx"):
        [r] = [r for r in check_report(report, rules=rules, runner=runner) if r.measure == "share"]
        by_runner[runner] = (r.outcome, r.expected, r.actual, r.tolerance, r.within_rounding)
    assert by_runner["gx"] == by_runner["duckdb"]
    got_outcome, expected, actual, tolerance, got_within = by_runner["duckdb"]
    assert (got_outcome, got_within) == (outcome, within)
    assert expected == D("9.5587") and actual == D(rate.rstrip("%"))
    assert tolerance == (D("0.0060") if rate.count(".") and len(rate) == 5 else D("0.0510"))


def test_a_rule_returning_floats_is_an_execution_error(seed_dir: Path):
    """DECIMAL / DECIMAL is DOUBLE in DuckDB: a rule that compares a float is refused, not trusted."""
    from dataclasses import replace

    [rule] = [r for r in load_catalogue() if r.id == "narrative_percentages"]
    floaty = replace(
        rule,
        sql=rule.sql.replace(
            "coalesce(computed, 0.0000)::DECIMAL(20,4) AS expected",
            "(part / whole * 100)::DOUBLE AS expected",
            1,
        ),
    )
    assert floaty.sql != rule.sql
    [r] = check_report(_report(seed_dir, "9.55%"), rules=[floaty], runner="duckdb")
    assert r.outcome == "execution_error" and "floating-point" in r.message
