"""Money as printed: text → Decimal, unit scaling, and the rounding envelope.

Never through float. Reports print every value rounded to 0.01 of the table unit, so a sum of n printed terms
may miss its printed total by up to (n + 1) × half a unit of the last digit without any error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

UNIT_FACTORS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10000)}
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")

_AMOUNT_RE = re.compile(r"^[-−－]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class AmountError(ValueError):
    """The text is not a printed amount."""


def parse_amount(text: str) -> Decimal:
    """Parse a printed amount such as `2,082.85`, `0.00`, `-3.5`, `（12.30）` into a Decimal.

    Raises AmountError for anything that is not a number; callers decide whether blank means absent.
    """
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    negative = False
    if s.startswith(("(", "（")) and s.endswith((")", "）")):
        s, negative = s[1:-1], True
    if not s or not _AMOUNT_RE.match(s):
        raise AmountError(f"not an amount: {text!r}")
    if s[0] in "-−－":
        s, negative = s[1:], not negative
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - regex already guards
        raise AmountError(f"not an amount: {text!r}") from exc
    return -value if negative else value


def is_amount(text: str) -> bool:
    try:
        parse_amount(text)
    except AmountError:
        return False
    return True


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """Convert a printed value in `unit` (万元 or 元) to yuan, exact to the cent."""
    try:
        factor = UNIT_FACTORS[unit]
    except KeyError as exc:
        raise ValueError(f"unknown unit {unit!r}") from exc
    return (value * factor).quantize(CENT)


def rounding_tolerance(n_terms: int, unit: str = "万元") -> Decimal:
    """Largest difference between a printed total and the sum of `n_terms` printed parts explained by rounding.

    Each printed number is off by at most half a cent of its unit: (n + 1) × 0.005, in the table unit.
    """
    return (n_terms + 1) * HALF_CENT


def rounding_tolerance_yuan(n_terms: int, unit: str = "万元") -> Decimal:
    """The same envelope expressed in yuan (0.005 万元 = 50 元 per term)."""
    return (rounding_tolerance(n_terms, unit) * UNIT_FACTORS[unit]).quantize(CENT)
