"""Keyword lists as data: the words the parsers look for in column headers, row labels and titles.

The lists live in YAML files beside this module (installed as package data), one source for the final-account (决算)
and budget (预算) families: `three_public.yaml` names the 三公 items and `columns.yaml` the column-role words for both,
`final_accounts.yaml` and `budgets.yaml` each family's own title, header and line-item words. A keyword list is an
ordered mapping from the key the parser emits to the words that select it; the first key whose word is found wins.
Titles are read by ordered rules ({kind, all, any, none, pattern}). Each list is checked when it is loaded (once
per process), so a malformed file stops the import with a reason instead of silently changing what a table reads:
every word a non-empty string without whitespace or quotes (the parsers match text with both removed), no key
twice, no word under two keys, no word that an earlier key's word already catches (it could never match), no rule
without words or with a word both required and excluded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import yaml

#: (key, words) in the order they are tried.
KeywordList = tuple[tuple[str, tuple[str, ...]], ...]
#: how a list's words are found in the text: anywhere in it, at its start, or as the whole text
Match = Literal["contains", "prefix", "exact"]

#: Characters the parsers remove before matching (`juesuan.parsing.tables.norm`): a word holding one never matches.
_UNMATCHABLE = re.compile(r"[\s“”\"'‘’「」『』]")


class KeywordError(ValueError):
    """A keyword file or list that is malformed: the parser would read tables differently than it says."""


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml when built
    """YAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one silently)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise KeywordError(f"key {key!r} given twice (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return dict(loader.construct_pairs(node, deep=True))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def parse(text: str, source: str = "<text>") -> dict[str, object]:
    """A keyword file's content (top-level mapping of list names), duplicate keys refused."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except KeywordError as exc:
        raise KeywordError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise KeywordError(f"{source}: not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise KeywordError(f"{source}: expected a mapping of keyword lists, got {type(data).__name__}")
    return data


@functools.cache
def load(name: str) -> dict[str, object]:
    """The keyword file `juesuan/keywords/<name>.yaml`, read once."""
    path = resources.files(__name__) / f"{name}.yaml"
    return parse(path.read_text(encoding="utf-8"), f"{name}.yaml")


def words(raw: object, where: str) -> tuple[str, ...]:
    """A plain list of words (a set tried without keys), checked like the words of a keyword list."""
    if not isinstance(raw, list) or not raw:
        raise KeywordError(f"{where}: expected a non-empty list of words, got {raw!r}")
    out: list[str] = []
    for w in raw:
        if not isinstance(w, str) or not w:
            raise KeywordError(f"{where}: {w!r} is not a word (a non-empty string)")
        if _UNMATCHABLE.search(w):
            raise KeywordError(f"{where}: {w!r} holds whitespace or a quote, which the parsers remove first")
        if w in out:
            raise KeywordError(f"{where}: {w!r} listed twice")
        out.append(w)
    return tuple(out)


def check(raw: object, where: str, match: Match = "contains") -> KeywordList:
    """A keyword list from its YAML mapping, refused when malformed or when a word can never match."""
    if not isinstance(raw, dict) or not raw:
        raise KeywordError(f"{where}: expected a non-empty mapping of key → words, got {raw!r}")
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, ws in raw.items():
        if not isinstance(key, str) or not key:
            raise KeywordError(f"{where}: key {key!r} is not a non-empty string")
        out.append((key, words(ws, f"{where}.{key}")))
    check_reachable(out, where, match)
    return tuple(out)


def check_reachable(
    entries: Iterable[tuple[str, tuple[str, ...]]], where: str, match: Match = "contains"
) -> None:
    """No word under two keys, none caught first by an earlier key's word (contained in it, or its prefix)."""
    earlier: list[tuple[str, str]] = []
    for key, ws in entries:
        for w in ws:
            for k0, w0 in earlier:
                caught = w.startswith(w0) if match == "prefix" else w == w0 if match == "exact" else w0 in w
                if caught and k0 != key:
                    raise KeywordError(
                        f"{where}: {w!r} under {key!r} can never match: {w0!r} under the earlier {k0!r} "
                        f"{dict(prefix='begins', exact='is').get(match, 'is found in')} it first"
                    )
        earlier += [(key, w) for w in ws]


#: Every (file, entry) the code has read through `entry`, so the tests can find entries no code reads.
READ: set[tuple[str, str]] = set()


def entry(name: str, path: str) -> object:
    """The raw entry `path` of file `name` (a dotted path goes into nested mappings)."""
    raw: object = load(name)
    for part in path.split("."):
        if not isinstance(raw, dict) or part not in raw:
            raise KeywordError(f"{name}.yaml: no entry {path!r}")
        raw = raw[part]
    READ.add((name, path))
    return raw


def keyword_list(name: str, path: str, match: Match = "contains") -> KeywordList:
    """The checked keyword list at `path` of file `name`."""
    return check(entry(name, path), f"{name}.yaml: {path}", match)


def keyword_lists(name: str, path: str, match: Match = "contains") -> dict[str, KeywordList]:
    """The checked keyword lists under the mapping at `path` of file `name`, by their names."""
    raw = entry(name, path)
    if not isinstance(raw, dict) or not raw:
        raise KeywordError(f"{name}.yaml: {path}: expected a mapping of keyword lists")
    return {str(key): keyword_list(name, f"{path}.{key}", match) for key in raw}


def word_list(name: str, path: str) -> tuple[str, ...]:
    """The checked plain word list at `path` of file `name`."""
    return words(entry(name, path), f"{name}.yaml: {path}")


def labels(name: str, path: str) -> dict[str, str]:
    """A mapping of keys to Chinese labels at `path` of file `name`."""
    raw = entry(name, path)
    if not isinstance(raw, dict) or not raw:
        raise KeywordError(f"{name}.yaml: {path}: expected a mapping of key → label")
    for key, label in raw.items():
        if not isinstance(key, str) or not isinstance(label, str) or not label:
            raise KeywordError(f"{name}.yaml: {path}: {key!r}: {label!r} is not a label")
    return dict(raw)


def pattern(name: str, path: str) -> re.Pattern[str]:
    """A regular expression at `path` of file `name`."""
    raw = entry(name, path)
    if not isinstance(raw, str) or not raw:
        raise KeywordError(f"{name}.yaml: {path}: expected a regular expression, got {raw!r}")
    try:
        return re.compile(raw)
    except re.error as exc:
        raise KeywordError(f"{name}.yaml: {path}: {raw!r} is not a regular expression ({exc})") from None


@dataclass(frozen=True)
class Rule:
    """A title rule: `kind` when every `all` word, one `any` word (if listed), no `none` word and `pattern`
    (if given) are found in the title."""

    kind: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    def matches(self, text: str) -> bool:
        # plain loops, not all()/any() over generators: every title line is tried against the rules
        for w in self.all:
            if w not in text:
                return False
        if self.any:
            for w in self.any:
                if w in text:
                    break
            else:
                return False
        for w in self.none:
            if w in text:
                return False
        return self.pattern is None or self.pattern.search(text) is not None


_RULE_FIELDS = {"kind", "all", "any", "none", "pattern"}


def rules(name: str, path: str) -> tuple[Rule, ...]:
    """The checked rules at `path` of file `name` (a list of {kind, all, any, none, pattern}), in order."""
    raw = entry(name, path)
    where = f"{name}.yaml: {path}"
    if not isinstance(raw, list) or not raw:
        raise KeywordError(f"{where}: expected a non-empty list of rules")
    out: list[Rule] = []
    for i, r in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("kind"), str) or not r["kind"]:
            raise KeywordError(f"{at}: a rule is a mapping with a kind, got {r!r}")
        if unknown := set(r) - _RULE_FIELDS:
            raise KeywordError(f"{at}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        if not {"all", "any", "pattern"} & set(r):
            raise KeywordError(
                f"{at}: a rule needs words (all / any) or a pattern, else it takes every title"
            )
        pattern = None
        if "pattern" in r:
            if not isinstance(r["pattern"], str) or not r["pattern"]:
                raise KeywordError(f"{at}: pattern {r['pattern']!r} is not a regular expression")
            try:
                pattern = re.compile(r["pattern"])
            except re.error as exc:
                raise KeywordError(f"{at}: {r['pattern']!r} is not a regular expression ({exc})") from None
        rule = Rule(
            r["kind"], *(words(r[f], f"{at}.{f}") if f in r else () for f in ("all", "any", "none")), pattern
        )
        if set(rule.none) & (set(rule.all) | set(rule.any)):
            raise KeywordError(f"{at}: a word both required and excluded: the rule never holds")
        out.append(rule)
    return tuple(out)


def first_rule(rules: tuple[Rule, ...], text: str) -> str | None:
    """The kind of the first rule `text` matches."""
    for rule in rules:
        if rule.matches(text):
            return rule.kind
    return None


def alternation(ws: Iterable[str]) -> str:
    """A regular expression matching any of the words (each taken literally)."""
    return "(?:" + "|".join(map(re.escape, ws)) + ")"


def first_key(entries: KeywordList, text: str) -> str | None:
    """The first key one of whose words is in `text`."""
    for key, ws in entries:
        if any(w in text for w in ws):
            return key
    return None
