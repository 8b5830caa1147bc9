"""The 三公 items as both families read them (`three_public.yaml`): one matcher for the 决算 and 预算 tables.

Why here: the final-account parser (`juesuan.parsing.tables`) and the budget vocabulary (`juesuan.budgets`) each
kept their own copy of these words; a spelling added to one was missing from the other.
"""

from __future__ import annotations

from collections.abc import Collection

from juesuan.keywords import KeywordError, check_reachable, keyword_list, pattern, word_list
from juesuan.keywords import labels as _read_labels

_FILE = "three_public"

#: Item → words, in the order tried (`vehicle` stands for the three vehicle measures).
ITEMS = keyword_list(_FILE, "items")
#: The whole vehicle item, any spelling (its match is removed before the parts are looked for).
VEHICLE_WHOLE = pattern(_FILE, "vehicle.whole")
VEHICLE_PARTS = keyword_list(_FILE, "vehicle.parts")
#: The 三公 proper (合计 and the items it sums, the vehicle total and its parts), in printed order.
CORE = word_list(_FILE, "core")
#: Header words of the 三公 total column, tried after the items.
TOTAL_WORDS = word_list(_FILE, "total")
#: Measure keys of each family's 三公 table.
FAMILY_ITEMS: dict[str, tuple[str, ...]] = {
    family: word_list(_FILE, f"families.{family}") for family in ("final_accounts", "budgets")
}


_LABELS = _read_labels(_FILE, "labels")
_BUDGET_LABELS = _read_labels(_FILE, "budget_labels")


def _check() -> None:
    """Every measure of a family labelled, every item matched one a family has (else a word would be dead), and
    no total word caught by an item first (the items are tried before the total)."""
    check_reachable((*ITEMS, ("total", TOTAL_WORDS)), f"{_FILE}.yaml: items, then total", "contains")
    measures = {key for keys in FAMILY_ITEMS.values() for key in keys}
    if not set(CORE) <= set(FAMILY_ITEMS["final_accounts"]) & set(FAMILY_ITEMS["budgets"]):
        raise KeywordError(f"{_FILE}.yaml: core has measures a family lacks")
    items = (
        {key for key, _ in ITEMS if key != "vehicle"} | {key for key, _ in VEHICLE_PARTS} | {"vehicle_total"}
    )
    for what, keys in (
        ("labels", measures - _LABELS.keys()),
        ("a family's measures (items, vehicle.parts)", items - measures),
        ("labels (budget_labels)", _BUDGET_LABELS.keys() - _LABELS.keys()),
    ):
        if keys:
            raise KeywordError(f"{_FILE}.yaml: {', '.join(sorted(keys))} missing from {what}")


_check()


def labels(family: str) -> tuple[tuple[str, str], ...]:
    """(measure key, Chinese label) of a family's 三公 table, in its order."""
    own = _BUDGET_LABELS if family == "budgets" else {}
    return tuple((key, own.get(key, _LABELS[key])) for key in FAMILY_ITEMS[family])


def item(text: str, allowed: Collection[str]) -> str | None:
    """The 三公 item `text` names among the measure keys `allowed` (overseas, vehicle_total, …), or None.

    `text` is a header path joined or a row label, whitespace and quotes removed. Totals are not items: the
    caller decides what a 合计 / 小计 / 总计 means in its table.
    """
    for key, words in ITEMS:
        if not any(w in text for w in words):
            continue
        if key != "vehicle":
            if key in allowed:
                return key
            continue
        if "vehicle_total" not in allowed:
            continue
        rest = VEHICLE_WHOLE.sub("", text)
        for part, part_words in VEHICLE_PARTS:
            if any(w in rest for w in part_words):
                return part
        return "vehicle_total"
    return None
