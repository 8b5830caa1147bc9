"""Keyword lists as data (juesuan/keywords/*.yaml): well formed, all read, and one 三公 reading for both families."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import yaml

import juesuan.budgets.vocabulary as budget_vocabulary
import juesuan.parsing.tables as tables
from juesuan import keywords
from juesuan.keywords import KeywordError, three_public
from juesuan.vocabulary import TABLE_KINDS

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p.name.removesuffix(".yaml")
    for p in resources.files("juesuan.keywords").iterdir()
    if p.name.endswith(".yaml")
)


def _unread(name: str, node: object, path: str = "") -> list[str]:
    if path and (name, path) in keywords.READ:
        return []
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in _unread(name, v, f"{path}.{k}" if path else str(k))]
    return [path]


@pytest.mark.parametrize("name", FILES)
def test_every_entry_of_a_keyword_file_is_read_by_the_parsers(name: str) -> None:
    """An entry no code reads is a list someone edits in vain (the parsers imported above read them all)."""
    assert _unread(name, keywords.load(name)) == []


@pytest.mark.parametrize("name", FILES)
def test_a_keyword_file_reads_the_same_with_and_without_libyaml(name: str) -> None:
    """The files are read with libyaml where PyYAML has it, which accepts some unquoted text (a pattern's ?) that
    the pure-Python parser refuses: a file must mean the same to both, or it breaks on a machine without it."""
    text = (resources.files("juesuan.keywords") / f"{name}.yaml").read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    assert keywords.load(name) == pure
    if hasattr(yaml, "CSafeLoader"):
        assert yaml.load(text, Loader=yaml.CSafeLoader) == pure


def test_the_keyword_files_are_package_data() -> None:
    """pyproject's package-data ships *.yaml of every package, so a wheel and `pip install -e .` both get them."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.yaml" in data["tool"]["setuptools"]["package-data"]["*"]
    assert any(p.startswith("juesuan") for p in data["tool"]["setuptools"]["packages"]["find"]["include"])
    assert FILES and "three_public" in FILES


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a:\n  x: [甲]\n  x: [乙]\n", "given twice"),
        ("a:\n  x: []\n", "non-empty list"),
        ("a:\n  x: 甲\n", "non-empty list"),
        ("a:\n  x: [甲 乙]\n", "whitespace"),
        ("a:\n  x: [“甲”]\n", "quote"),
        ("a:\n  x: [甲, 甲]\n", "listed twice"),
        ("a:\n  x: [甲]\n  y: [甲]\n", "can never match"),
        ("a:\n  x: [收入]\n  y: [事业收入]\n", "can never match"),
        ("a:\n  x: [1]\n", "not a word"),
        ("- x\n", "expected a mapping"),
    ],
)
def test_a_malformed_list_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(KeywordError, match=reason):
        keywords.check(keywords.parse(text)["a"], "a")


def test_a_longer_word_after_a_shorter_one_of_its_own_key_is_allowed_and_order_matters() -> None:
    """本年收入合计 beside 收入合计 under one key is harmless; 事业收入 before 收入 is the specific-first order."""
    assert keywords.check({"total": ["收入合计", "本年收入合计"]}, "a") == (
        ("total", ("收入合计", "本年收入合计")),
    )
    entries = keywords.check({"business": ["事业收入"], "income": ["收入"]}, "a")
    assert keywords.first_key(entries, "事业收入") == "business"
    assert keywords.first_key(entries, "其他收入") == "income"


def test_exact_lists_refuse_only_a_label_under_two_keys() -> None:
    """A list of whole labels (本年收入 / 本年财政拨款收入) has no order to shadow: only a label twice is wrong."""
    keywords.check({"income.subtotal": ["本年收入"], "income.fiscal": ["本年收入合计"]}, "a", match="exact")
    with pytest.raises(KeywordError, match="can never match"):
        keywords.check({"income.subtotal": ["财政拨款"], "income.fiscal": ["财政拨款"]}, "a", match="exact")


def test_prefix_lists_check_prefixes_only() -> None:
    """A list matched by prefix (a fund group's name starting the label) only shadows a word it begins."""
    keywords.check({"a": ["财政专户"], "b": ["专户管理资金"]}, "a", match="prefix")
    with pytest.raises(KeywordError, match="begins"):
        keywords.check({"a": ["一般公共预算"], "b": ["一般公共预算资金"]}, "a", match="prefix")


# ---- 三公: one list, both families --------------------------------------------------------------------------

