"""The real PDFs in ../shared/corpus/real and their gold files: every gold value is printed in the PDF's text
layer (with thousands separators, as these reports print). Fails loudly when the folder is missing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pdfplumber

from juesuan.model import read_gold_csv


def test_every_gold_value_is_in_the_real_pdf_text(real_reports: list[tuple[Path, Path]]) -> None:
    assert len(real_reports) >= 2
    for pdf_path, gold_path in real_reports:
        gold = read_gold_csv(gold_path)
        assert len(gold) > 100, f"{gold_path.name}: suspiciously few gold cells"
        with pdfplumber.open(pdf_path) as pdf:
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert "(cid:" not in text
        tokens = Counter(text.split())
        wanted = Counter(f"{(c.amount_yuan / Decimal(10000)).quantize(Decimal('0.01')):,.2f}" for c in gold)
        missing = {v: n for v, n in wanted.items() if tokens[v] < n}
        assert not missing, f"{pdf_path.name}: gold values not printed (value: times expected): {missing}"


REAL_TEMPLATES = {
    "putuo-finance-2024": ("shanghai2024", "上海市普陀区财政局"),
    "national-petition-bureau-2024": ("central2024", "国家信访局"),
}


def test_real_gold_rendered_in_its_template(real_reports: list[tuple[Path, Path]], tmp_path: Path) -> None:
    """The factory can redraw a real report's gold in that report's layout, with the same truth."""
    from juesuan.factory import format_for, render_from_gold

    done = 0
    for pdf_path, gold_path in real_reports:
        name = pdf_path.name.removesuffix(".pdf")
        if name not in REAL_TEMPLATES:
            continue
        template, department = REAL_TEMPLATES[name]
        out = tmp_path / f"{name}.pdf"
        spec = render_from_gold(
            gold_path, out, template=template, department=department, year=2024, headcount=None
        )
        gold = read_gold_csv(gold_path)
        assert Counter(read_gold_csv(spec.truth_csv().splitlines())) == Counter(gold)
        with pdfplumber.open(out) as pdf:
            tokens = Counter("\n".join(p.extract_text() or "" for p in pdf.pages).split())
        fmt = format_for(template)
        wanted = Counter(
            fmt((c.amount_yuan / Decimal(10000)).quantize(Decimal("0.01")), kind=c.table_kind) for c in gold
        )
        assert not {v: n for v, n in wanted.items() if tokens[v] < n}, name
        done += 1
    assert done == len(REAL_TEMPLATES)
