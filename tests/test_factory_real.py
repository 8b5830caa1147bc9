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
