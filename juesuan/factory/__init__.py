"""The report factory: deterministic, realistic 部门决算 report PDFs with exact ground truth.

`generate_corpus` writes a seeded corpus (PDF + truth CSV per report, manifest.csv/json); `render_report` draws one
`ReportSpec`; `render_from_gold` turns a gold CSV (e.g. the text-only seed) into a PDF in a template's layout.
"""

from __future__ import annotations

from pathlib import Path

from juesuan.factory.document import render_document
from juesuan.factory.generate import (
    DEFAULT_DEFECT_RATE,
    DEFAULT_SEED,
    DEFECT_KINDS,
    PROSE_DEFECT_KINDS,
    generate_corpus,
    plan_corpus,
)
from juesuan.factory.gold import render_from_gold, seed_repeats_from_findings
from juesuan.factory.layouts import format_for
from juesuan.factory.render import FactoryError, ensure_font
from juesuan.factory.spec import TEMPLATES, Defect, ManifestEntry, ReportSpec, SpecRow, SpecTable


def render_report(spec: ReportSpec, path: Path) -> int:
    """Draw one report spec to `path`; returns the page count."""
    pages, _ = render_document(spec, Path(path))
    return pages


__all__ = [
    "DEFAULT_DEFECT_RATE",
    "DEFAULT_SEED",
    "DEFECT_KINDS",
    "PROSE_DEFECT_KINDS",
    "TEMPLATES",
    "Defect",
    "FactoryError",
    "ManifestEntry",
    "ReportSpec",
    "SpecRow",
    "SpecTable",
    "ensure_font",
    "format_for",
    "generate_corpus",
    "plan_corpus",
    "render_from_gold",
    "render_report",
    "seed_repeats_from_findings",
]