_FINAL = frozenset(three_public.FAMILY_ITEMS["final_accounts"])
_BUDGET = frozenset(three_public.FAMILY_ITEMS["budgets"])
_TOTALS = ("total", "total_all")


@pytest.mark.parametrize("family", ["final_accounts", "budgets"])
def test_each_three_public_label_reads_back_as_its_own_item(family: str) -> None:
    allowed = frozenset(three_public.FAMILY_ITEMS[family])
    for key, label in three_public.labels(family):
        if key not in _TOTALS:
            assert three_public.item(label, allowed) == key, label


def test_the_families_label_their_three_public_measures_from_the_one_file() -> None:
    final = dict(TABLE_KINDS["three_public"].measures)
    budget = dict(budget_vocabulary.BUDGET_TABLE_KINDS["three_public"].measures)
    for key, label in three_public.labels("final_accounts"):
        assert final[f"actual.{key}"] == f"决算数{label}"
    for key, label in three_public.labels("budgets"):
        assert budget[f"prior.{key}"] == f"上年预算数{label}"
    assert final["actual.vehicle_operation"] == "决算数公务用车运行（维护）费"
    assert budget["budget.vehicle_operation"] == "本年预算数公务用车运行费"


def _narrative_spellings() -> dict[str, set[str]]:
    """The 三公 item spellings the narrative checks know (expectations/narrative_labels.yaml), by item."""
    data = yaml.safe_load((ROOT / "expectations" / "narrative_labels.yaml").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for entry in data["labels"]:
        if entry["table_kind"] == "three_public":
            out.setdefault(entry["measure"].split(".", 1)[1], set()).update(entry["labels"])
    return out


# spellings printed in 三公 headers and row labels beyond the canonical labels
_PRINTED = {
    "overseas": {"因公出国(境)费", "因公出国（境）费用"},
    "vehicle_total": {
        "公务用车购置及运行维护费",
        "公务用车购置及运行（维护）费",
        "公务用车购置及运行费",
        "公务用车购置及运行支出",
    },
    "vehicle_purchase": {"公务用车购置费", "购置费"},
    "vehicle_operation": {"公务用车运行维护费", "公务用车运行（维护）费", "公务用车运行费", "运行维护费"},
    "reception": {"公务接待费"},
}


def _spellings() -> list[tuple[str, str]]:
    narrative = _narrative_spellings()
    return sorted((key, s) for key, printed in _PRINTED.items() for s in printed | narrative.get(key, set()))


@pytest.mark.parametrize(("key", "spelling"), _spellings())
def test_every_three_public_reader_names_a_spelling_the_same_item(key: str, spelling: str) -> None:
    """The final-account header, the budget header, the 深圳 item × fund header and the 广州 row label all read
    a 三公 spelling (the narrative checks' and the printed ones) as the same item; a part printed under its
    whole (公务用车购置及运行费 / 购置费) too."""
    path = ["公务用车购置及运行费", spelling] if spelling.startswith(("购置", "运行")) else [spelling]
    assert tables._measure("three_public", ["决算数", *path], None) == f"actual.{key}"
    assert budget_vocabulary.measure("three_public", path, None) == f"budget.{key}"
    assert (
        budget_vocabulary.measure("three_public_funds", [*path, "一般公共预算"], None)
        == f"{key}.general_budget"
    )
    if len(path) == 1:
        state = tables._PanelState()
        assert (
            budget_vocabulary.line_item("three_public_funds", None, spelling, state) == f"three_public.{key}"
        )


def test_three_public_totals_and_the_items_beside_the_three() -> None:
    assert tables._measure("three_public", ["决算数", "合计"], None) == "actual.total"
    assert tables._measure("three_public", ["预算数", "“三公”经费"], None) == "budget.total"
    assert tables._measure("three_public", ["决算数", "会议费"], None) == "actual.meeting"
    # 机关运行经费 is a budget column only: the final accounts' 三公 table has no measure for it
    assert tables._measure("three_public", ["决算数", "机关运行经费"], None) is None
    assert budget_vocabulary.measure("three_public", ["机关运行经费"], None) == "budget.admin_operation"
    assert budget_vocabulary.measure("three_public_meetings", ["上年", "合计"], None) == "prior.total_all"
    assert (
        budget_vocabulary.measure("three_public_meetings", ["上年", "三公经费", "小计"], None)
        == "prior.total"
    )
    state = tables._PanelState()
    assert (
        budget_vocabulary.line_item("three_public_funds", None, "行政经费", state)
        == "three_public.admin_expenses"
    )
    assert (
        budget_vocabulary.line_item("three_public_funds", None, "“三公”经费", state) == "three_public.total"
    )
    assert budget_vocabulary.line_item("three_public_funds", None, "会议费", state) is None


def test_the_three_public_total_words_are_tried_after_the_items_and_none_is_dead() -> None:
    """The 三公 total (合计 / 小计 / “三公”经费) is read after the items: a total word holding an item word is dead."""
    keywords.check_reachable((*three_public.ITEMS, ("total", three_public.TOTAL_WORDS)), "three_public")
    with pytest.raises(KeywordError, match="can never match"):
        keywords.check_reachable((*three_public.ITEMS, ("total", ("出国合计",))), "three_public")


# ---- title rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a:\n  - {all: [表]}\n", "with a kind"),
        ("a:\n  - {kind: x}\n", "needs words"),
        ("a:\n  - {kind: x, none: [表]}\n", "needs words"),
        ("a:\n  - {kind: x, all: [三公], words: [表]}\n", "unknown field"),
        ("a:\n  - {kind: x, all: [三公], none: [三公]}\n", "never holds"),
        ("a:\n  - {kind: x, pattern: '收(入'}\n", "not a regular expression"),
        ("a:\n  - {kind: x, all: [三公\n", "not YAML"),
        ("a: []\n", "non-empty list of rules"),
    ],
)
def test_a_malformed_title_rule_is_refused_with_its_reason(text: str, reason: str, monkeypatch) -> None:
    monkeypatch.setattr(keywords, "load", lambda name: keywords.parse(text, "t.yaml"))
    with pytest.raises(KeywordError, match=reason):
        keywords.rules("t", "a")


