"""Factory reports: clean ones raise no error-severity failure, and every injected defect is found by the rule
that names it at the defect's location — on the truth CSVs and on the parsed PDFs. The seed, rendered from its
gold in the 2020 Hunan layout, is parsed and its table findings reported.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import blocking, check_report
from juesuan.model import read_gold_csv, report_from_gold

pytestmark = pytest.mark.slow

#: The rule that names each defect kind, and where it must report it given the manifest's defect entry.
#: A cross-table mismatch is seen where the tables meet: the income 合计 against the summary, or the
#: general-budget class against the appropriation summary column.


def expected_hits(defect: dict) -> set[tuple[str, str, str]]:
    kind, table, code = defect["kind"], defect["table_kind"], defect["subject_code"]
    if kind == "leaf_typo":
        return {(f"{table}_row_sum", table, code), ("kuan_equals_sum_of_xiang", table, code[:5])}
    if kind == "cross_table_mismatch":
        if table == "income":
            return {("cross_summary_income_total", "summary", "income.total")}
        return {("cross_appropriation_general_budget", "appropriation_summary", code[:3])}
    if kind == "repeated_rows":
        return {("duplicated_rows", table, code)}
    if kind == "narrative_mismatch":
        return {("narrative_amounts", table, code or defect["line_item"])}
    if kind == "narrative_growth_rate":
        # a rate of the prose has no table cell: where it is shows in the finding's value (see
        # test_growth_rate_on_the_wrong_base_found_where_printed)
        return {("narrative_percentages", "narrative", "")}
    raise AssertionError(f"unknown defect kind {kind}")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    from juesuan.factory import generate_corpus

    out = tmp_path_factory.mktemp("factory")
    generate_corpus(out, regions=4, departments_per_region=3, years=(2024,), defect_rate=0.7)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kinds = {d["kind"] for e in manifest for d in e["defects"]}
    assert kinds == {
        "leaf_typo",
        "cross_table_mismatch",
        "repeated_rows",
        "narrative_mismatch",
        "narrative_growth_rate",
    }
    assert {e["template"] for e in manifest} >= {"hunan2020", "shanghai2024", "central2024", "qinghai2016"}
    return out, manifest


@pytest.fixture(scope="session")
def truth_results(corpus):
    out, manifest = corpus
    return {
        e["doc_id"]: check_report(
            report_from_gold(read_gold_csv(out / e["truth_file"]), units=e["units"]), runner="duckdb"
        )
        for e in manifest
    }


@pytest.fixture(scope="session")
def parsed_results(corpus):
    from juesuan.parsing import parse_report

    out, manifest = corpus
    return {e["doc_id"]: check_report(parse_report(out / e["file"]), runner="duckdb") for e in manifest}


def _hits(results) -> set[tuple[str, str, str]]:
    return {
        (r.rule_id, r.table_kind or "", r.subject_code or r.line_item or "")
        for r in results
        if r.outcome == "fail"
    }


def _check(corpus, results_by_doc, kinds_in_view):
    _out, manifest = corpus
    for e in manifest:
        results = results_by_doc[e["doc_id"]]
        name = f"{e['doc_id']} ({e['template']})"
        assert not [
            r for r in results if r.outcome in ("execution_error", "parse_error", "insufficient_data")
        ], name
        defects = [d for d in e["defects"] if d["kind"] in kinds_in_view]
        if not e["defects"]:
            assert not [r for r in results if r.outcome == "fail" and r.severity == "error"], name
            assert not blocking(results), name
            # the only warning a clean report may carry: a code printed under two names (templates vary names
            # across tables as real reports do)
            assert {r.rule_id for r in results if r.outcome == "fail"} <= {"naming_consistency"}, name
        for d in defects:
            missing = expected_hits(d) - _hits(results)
            assert not missing, f"{name}: {d['kind']} not found by {missing}"
        blocking_expected = any(d["kind"] in ("leaf_typo", "cross_table_mismatch") for d in e["defects"])
        if defects or not e["defects"]:
            assert blocking(results) == blocking_expected, name


def test_truth_clean_pass_and_table_defects_found(corpus, truth_results):
    # repeated rows and narrative are not in the truth CSVs: only the table defects are in view
    _check(corpus, truth_results, {"leaf_typo", "cross_table_mismatch"})


def test_parsed_pdfs_clean_pass_and_every_defect_found(corpus, parsed_results):
    _check(
        corpus,
        parsed_results,
        {"leaf_typo", "cross_table_mismatch", "repeated_rows", "narrative_mismatch", "narrative_growth_rate"},
    )


def test_growth_rate_on_the_wrong_base_found_where_printed(corpus, parsed_results):
    """The one growth rate computed on this year (增长 10.01% where 657.31 ÷ 5907.20 = 11.13%) is the only finding of
    the report: the printed rate as actual, the rate on the prior year as expected, the printed text in the message;
    every other growth rate of the factory's prose reproduces."""
    out, manifest = corpus
    seen = 0
    for e in manifest:
        results = parsed_results[e["doc_id"]]
        growth = [r for r in results if r.rule_id == "narrative_percentages" and r.measure == "growth_rate"]
        with (out / e["narrative_file"]).open(encoding="utf-8") as fh:
            stated = [f for f in csv.DictReader(fh) if f["change"] and f["kind"] == "percent"]
        assert len(growth) == len(stated), e["doc_id"]  # every stated rate is compared
        wrong = [f for f in stated if f["correct"]]
        failed = [r for r in growth if r.outcome == "fail"]
        if not any(d["kind"] == "narrative_growth_rate" for d in e["defects"]):
            if not any(d["kind"] == "narrative_mismatch" for d in e["defects"]):
                assert not failed and not wrong, e["doc_id"]
            continue
        seen += 1
        assert len(wrong) == 1 and len(failed) == 1, (e["doc_id"], wrong, failed)
        f, r = wrong[0], failed[0]
        # expected is the exact rate (to 0.0001); the factory's `correct` is it rounded as printed (0.01)
        assert r.actual == Decimal(f["value"]), e["doc_id"]
        assert r.expected.quantize(Decimal("0.01")) == Decimal(f["correct"]), e["doc_id"]
        assert f": {f['text']} after " in r.message and r.severity == "warning"
        assert {x.rule_id for x in results if x.outcome == "fail"} <= {
            "narrative_percentages",
            "naming_consistency",
        }
    assert seen


