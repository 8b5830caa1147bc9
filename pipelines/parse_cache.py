"""Parse outcomes and rule results cached by (document sha256, parser version), as JSON files.

Parsing a PDF is the expensive step of a night; its result depends only on the bytes (named by their sha256) and
on the parser's code (its PARSER_VERSION). Keying the cache by both makes a re-run over unchanged documents free
and a parser upgrade re-derive everything from the kept raw files, without Dagster's IO managers (an in-process
run keeps outputs in memory only). Three outcomes are kept apart on purpose: a report that was read, a document
that is not a final-accounts report (a budget, a scanned file, an HTML page named .pdf), and a parse failure.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from juesuan.model import Report, RuleResult

ParseStatus = Literal["parsed", "not_final_account", "parse_failed"]


@dataclass
class ParseOutcome:
    """What parsing one document produced; `report` only when `status == "parsed"`."""

    sha256: str
    parser_version: str
    status: ParseStatus
    code: str | None = None  # machine key of a rejection or failure, e.g. "budget_report", "exception"
    reason: str | None = None  # one line a person can act on
    report: Report | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "parser_version": self.parser_version,
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "report": self.report.to_dict() if self.report is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParseOutcome:
        return cls(
            sha256=data["sha256"],
            parser_version=data["parser_version"],
            status=data["status"],
            code=data.get("code"),
            reason=data.get("reason"),
            report=Report.from_dict(data["report"]) if data.get("report") else None,
        )


class ParseCache:
    """`<root>/parsed/<parser version>/<sha[:2]>/<sha>.json` and `<root>/checked/<parser version>/…` files."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, stage: str, sha256: str, parser_version: str) -> Path:
        return self.root / stage / _safe(parser_version) / sha256[:2] / f"{sha256}.json"

    # -- parse outcomes ----------------------------------------------------------------------------------------
    def has_outcome(self, sha256: str, parser_version: str) -> bool:
        return self._path("parsed", sha256, parser_version).exists()

    def get_outcome(self, sha256: str, parser_version: str) -> ParseOutcome | None:
        path = self._path("parsed", sha256, parser_version)
        if not path.exists():
            return None
        return ParseOutcome.from_json(json.loads(path.read_text(encoding="utf-8")))

    def put_outcome(self, outcome: ParseOutcome) -> Path:
        path = self._path("parsed", outcome.sha256, outcome.parser_version)
        _write_atomic(path, json.dumps(outcome.to_json(), ensure_ascii=False))
        return path

    # -- rule results ------------------------------------------------------------------------------------------
    def has_results(self, sha256: str, parser_version: str) -> bool:
        return self._path("checked", sha256, parser_version).exists()

    def get_results(self, sha256: str, parser_version: str) -> CheckOutcome | None:
        path = self._path("checked", sha256, parser_version)
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return CheckOutcome(
            results=[_rule_result_from_json(r) for r in data["results"]],
            check_error=data.get("check_error"),
            catalogue_version=data.get("catalogue_version"),
        )

    def put_results(
        self,
        sha256: str,
        parser_version: str,
        results: list[RuleResult],
        check_error: str | None = None,
        catalogue_version: str | None = None,
    ) -> Path:
        """Keep a report's rule results with the rule catalogue version they were computed with."""
        path = self._path("checked", sha256, parser_version)
        data = {
            "results": [_rule_result_to_json(r) for r in results],
            "check_error": check_error,
            "catalogue_version": catalogue_version,
        }
        _write_atomic(path, json.dumps(data, ensure_ascii=False))
        return path


@dataclass
class CheckOutcome:
    """A report's rule results, or why the rules could not run on it (then the report is unverified)."""

    results: list[RuleResult]
    check_error: str | None = None
    #: expectations.catalogue_version() of the rules that produced `results` (None: cached before it was kept)
    catalogue_version: str | None = None


_DECIMAL_FIELDS = ("expected", "actual", "difference", "tolerance")
_RULE_RESULT_FIELDS = fields(RuleResult)


def _rule_result_to_json(r: RuleResult) -> dict[str, Any]:
    # the fields are flat values: a shallow copy (dataclasses.asdict deep-copies each one, 10x slower)
    data = {f.name: getattr(r, f.name) for f in _RULE_RESULT_FIELDS}
    for k in _DECIMAL_FIELDS:
        if data[k] is not None:
            data[k] = str(data[k])
    return data


def _rule_result_from_json(data: dict[str, Any]) -> RuleResult:
    data = dict(data)
    for k in _DECIMAL_FIELDS:
        if data.get(k) is not None:
            data[k] = Decimal(data[k])
    return RuleResult(**data)


def _safe(version: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-+" else "_" for ch in version) or "unversioned"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = ""
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
