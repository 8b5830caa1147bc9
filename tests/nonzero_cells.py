"""The comparison every factory test makes: a report's nonzero cells against its truth file's, keyed alike."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from juesuan.model import Report, read_gold_csv

Key = tuple[str, str, str, str]


def nonzero_truth(truth_file: Path) -> dict[Key, Decimal]:
    """(table kind, subject code, line item, measure) → amount in yuan, for every nonzero truth cell."""
    return {
        (c.table_kind, c.subject_code, c.line_item, c.measure): c.amount_yuan
        for c in read_gold_csv(truth_file)
        if c.amount_yuan != 0
    }


def nonzero_cells(report: Report) -> dict[Key, Decimal]:
    """The same keys for every nonzero cell the parser read."""
    return {
        (t.kind, r.subject_code or "", r.line_item or "", c.measure): c.amount_yuan
        for t, r, c in report.iter_cells()
        if c.amount_yuan != 0
    }
