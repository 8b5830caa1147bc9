"""Factory budgets in the real producers' layouts (Excel 2007, Word 2010 in 万元 and 元, iText with dozens of budget
units and hundreds of pages): 100% recall and precision of nonzero cells, every identity passing, the producer's
metadata, the per-unit parts noted as extras, the per-unit prose compared with its unit's row."""

from __future__ import annotations

import copy
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from nonzero_cells import nonzero_cells, nonzero_truth

from expectations.catalogue import load_catalogue
from expectations.engine import check_report
from juesuan.budgets.factory import write_budget
from juesuan.budgets.templates import TEMPLATES, budget_from_template
from juesuan.model import Report
from juesuan.parsing import parse_report

LARGE = "shenzhen_itext_large"


@pytest.fixture(scope="module")
def final_spec():
    from juesuan.factory.generate import build_spec, plan_corpus

    return build_spec(plan_corpus(7, 1, 1, (2024,), ("central2024",), 0.0)[0], 7, None)[0]


def _read(final_spec, template: str, out: Path) -> tuple[dict, Report]:
    entry = write_budget(budget_from_template(final_spec, template), out)
    return entry, parse_report(out / str(entry["file"]))


def _check(entry: dict, report: Report, out: Path) -> list:
    tpl = TEMPLATES[entry["doc_id"].split("-budget-")[1]]
    assert report.kind == "budget"
    truth = nonzero_truth(out / entry["truth_file"])
    got = nonzero_cells(report)
    hits = sum(1 for k, v in got.items() if truth.get(k) == v)
    print(f"{tpl.name:22} {entry['pages']:4} pages  recall {hits}/{len(truth)}  precision {hits}/{len(got)}")
    assert got == truth, set(got) ^ set(truth)
    assert {t.unit for t in report.tables.values() if t.status == "parsed"} >= {tpl.unit}
    assert not [p.message for p in report.problems if p.severity == "error"]
    results = check_report(report, runner="duckdb")
    assert not [
        (r.rule_id, r.message) for r in results if r.outcome in ("fail", "parse_error", "execution_error")
    ]
    meta = pdfium.PdfDocument(out / entry["file"]).get_metadata_dict()
    assert (meta["Producer"], meta["Creator"]) == (tpl.producer, tpl.creator)
    units = [r for r in report.tables["income"].rows if (r.line_item or "").startswith("unit:")]
    assert len(units) == (0 if "fund_tree" in tpl.layouts else tpl.n_units)  # 江苏: a tree of funds instead
    if tpl.projects_per_unit:
        noted = {p.table_kind for p in report.problems if p.code == "budget_extra_not_read"}
        assert {"project_expenditure", "performance"} <= noted
    return results


@pytest.mark.parametrize("template", sorted(set(TEMPLATES) - {LARGE}))
def test_template_reads_exactly(final_spec, tmp_path: Path, template: str) -> None:
    entry, report = _read(final_spec, template, tmp_path)
    _check(entry, report, tmp_path)


@pytest.mark.slow
def test_hundreds_of_pages_with_dozens_of_units(final_spec, tmp_path: Path) -> None:
    """深圳市人社局's size (45 budget units, ~200 pages): renders, parses and checks in ~10 s on a busy machine."""
    entry, report = _read(final_spec, LARGE, tmp_path)
    assert entry["pages"] >= 150
    results = _check(entry, report, tmp_path)
    unit_figures = [
        r for r in results if r.rule_id == "budget_narrative_amounts" and (r.line_item or "")[:5] == "unit:"
    ]
    assert len(unit_figures) >= 44, "each unit's prose is compared with its own row"


def test_unit_prose_is_compared_with_its_own_row(final_spec, tmp_path: Path) -> None:
    _, report = _read(final_spec, "shenzhen_itext", tmp_path)
    [rule] = [r for r in load_catalogue() if r.id == "budget_narrative_amounts"]
    bad = copy.deepcopy(report)
    unit = next(
        r
        for r in report.tables["income"].rows
        if (r.line_item or "").startswith("unit:") and "（本级）" not in r.label
    )
    fact = next(
        f for f in bad.narrative if f.sentence.startswith(unit.label) and "一般公共预算" in (f.label or "")
    )
    fact.value += 1
    fails = [r for r in check_report(bad, [rule], runner="duckdb") if r.outcome == "fail"]
    assert [(r.table_kind, r.line_item, r.measure) for r in fails] == [
        ("income", unit.line_item, "general_budget")
    ]