def test_seed_rendered_from_gold_reports_its_table_findings(seed_dir: Path, tmp_path_factory):
    from juesuan.factory import render_from_gold, seed_repeats_from_findings
    from juesuan.parsing import parse_report

    pdf = tmp_path_factory.mktemp("seed") / "hetang-2020.pdf"
    render_from_gold(
        seed_dir / "hetang-industrial-service-center-2020.gold.csv",
        pdf,
        template="hunan2020",
        repeated=seed_repeats_from_findings(seed_dir / "hetang-industrial-service-center-2020.findings.md"),
    )
    results = check_report(parse_report(pdf), runner="duckdb")
    assert not blocking(results)
    hits = _hits(results)
    assert {
        ("duplicated_rows", "general_budget", "201"),
        ("duplicated_rows", "general_budget", "20103"),
    } <= hits
    assert ("naming_consistency", "income", "20604") in hits
    notes = {
        (r.rule_id, r.table_kind, r.subject_code or r.line_item, r.measure)
        for r in results
        if r.within_rounding
    }
    assert len([n for n in notes if not n[0].startswith("narrative_")]) == 12


def _facts(out: Path, entry: dict) -> list[dict]:
    with (out / entry["narrative_file"]).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_figures_compared_only_with_the_cell_their_sentence_is_about(corpus, parsed_results):
    """The 政府性基金 paragraph's 年初结转和结余 / 本年收入 / 本年支出 / 年末结转和结余 are the gov-fund table's (never
    the summary's), and a 三公 支出决算 figure (公务用车购置费 0.00 where the budget is not 0) is the actual column's:
    each such figure of the factory's prose is compared with exactly the cell it restates, and agrees."""
    out, manifest = corpus
    seen: set[str] = set()
    for e in manifest:
        if any(d["kind"] == "narrative_mismatch" for d in e["defects"]):
            continue
        compared = {
            (r.table_kind, r.line_item or "", r.measure, r.actual)
            for r in parsed_results[e["doc_id"]]
            if r.rule_id == "narrative_amounts"
        }
        for f in _facts(out, e):
            if f["kind"] != "amount" or f["change"] or f["table_kind"] not in ("gov_fund", "three_public"):
                continue
            key = (f["table_kind"], f["line_item"], f["measure"], Decimal(f["value"]) * 10000)
            assert key in compared, (e["doc_id"], f["label"], sorted(c for c in compared if c[0] == key[0]))
            seen.add(f["table_kind"] + ("" if f["table_kind"] != "gov_fund" else ":" + f["measure"]))
    assert {"three_public", "gov_fund:opening_balance", "gov_fund:closing_balance", "gov_fund:income"} <= seen


def test_growth_rates_with_both_years_and_wrapped_item_names_stay_clean(corpus, parsed_results):
    """比上年决算数 P 万元增加 D 万元，增长 R%: R is checked on P (it passes); and items whose name wraps before （项） /
    （款） keep their own subject (no naming finding on a clean report)."""
    _out, manifest = corpus
    checked = 0
    for e in manifest:
        results = parsed_results[e["doc_id"]]
        rates = [r for r in results if r.rule_id == "narrative_percentages" and "比上年决算数" in r.message]
        wrong = any(d["kind"] == "narrative_growth_rate" for d in e["defects"])
        if not e["defects"] or not wrong:
            assert all(r.outcome == "pass" for r in rates), e["doc_id"]
            assert not [r for r in results if r.rule_id == "narrative_subject_names" and r.outcome == "fail"]
        checked += len(rates)
    assert checked >= len(manifest) // 2
