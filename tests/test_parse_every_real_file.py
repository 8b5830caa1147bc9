"""Every real file in ../shared/corpus parses as a final account or a budget, or is refused with its specific reason.

No file crashes the parser; no final account is parsed with a table it did not fully read; budgets are read as
budgets (the budgets package) or refused as such; no refusal is generic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.parsing import parse_report
from juesuan.parsing.document import NotAFinalAccount

_SPECIFIC = {
    "budget_report": "budget report (部门预算), not a final account: the ",
    "not_pdf": "not a PDF: the file is ",
    "no_text_layer": "no text layer: ",
    "encrypted": "encrypted PDF",
    "empty": "empty ",
    "unreadable": "unreadable ",
    "no_tables": "not a final-accounts report: ",
}


def _real_files(corpus: Path) -> list[Path]:
    docs = {".pdf", ".xls", ".xlsx", ".html", ".htm", ".doc", ".docx"}
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in docs)


@pytest.mark.slow
def test_every_real_file_parses_or_is_refused_with_its_reason(real_corpus: Path) -> None:
    files = _real_files(real_corpus.parent)
    assert len(files) >= 20, files
    outcomes: dict[str, str] = {}
    for f in files:
        name = str(f.relative_to(real_corpus.parent))
        try:
            report = parse_report(f)
        except NotAFinalAccount as exc:
            assert exc.reason.startswith(_SPECIFIC[exc.code]), (name, exc.code, exc.reason)
            outcomes[name] = f"refused {exc.code}"
            continue
        if report.kind == "budget":
            # a budget (部门预算) parses as one; its own bar (tables read, identities) is tests/test_budgets.py
            outcomes[name] = "budget"
            continue
        # parsed: a final account whose every printed public table was read
        assert report.kind == "final_account", name
        assert all(t.status in ("parsed", "empty", "absent") for t in report.tables.values()), (
            name,
            {k: (t.status, [p.message for p in t.problems]) for k, t in report.tables.items()},
        )
        assert not [p for p in report.problems if p.severity == "error"], name
        outcomes[name] = "parsed"
    parsed = sorted(n for n, o in outcomes.items() if o == "parsed")
    assert parsed == ["real/national-petition-bureau-2024.pdf", "real/putuo-finance-2024.pdf"], outcomes
    budgets = [o for n, o in outcomes.items() if n.startswith("real-budgets/")]
    assert budgets and set(budgets) == {"budget"}, outcomes
    assert outcomes["real/not-final-accounts/budget-jiangsu-high-court-2019.pdf"] == "budget"
    assert outcomes["real/not-final-accounts/budget-shenzhen-finance-2026.pdf"] == "budget"


def _outcome(f: Path, engine: str) -> str:
    try:
        report = parse_report(f, engine=engine)
    except NotAFinalAccount as exc:
        return f"refused {exc.code}: {exc.reason}"
    return f"parsed {report.kind}"


def test_files_that_are_not_final_accounts_get_the_same_outcome_under_pdfplumber(real_corpus: Path) -> None:
    """Refusals come from the document pass, which both engines share; the outcome never depends on the engine."""
    for f in _real_files(real_corpus / "not-final-accounts"):
        assert _outcome(f, "pdfplumber") == _outcome(f, "pdfium"), f.name
