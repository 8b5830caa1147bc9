"""The rule catalogue: one YAML file per rule under `expectations/rules/`, loaded into `Rule` objects.

Rules are data so an auditor can read (and a reviewer can diff) exactly what is checked. Each rule's SQL runs
against the relations of `expectations.relations` and returns one row per compared location with the columns
of `RESULT_COLUMNS`; the engine, not the SQL, decides pass / rounding note / fail from the rounding envelope.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

RULES_DIR = Path(__file__).resolve().parent / "rules"
#: Environment variable naming another rules folder (a reviewed catalogue change tried before it is merged, tests).
RULES_DIR_ENV = "JUESUAN_RULES_DIR"

Severity = Literal["error", "warning"]
Scope = Literal["table", "cross_table", "narrative", "document"]
#: equal: |actual - expected| within the envelope; at_least: actual >= expected (inclusion);
#: violation: every returned row is a finding.
Compare = Literal["equal", "at_least", "violation"]

#: Columns every rule's SQL returns, in this order. expected/actual are in yuan for amounts (percent points for
#: percentages); n_terms and unit_factor (1 for 元, 10000 for 万元: the coarsest unit compared) give the rounding
#: envelope (n_terms + 1) × 0.005 × unit_factor; a non-null `tolerance` overrides it for that row.
RESULT_COLUMNS = (
    "table_kind",
    "subject_code",
    "line_item",
    "measure",
    "expected",
    "actual",
    "n_terms",
    "unit_factor",
    "tolerance",
    "message",
)

_SEVERITIES = {"error", "warning"}
_SCOPES = {"table", "cross_table", "narrative", "document"}
_COMPARES = {"equal", "at_least", "violation"}


class CatalogueError(ValueError):
    """A rule file is malformed: the catalogue refuses to load rather than silently skip a check."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    scope: Scope
    applies_to: tuple[str, ...]  # table kinds the rule reads; any of them absent → not_applicable
    description: str
    identity: str  # the Chinese identity as an auditor would write it
    sql: str
    compare: Compare = "equal"
    #: fixed tolerance in the compared unit (percent rules); None → the rounding envelope
    tolerance: Decimal | None = None
    #: read narrative facts (not_applicable when the report has none)
    needs_narrative: bool = False
    #: "all": every table of applies_to is needed; "any": runs on those present (SQL filters on status)
    applies_when: Literal["all", "any"] = "all"
    #: what a returned row means for `violation` rules: the report is wrong ("fail") or the parser could not
    #: read what the rule needs ("parse_error": never reported as the report's own error)
    finding_outcome: Literal["fail", "parse_error"] = "fail"
    #: judges the parsed document itself (not_applicable on reports built from gold/truth CSVs, which cannot
    #: show empty or missing tables)
    needs_document: bool = False
    #: still applies when a required table is printed empty (the emptiness rule)
    allow_empty: bool = False
    #: the document family the rule checks: final_account (default) or budget; the engine runs a rule only on
    #: reports of its kind (a 决算 identity says nothing about a 预算 and the reverse)
    document_kind: Literal["final_account", "budget"] = "final_account"
    path: Path | None = field(default=None, compare=False)


def _rule_from_file(path: Path) -> Rule:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a mapping")
    missing = [
        k for k in ("id", "title", "severity", "scope", "applies_to", "description", "sql") if k not in data
    ]
    if missing:
        raise CatalogueError(f"{path.name}: missing {', '.join(missing)}")
    if data["id"] != path.stem:
        raise CatalogueError(f"{path.name}: id {data['id']!r} must equal the file name")
    if data["severity"] not in _SEVERITIES:
        raise CatalogueError(f"{path.name}: severity must be one of {sorted(_SEVERITIES)}")
    if data["scope"] not in _SCOPES:
        raise CatalogueError(f"{path.name}: scope must be one of {sorted(_SCOPES)}")
    compare = data.get("compare", "equal")
    if compare not in _COMPARES:
        raise CatalogueError(f"{path.name}: compare must be one of {sorted(_COMPARES)}")
    tol = data.get("tolerance")
    applies_when = data.get("applies_when", "all")
    finding_outcome = data.get("finding_outcome", "fail")
    if finding_outcome not in ("fail", "parse_error") or (
        finding_outcome != "fail" and compare != "violation"
    ):
        raise CatalogueError(f"{path.name}: finding_outcome parse_error needs compare: violation")
    if applies_when not in ("all", "any"):
        raise CatalogueError(f"{path.name}: applies_when must be all or any")
    document_kind = data.get("document_kind", "final_account")
    if document_kind not in ("final_account", "budget"):
        raise CatalogueError(f"{path.name}: document_kind must be final_account or budget")
    return Rule(
        id=data["id"],
        title=data["title"],
        severity=data["severity"],
        scope=data["scope"],
        applies_to=tuple(data["applies_to"] or ()),
        description=" ".join(str(data["description"]).split()),
        identity=str(data.get("identity", "")).strip(),
        sql=str(data["sql"]).strip().rstrip(";"),
        compare=compare,
        tolerance=Decimal(str(tol)) if tol is not None else None,
        needs_narrative=bool(data.get("needs_narrative", False)),
        allow_empty=bool(data.get("allow_empty", False)),
        applies_when=applies_when,
        finding_outcome=finding_outcome,
        needs_document=bool(data.get("needs_document", False)),
        document_kind=document_kind,
        path=path,
    )


@cache
def _load(rules_dir: Path) -> tuple[Rule, ...]:
    rules = tuple(_rule_from_file(p) for p in sorted(rules_dir.glob("*.yaml")))
    if not rules:
        raise CatalogueError(f"no rules in {rules_dir}")
    return rules


def active_rules_dir() -> Path:
    """The catalogue folder in force: `$JUESUAN_RULES_DIR` when set, else the project's `expectations/rules`."""
    env = os.environ.get(RULES_DIR_ENV)
    return Path(env).resolve() if env else RULES_DIR


def load_catalogue(rules_dir: Path | None = None) -> list[Rule]:
    """Every rule of the catalogue, sorted by id."""
    return list(_load(Path(rules_dir).resolve() if rules_dir else active_rules_dir()))


def catalogue_version(rules_dir: Path | None = None) -> str:
    """A short hash of every rule file's bytes (sorted by id): adding, removing or editing a rule changes it.

    The warehouse records it with each document's rule results so `juesuan recheck` (and the Dagster sensor) can
    re-check exactly the documents judged by an older catalogue. Read fresh each call: files can change under a
    long-lived process.
    """
    folder = Path(rules_dir).resolve() if rules_dir else active_rules_dir()
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml"), key=lambda p: p.stem):
        h.update(path.stem.encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:12]