def test_title_rules_hold_on_all_any_none_and_pattern_and_the_first_wins() -> None:
    rules = (
        keywords.Rule("three_public_meetings", all=("三公",), any=("会议费", "培训费")),
        keywords.Rule("three_public", all=("三公",), none=("决算",)),
        keywords.Rule("summary", pattern=re.compile(r"收支(?:预算)?总表")),
    )
    assert keywords.first_rule(rules, "三公经费及会议费预算表") == "three_public_meetings"
    assert keywords.first_rule(rules, "三公经费预算表") == "three_public"
    assert keywords.first_rule(rules, "三公经费决算表") is None
    assert keywords.first_rule(rules, "部门收支预算总表") == "summary"


def test_every_canonical_title_reads_back_as_its_table() -> None:
    """The title rules (final_accounts.yaml, budgets.yaml) and each family's canonical titles agree."""
    for key, kind in TABLE_KINDS.items():
        assert tables.classify_title(kind.title) == key, kind.title
    for key, kind in budget_vocabulary.BUDGET_TABLE_KINDS.items():
        found = budget_vocabulary.classify_title(kind.title), budget_vocabulary.extra_table_kind(kind.title)
        assert key in found, (kind.title, found)


def _overlaps(groups: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str, str]]:
    """(group, word, other group, its word) where one word is found in the other's (a text holding the longer
    one holds both, and the two groups would claim it)."""
    return [
        (g1, w1, g2, w2)
        for g1, ws1 in groups.items()
        for g2, ws2 in groups.items()
        if g1 != g2
        for w1 in ws1
        for w2 in ws2
        if w1 in w2
    ]


def test_lists_that_must_be_disjoint_share_no_word() -> None:
    """Column roles (行次 / 编码 / 名称), the 三公 items and the fund sources a 三公 table prints beside them: a word
    in two of them would give a column two roles, or a fund column an item."""
    columns = keywords.load("columns")
    roles = {
        "rowno": (*columns["rowno"]["leaf_contains"], *columns["rowno"]["leaf"]),
        "code": tuple(columns["code"]["path_contains"]),
        "label": (*columns["label"]["leaf_contains"], *columns["label"]["leaf_ends"]),
    }
    assert _overlaps(roles) == []
    items = {key: words for key, words in three_public.ITEMS}
    funds = {
        f"fund.{key}": words for key, words in keywords.keyword_list("budgets", "measures.three_public_funds")
    }
    assert _overlaps({**items, "total": three_public.TOTAL_WORDS, **funds}) == []
    assert _overlaps({"item": ("出国",), "fund": ("因公出国",)}) == [("item", "出国", "fund", "因公出国")]


def test_a_word_list_becomes_a_literal_alternation() -> None:
    """(本级) is a word, not a group: a unit row 某某中心(本级) ends in it, 某某本 does not."""
    unit = re.compile(keywords.alternation(["中心", "(本级)"]) + "$")
    assert unit.search("某某中心") and unit.search("某某(本级)") and not unit.search("某某本")
