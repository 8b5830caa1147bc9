from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expectations.engine import tolerance_of
from juesuan.amounts import AmountError, parse_amount, rounding_tolerance, to_yuan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,082.85", Decimal("2082.85")),
        ("19,572.91", Decimal("19572.91")),
        ("0.00", Decimal("0.00")),
        ("0", Decimal("0")),
        ("-3.50", Decimal("-3.50")),
        ("（12.30）", Decimal("-12.30")),
        (" 463.48 ", Decimal("463.48")),
    ],
)
def test_parse_amount_reads_printed_amounts_exactly(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "行次", "1,23.4", "12.3.4", "73.97%", "2020年"])
def test_parse_amount_refuses_non_amounts(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_amount_roundtrip_through_text_is_exact(cents: int) -> None:
    value = Decimal(cents) / 100
    printed = f"{value:,.2f}"
    assert parse_amount(printed) == value
    assert to_yuan(parse_amount(printed), "万元") == value * 10000


@given(st.lists(st.integers(min_value=51, max_value=10**10), min_size=2, max_size=30))
def test_rounding_envelope_covers_independent_rounding(yuan_parts: list[int]) -> None:
    """Printing n ≥ 2 parts and their total rounded to 0.01 万元 never misses by more than the engine's own envelope
    (`tolerance_of`, what every sum rule is judged by: (n + 1) × 50 元 for n nonzero printed terms)."""
    wan = [Decimal(p) / 10000 for p in yuan_parts]
    printed_parts = [w.quantize(Decimal("0.01")) for w in wan]
    printed_total = sum(wan, Decimal(0)).quantize(Decimal("0.01"))
    diff_yuan = abs(printed_total - sum(printed_parts, Decimal(0))) * 10000
    assert diff_yuan <= tolerance_of({"n_terms": len(yuan_parts), "unit_factor": 10000})
    assert (
        tolerance_of({"n_terms": len(yuan_parts), "unit_factor": 10000})
        == rounding_tolerance(len(yuan_parts)) * 10000
    )
