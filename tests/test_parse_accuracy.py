"""Cell-exact accuracy of the parser on the real PDFs (and, when present, the factory corpus).

Scoring as the gold files define it: every nonzero gold cell found with the same (table_kind, subject_code,
line_item, measure, amount_yuan) (recall), and every nonzero cell emitted present in the gold (precision).
Per-document figures are printed (pytest -s) and summarised at the end of the session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_parse_tables_support import score_report

from juesuan.model import Report, read_gold_csv
from juesuan.parsing import parse_report

SCORES: list[tuple[str, float, float, int]] = []


@pytest.fixture(scope="module", autouse=True)
def _print_scores(request: pytest.FixtureRequest):
    """Print every document's recall/precision in the terminal summary, with or without -s."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None or not SCORES:
        return
    with capture.global_and_fixture_disabled():
        print()
        for name, recall, precision, n in SCORES:
            print(f"parse accuracy {name}: recall {recall:.2%} precision {precision:.2%} ({n} nonzero cells)")


@pytest.fixture(scope="session")
def parsed_real(real_reports: list[tuple[Path, Path]]) -> dict[str, tuple[Report, Path]]:
    return {pdf.name: (parse_report(pdf), gold) for pdf, gold in real_reports}


def _check(name: str, report: Report, gold_path: Path) -> None:
    gold = read_gold_csv(gold_path)
    recall, precision, missing, extra = score_report(report, gold)
    n = sum(1 for g in gold if g.amount_yuan != 0)
    SCORES.append((name, recall, precision, n))
    print(f"\n{name}: recall {recall:.2%} precision {precision:.2%} ({n} nonzero gold cells)")
    assert not missing, f"{name}: {len(missing)} gold cells not found, e.g. {missing[:5]}"
    assert not extra, f"{name}: {len(extra)} cells not in the gold, e.g. {extra[:5]}"


def test_real_pdfs_cell_exact(parsed_real: dict[str, tuple[Report, Path]]) -> None:
    assert parsed_real
    for name, (report, gold) in parsed_real.items():
        _check(name, report, gold)


def test_real_pdfs_every_table_accounted_for(parsed_real: dict[str, tuple[Report, Path]]) -> None:
    for name, (report, _) in parsed_real.items():
        statuses = {k: t.status for k, t in report.tables.items()}
        assert set(statuses) == {
            "summary",
            "income",
            "expenditure",
            "appropriation_summary",
            "general_budget",
            "basic_expenditure",
            "three_public",
            "gov_fund",
            "state_capital",
        }, name
        assert statuses["gov_fund"] == "empty" and statuses["state_capital"] == "empty", (name, statuses)
        assert all(s == "parsed" for k, s in statuses.items() if k not in ("gov_fund", "state_capital")), (
            name,
            statuses,
        )
        assert report.parser_version and report.source and report.source.sha256


def test_real_pdf_cells_carry_provenance(parsed_real: dict[str, tuple[Report, Path]]) -> None:
    for _name, (report, _) in parsed_real.items():
        for table, row, cell in report.iter_cells():
            assert cell.page in table.pages
            assert cell.bbox is not None and cell.bbox[0] < cell.bbox[2] and cell.bbox[1] < cell.bbox[3]
            assert cell.text.replace(",", "") == f"{cell.value}"
            assert row.label or table.kind == "three_public"
