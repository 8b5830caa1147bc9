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


ENGINES = ("pdfium", "pdfplumber")


@pytest.fixture(scope="session")
def parsed_real(real_reports: list[tuple[Path, Path]]) -> dict[str, tuple[Report, Path]]:
    """Every real PDF under both geometry engines, keyed 'name [engine]'."""
    return {
        f"{pdf.name} [{engine}]": (parse_report(pdf, engine=engine), gold)
        for pdf, gold in real_reports
        for engine in ENGINES
    }


def cell_set(report_tables: dict) -> set[tuple]:
    """Every emitted cell with its keys, amount and page: what two engines must agree on exactly."""
    return {
        (kind, r.subject_code, r.line_item, r.label, c.measure, c.amount_yuan, c.page)
        for kind, t in report_tables.items()
        for r in t.rows
        for c in r.cells
    }


def _assert_engines_agree(name: str, by_engine: dict[str, dict]) -> None:
    a, b = (by_engine[e] for e in ENGINES)
    assert {k: t.status for k, t in a.items()} == {k: t.status for k, t in b.items()}, name
    ca, cb = cell_set(a), cell_set(b)
    assert ca == cb, f"{name}: only pdfium {sorted(ca - cb)[:3]}, only pdfplumber {sorted(cb - ca)[:3]}"
    assert ca, name


def test_real_pdfs_engines_agree(parsed_real: dict[str, tuple[Report, Path]]) -> None:
    """Two independent text extractors (PDFium in C, pdfminer in Python) give the same cells, on every page."""
    names = {key.rsplit(" [", 1)[0] for key in parsed_real}
    assert len(names) >= 2
    for name in names:
        _assert_engines_agree(name, {e: parsed_real[f"{name} [{e}]"][0].tables for e in ENGINES})


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


# ---- factory corpus and the rendered seed ------------------------------------------------------------------

FACTORY_SEED = 31337


def _printed_numbers(pdf: Path) -> set[str]:
    """Every decimal number in the PDF's text layer, without thousands separators."""
    import re

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return {t.replace(",", "") for t in re.findall(r"\d[\d,]*\.\d+", text)}


def _check_truth(name: str, report_tables: dict, truth_path: Path, pdf: Path, units: dict[str, str]) -> list:
    """Score against a truth file; truth cells whose value is printed nowhere in the PDF are the factory's.

    Returns the unprinted truth cells (a factory inconsistency, reported) after asserting that every printed
    truth cell was found and nothing else was emitted.
    """
    from test_parse_tables_support import gold_keys, report_keys, score

    truth = read_gold_csv(truth_path)
    recall, precision, missing, extra = score(gold_keys(truth), report_keys(report_tables))
    printed = _printed_numbers(pdf) if missing else set()
    unprinted = []
    for key in missing:
        unit = units.get(key[0], "万元")
        value = key[4] / (10000 if unit == "万元" else 1)
        if f"{value:.2f}" not in printed:
            unprinted.append(key)
    n = sum(1 for g in truth if g.amount_yuan != 0)
    SCORES.append((name, recall, precision, n))
    note = f" ({len(unprinted)} truth cells are not printed in the PDF)" if unprinted else ""
    print(f"\n{name}: recall {recall:.2%} precision {precision:.2%}{note}")
    parser_missed = [k for k in missing if k not in unprinted]
    assert not parser_missed, (
        f"{name}: {len(parser_missed)} printed cells not found, e.g. {parser_missed[:5]}"
    )
    assert not extra, f"{name}: {len(extra)} cells not in the truth, e.g. {extra[:5]}"
    return unprinted


@pytest.fixture(scope="session")
def factory_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    import json

    from juesuan.factory import generate_corpus

    out = tmp_path_factory.mktemp("factory")
    generate_corpus(out, seed=FACTORY_SEED, regions=3, departments_per_region=6, years=(2023, 2024))
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_factory_corpus_covers_every_template_and_unit(factory_corpus: tuple[Path, list[dict]]) -> None:
    from juesuan.factory import TEMPLATES

    _, manifest = factory_corpus
    assert {e["template"] for e in manifest} == set(TEMPLATES)
    assert any(set(e["units"].values()) == {"元"} for e in manifest), "no all-元 report"
    assert any(len(set(e["units"].values())) == 2 for e in manifest), "no report mixing 元 and 万元"


def test_factory_corpus_cell_exact(factory_corpus: tuple[Path, list[dict]]) -> None:
    from juesuan.parsing.tables import parse_tables

    out, manifest = factory_corpus
    unprinted: dict[str, int] = {}
    for e in manifest:
        result = parse_tables(out / e["file"])
        name = f"factory {e['doc_id']} ({e['template']})"
        missing = _check_truth(name, result.tables, out / e["truth_file"], out / e["file"], e["units"])
        if missing:
            unprinted[e["doc_id"]] = len(missing)
    if unprinted:
        print(f"\nfactory inconsistency: truth cells not printed in {len(unprinted)} PDFs: {unprinted}")


def _sample_per_template(manifest: list[dict], per_template: int = 2) -> list[dict]:
    """A handful of reports of every template, with an all-元 and a mixed-unit report among them."""
    picked: list[dict] = []
    for template in sorted({e["template"] for e in manifest}):
        of = [e for e in manifest if e["template"] == template]
        picked.extend(of[:per_template])
    for want in (lambda u: set(u.values()) == {"元"}, lambda u: len(set(u.values())) == 2):
        if not any(want(e["units"]) for e in picked):
            picked.extend([e for e in manifest if want(e["units"])][:1])
    return picked


def test_factory_engines_agree_and_pdfplumber_is_exact(factory_corpus: tuple[Path, list[dict]]) -> None:
    """The pdfplumber engine on a handful of reports of every template: cell-exact and identical to PDFium."""
    from juesuan.factory import TEMPLATES
    from juesuan.parsing.tables import parse_tables

    out, manifest = factory_corpus
    sample = _sample_per_template(manifest)
    assert {e["template"] for e in sample} == set(TEMPLATES)
    for e in sample:
        pdf = out / e["file"]
        by_engine = {engine: parse_tables(pdf, engine=engine).tables for engine in ENGINES}
        name = f"factory {e['doc_id']} ({e['template']}) [pdfplumber]"
        _check_truth(name, by_engine["pdfplumber"], out / e["truth_file"], pdf, e["units"])
        _assert_engines_agree(name, by_engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_rendered_seed_cell_exact(seed_dir: Path, tmp_path: Path, engine: str) -> None:
    from juesuan.factory import render_from_gold, seed_repeats_from_findings

    gold = next(seed_dir.glob("*.gold.csv"))
    findings = gold.with_name(gold.name.replace(".gold.csv", ".findings.md"))
    repeated = seed_repeats_from_findings(findings)
    assert repeated == {"general_budget": ["201", "20103"]}
    pdf = tmp_path / "seed.pdf"
    render_from_gold(gold, pdf, template="hunan2020", repeated=repeated)
    report = parse_report(pdf, engine=engine)
    unprinted = _check_truth(f"seed (rendered hunan2020) [{engine}]", report.tables, gold, pdf, {})
    assert not unprinted
    gb = report.tables["general_budget"]
    assert [r.subject_code for r in gb.repeated_rows] == ["201", "20103"]
    assert [p.code for p in gb.problems] == ["repeated_rows", "repeated_rows"]
    assert report.department == "株洲市荷塘区产业服务中心" and report.year == 2020
