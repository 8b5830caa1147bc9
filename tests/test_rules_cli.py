"""`juesuan check`: exit codes, the findings table, CSV output, the results file and GX Data Docs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from expectations.docs import DOC_PATH, render_catalogue_markdown
from juesuan.cli import main


def test_rules_doc_is_generated_from_the_catalogue():
    assert DOC_PATH.read_text(encoding="utf-8") == render_catalogue_markdown(), (
        "docs/rules.md is stale: run `python -m expectations.docs`"
    )


def test_check_real_pdf_exits_0_with_warnings(real_corpus: Path, data_root: Path, capsys):
    rc = main(["check", str(real_corpus / "putuo-finance-2024.pdf")])
    out, err = capsys.readouterr()
    assert rc == 0
    assert "narrative_percentages" in out and "71.73%" in out
    assert "pass (rounding)" in out
    docs = next(data_root.glob("checks/*/data_docs/index.html"))
    assert f"GX Data Docs: {docs}" in err
    rows = list(csv.DictReader(next(data_root.glob("checks/*/rule_results.csv")).open(encoding="utf-8")))
    assert {r["outcome"] for r in rows} >= {"pass", "fail", "not_applicable"}


def test_check_csv_format(real_corpus: Path, data_root: Path, capsys):
    rc = main(
        ["check", str(real_corpus / "national-petition-bureau-2024.pdf"), "--format", "csv", "--no-docs"]
    )
    out, _err = capsys.readouterr()
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "rule_id",
        "severity",
        "outcome",
        "table",
        "code_or_line",
        "measure",
        "expected",
        "actual",
        "difference",
        "message",
    ]
    assert ("narrative_percentages", "fail", "35.74%") in {
        (r["rule_id"], r["outcome"], r["actual"]) for r in rows
    }


def test_check_not_a_final_account_exits_2(real_corpus: Path, data_root: Path, capsys):
    rc = main(["check", str(real_corpus / "not-final-accounts" / "html-page-named-pdf.pdf")])
    _out, err = capsys.readouterr()
    assert rc == 2
    assert "not checked" in err


@pytest.mark.slow
def test_check_broken_report_exits_1(tmp_path: Path, data_root: Path, capsys):
    from juesuan.factory import generate_corpus

    generate_corpus(tmp_path, regions=1, departments_per_region=2, years=(2024,), defect_rate=1.0)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    typo = next(e for e in manifest if any(d["kind"] == "leaf_typo" for d in e["defects"]))
    rc = main(["check", str(tmp_path / typo["file"]), "--no-docs"])
    out, _err = capsys.readouterr()
    assert rc == 1
    assert "error     fail" in out


def test_check_exits_3_when_a_rule_cannot_run(
    real_corpus: Path, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """A rule that cannot run (here: SQL naming a relation that does not exist) leaves the report unvouched for:
    `juesuan check` says which rule and exits non-zero even though no error rule failed."""
    import shutil

    from expectations.catalogue import RULES_DIR, RULES_DIR_ENV

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    broken = (
        (rules / "summary_balance.yaml").read_text(encoding="utf-8").replace("FROM grid", "FROM no_such", 1)
    )
    (rules / "summary_balance.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    rc = main(["check", str(real_corpus / "putuo-finance-2024.pdf"), "--no-docs"])
    out, err = capsys.readouterr()
    assert rc == 3
    assert "execution_error" in out and "rules that could not run: summary_balance" in err
