"""Check one report against the catalogue: applicability, DuckDB evaluation, the rounding envelope, GX.

Outcomes are kept distinct because they mean different things to an auditor:
- `pass` (exact, or `within_rounding` — a rounding note reported at warning level, never blocking),
- `fail` (the report's own arithmetic or narrative is wrong),
- `not_applicable` (a table the rule reads is legitimately absent or printed empty),
- `insufficient_data` (the rule's cells are missing),
- `parse_error` (the parser could not read a table the rule needs: the parser's failure, not the report's),
- `execution_error` (the rule itself could not run).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from expectations import gx_runner
from expectations.batch import DOC_COLUMN, load_batch_into, per_document_sql
from expectations.catalogue import RESULT_COLUMNS, Rule, load_catalogue
from expectations.gx_runner import DUCKDB_CONFIG, GxCheck, GxRuleOutcome, GxRun
from juesuan.amounts import HALF_CENT
from juesuan.model import Report, RuleResult

#: "gx": great-expectations judges every failure (the default: `juesuan check` and the pipeline);
#: "duckdb" (alias "python"): the DuckDB pass alone, for tests and benchmarks.
Runner = Literal["gx", "duckdb", "python"]

#: Columns of `results_frame` (what the warehouse loads), in order.
FRAME_COLUMNS = (
    "document_sha256",
    "rule_id",
    "severity",
    "outcome",
    "table_kind",
    "subject_code",
    "line_item",
    "measure",
    "expected",
    "actual",
    "difference",
    "tolerance",
    "message",
    "within_rounding",
)


@dataclass
class CheckRun:
    """Results of one report plus where GX wrote its Data Docs and what each stage cost."""

    results: list[RuleResult]
    data_docs_index: Path | None = None
    #: this report's share of the batch's time per stage (the batch's time / its reports)
    timings: dict[str, float] = field(default_factory=dict)
    #: what each stage cost the whole batch the report was checked in
    batch_timings: dict[str, float] = field(default_factory=dict)


def check_report(report: Report, rules: list[Rule] | None = None, runner: Runner = "gx") -> list[RuleResult]:
    """Every rule on `report`: one RuleResult per rule × compared location (or one per rule when none)."""
    return run_checks(report, rules=rules, runner=runner).results


def check_reports(
    reports: Sequence[Report], rules: list[Rule] | None = None, runner: Runner = "gx"
) -> list[list[RuleResult]]:
    """`check_report` on each of `reports`, checked as one batch (each rule planned and run once)."""
    return [run.results for run in run_checks_batch(reports, rules=rules, runner=runner)]


def run_checks(
    report: Report,
    rules: list[Rule] | None = None,
    runner: Runner = "gx",
    data_docs_dir: Path | None = None,
) -> CheckRun:
    """Check `report`; with runner="gx" GX decides every failure (and writes Data Docs to `data_docs_dir`)."""
    return run_checks_batch([report], rules=rules, runner=runner, data_docs_dir=data_docs_dir)[0]


def run_checks_batch(
    reports: Sequence[Report],
    rules: list[Rule] | None = None,
    runner: Runner = "gx",
    data_docs_dir: Path | None = None,
    run_name: str | None = None,
) -> list[CheckRun]:
    """Check every report of `reports` in one batch: one CheckRun per report, in order.

    The reports' relations go into one DuckDB database with the document as a column (`expectations.batch`);
    each rule runs once over the documents it applies to, first in DuckDB, then in GX (one validation and one
    checkpoint for the whole batch). The DuckDB pass always runs: it yields the compared rows behind passes and
    rounding notes, which GX (whose queries return only violating rows) does not; where the two disagree on a
    report's failures, an execution_error saying so is added beside that report's findings for the rule.
    A rule whose batch query fails runs per report, so one report's bad data cannot fail it for the others.
    """
    if runner not in ("gx", "duckdb", "python"):
        raise ValueError(f"unknown runner {runner!r}: use 'gx' or 'duckdb'")
    rules = rules if rules is not None else load_catalogue()
    shas = [r.source.sha256 if r.source else None for r in reports]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    results: list[list[RuleResult]] = [[] for _ in reports]
    runnable: dict[str, list[int]] = {}
    for i, report in enumerate(reports):
        for rule in rules:
            if not applies_to_kind(rule, report):  # budget rules on budgets, final-account rules on the rest
                continue
            gate, pre = _applicability(rule, report, shas[i])
            results[i].extend(pre)
            if gate:
                runnable.setdefault(rule.id, []).append(i)
    compared: dict[tuple[str, int], list[dict[str, Any]]] = {}
    sql_errors: dict[tuple[str, int], str] = {}
    gx_checks: list[GxCheck] = []
    gx_of: dict[tuple[str, int], int] = {}  # (rule, report) -> its GX check
    gx_run: GxRun | None = None
    gx_failure: str | None = None
    with tempfile.TemporaryDirectory(prefix="juesuan-check-") as tmp:
        # GX reads the relations through its own SQLAlchemy connection, so it needs them in a file; the plain
        # DuckDB pass keeps them in memory.
        db_path = Path(tmp) / "batch.duckdb"
        # Single-threaded like GX's connection (DUCKDB_CONFIG): both runs of a rule must return the same text.
        con = duckdb.connect(str(db_path) if runner == "gx" else ":memory:", config=dict(DUCKDB_CONFIG))
        try:
            load_batch_into(con, reports)
            timings["load"] = time.perf_counter() - t0
            for rule in rules:
                docs = tuple(runnable.get(rule.id, ()))
                if not docs:
                    continue
                try:
                    rows = _run_rule(con, rule, docs)
                except Exception as exc:
                    if len(docs) == 1:
                        sql_errors[(rule.id, docs[0])] = _one_line(f"{type(exc).__name__}: {exc}")
                        continue
                    # one report's data may break the rule: run it per report to keep the others checked
                    for doc in docs:
                        try:
                            compared[(rule.id, doc)] = _run_rule(con, rule, (doc,)).get(doc, [])
                        except Exception as exc1:
                            sql_errors[(rule.id, doc)] = _one_line(f"{type(exc1).__name__}: {exc1}")
                        else:
                            gx_of[(rule.id, doc)] = len(gx_checks)
                            gx_checks.append(GxCheck(rule, (doc,)))
                    continue
                for doc in docs:
                    compared[(rule.id, doc)] = rows.get(doc, [])
                    gx_of[(rule.id, doc)] = len(gx_checks)
                gx_checks.append(GxCheck(rule, docs))
        finally:
            # Closed before GX opens the file (read-only): DuckDB refuses a second configuration of an open file.
            con.close()
        timings["duckdb"] = time.perf_counter() - t0 - timings["load"]
        if runner == "gx" and gx_checks:
            t1 = time.perf_counter()
            name = run_name or f"batch_{_batch_id(shas)}"
            try:
                gx_run = gx_runner.run_suite(
                    db_path,
                    gx_checks,
                    run_name=name,
                    data_docs_dir=data_docs_dir,
                    documents=_checked(shas, [d for c in gx_checks for d in c.docs]),
                )
                # GX returns at most MAX_RESULT_RECORDS rows per expectation: a batch check with more is run
                # again per report, so that each report's violating rows can be compared with DuckDB's
                redo = [
                    (pos, doc)
                    for pos, (check, out) in enumerate(zip(gx_checks, gx_run.outcomes, strict=True))
                    if len(check.docs) > 1 and out.exception is None and not out.complete
                    for doc in check.docs
                ]
                if redo:
                    again = gx_runner.run_suite(
                        db_path,
                        [GxCheck(gx_checks[pos].rule, (doc,)) for pos, doc in redo],
                        run_name=name + PER_REPORT_SUFFIX,
                        data_docs_dir=data_docs_dir,
                        documents=_checked(shas, [doc for _pos, doc in redo]),
                    )
                    for (pos, doc), out in zip(redo, again.outcomes, strict=True):
                        gx_of[(gx_checks[pos].rule.id, doc)] = len(gx_checks)
                        gx_checks.append(GxCheck(gx_checks[pos].rule, (doc,)))
                        gx_run.outcomes.append(out)
            except Exception as exc:
                # GX itself could not run: no rule of the batch is judged by it; say so beside the findings
                gx_failure = f"GX could not run: {_one_line(f'{type(exc).__name__}: {exc}')}"
            timings["gx"] = time.perf_counter() - t1
    for rule in rules:
        for doc in runnable.get(rule.id, ()):
            sha = shas[doc]
            if (rule.id, doc) in sql_errors:
                results[doc].append(_single(rule, sha, "execution_error", sql_errors[(rule.id, doc)]))
                continue
            rule_results = _evaluate(rule, compared[(rule.id, doc)], sha)
            if gx_failure is not None:
                rule_results.append(_single(rule, sha, "execution_error", gx_failure))
            elif gx_run is not None:
                gx = gx_run.outcomes[gx_of[(rule.id, doc)]]
                rule_results = _reconcile_with_gx(rule, rule_results, gx, doc, sha)
            results[doc].extend(rule_results)
    timings["total"] = time.perf_counter() - t0
    docs_index = gx_run.data_docs_index if gx_run is not None else None
    share = {k: v / max(len(reports), 1) for k, v in timings.items()}
    return [
        CheckRun(results=res, data_docs_index=docs_index, timings=dict(share), batch_timings=dict(timings))
        for res in results
    ]


def _run_rule(con: duckdb.DuckDBPyConnection, rule: Rule, docs: tuple[int, ...]) -> dict[int, list[dict]]:
    """The rule's compared rows on each report of `docs` (one query for all), by report."""
    cur = con.execute(per_document_sql(rule.sql, docs))
    names = [d[0] for d in cur.description]
    missing = [c for c in RESULT_COLUMNS if c not in names]
    if missing:
        raise ValueError(f"rule SQL lacks columns {missing}")
    floats = [d[0] for d in cur.description if d[0] in _EXACT_COLUMNS and str(d[1]) in _FLOAT_TYPES]
    if floats:
        # DECIMAL / DECIMAL is DOUBLE in DuckDB: a rule compares money and rates exactly or not at all, or GX
        # (SQL) and this pass (Decimal) could judge a boundary row differently
        raise ValueError(f"rule SQL returns floating-point {floats}: compute them in DECIMAL")
    out: dict[int, list[dict[str, Any]]] = {}
    for row in cur.fetchall():
        record = dict(zip(names, row, strict=True))
        out.setdefault(record.pop(DOC_COLUMN), []).append(record)
    # rule SQL need not order its rows: a report's results must not depend on its batch
    for rows in out.values():
        rows.sort(key=lambda r: tuple((v is None, str(v)) for v in r.values()))
    return out


#: A batch's second GX run, per report, for the checks whose violating rows the first run capped: its run name is
#: the batch's with this suffix (the two runs together hold the batch's results).
PER_REPORT_SUFFIX = "_per_report"


def _checked(shas: Sequence[str | None], docs: Sequence[int]) -> list[str]:
    """The sha256s of the batch's documents `docs` (by position), each once, sorted."""
    return sorted({s for s in (shas[d] for d in docs) if s})


def _batch_id(shas: Sequence[str | None]) -> str:
    """A stable name for a batch of documents (its Data Docs page): a hash of their sha256s."""
    import hashlib

    return hashlib.sha256("|".join(s or "" for s in shas).encode()).hexdigest()[:16]


#: Result columns that are compared: exact numbers only.
_EXACT_COLUMNS = ("expected", "actual", "tolerance", "unit_factor")
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


# ---- applicability -------------------------------------------------------------------------------------


def applies_to_kind(rule: Rule, report: Report) -> bool:
    """A rule runs only on reports of its document kind (budget rules on budgets, the rest on final accounts)."""
    return rule.document_kind == ("budget" if report.kind == "budget" else "final_account")


def _applicability(rule: Rule, report: Report, sha: str | None) -> tuple[bool, list[RuleResult]]:
    """Whether the rule runs, and the results that stand for what it cannot check (parse_error, n/a)."""
    if not rule.applies_to:
        return _narrative_gate(rule, report, sha)
    states = {}
    for kind in rule.applies_to:
        table = report.tables.get(kind)
        if table is None or table.status == "absent":
            states[kind] = ("not_applicable", f"table {kind} is not in this report")
        elif table.status == "parse_error":
            states[kind] = ("parse_error", f"table {kind} could not be parsed; rule not evaluated on it")
        elif table.status == "empty" and not rule.allow_empty:
            states[kind] = ("not_applicable", f"table {kind} is printed empty ({table.note or 'no rows'})")
        else:
            states[kind] = None
    parse_errors = [
        _single(rule, sha, "parse_error", msg, table_kind=k)
        for k, st in states.items()
        if st is not None
        for outcome, msg in [st]
        if outcome == "parse_error"
    ]
    usable = [k for k, st in states.items() if st is None]
    if rule.applies_when == "any":
        if usable:
            run, pre = _narrative_gate(rule, report, sha)
            return run, parse_errors + pre
        if parse_errors:
            return False, parse_errors
        return False, [_single(rule, sha, "not_applicable", "none of its tables is in this report")]
    if parse_errors:
        return False, parse_errors
    for st in states.values():
        if st is not None:
            return False, [_single(rule, sha, *st)]
    return _narrative_gate(rule, report, sha)


def _narrative_gate(rule: Rule, report: Report, sha: str | None) -> tuple[bool, list[RuleResult]]:
    if rule.needs_document and report.source is None:
        return False, [_single(rule, sha, "not_applicable", "the report was not read from a document")]
    if rule.needs_narrative and not report.narrative:
        return False, [_single(rule, sha, "not_applicable", "the report has no narrative facts")]
    return True, []


def _single(
    rule: Rule, sha: str | None, outcome: str, message: str, table_kind: str | None = None
) -> RuleResult:
    severity = "error" if outcome == "parse_error" else rule.severity
    return RuleResult(
        rule_id=rule.id,
        table_kind=table_kind,
        severity=severity,  # type: ignore[arg-type]
        outcome=outcome,  # type: ignore[arg-type]
        message=message,
        document_sha256=sha,
    )


# ---- evaluation ----------------------------------------------------------------------------------------


def tolerance_of(row: dict[str, Any], rule: Rule | None = None) -> Decimal:
    """The row's own tolerance, else the rule's fixed one, else the rounding envelope: (n_terms + 1) × 0.005 of
    the coarsest unit, in yuan."""
    if row.get("tolerance") is not None:
        return Decimal(row["tolerance"])
    if rule is not None and rule.tolerance is not None:
        return rule.tolerance
    n = int(row.get("n_terms") or 0)
    factor = Decimal(row.get("unit_factor") or 10000)
    return (n + 1) * HALF_CENT * factor


def is_violation(rule: Rule, row: dict[str, Any]) -> bool:
    """The same predicate as `gx_runner.violation_predicate`, in Python."""
    if rule.compare == "violation":
        return True
    exp, act = row.get("expected"), row.get("actual")
    if exp is None or act is None:
        return False
    tol = tolerance_of(row, rule)
    if rule.compare == "at_least":
        return Decimal(act) < Decimal(exp) - tol
    return abs(Decimal(act) - Decimal(exp)) > tol


def _location_key(row: dict[str, Any]) -> tuple:
    return tuple(
        str(row.get(k) or "") for k in ("table_kind", "subject_code", "line_item", "measure", "message")
    )


def _evaluate(rule: Rule, rows: list[dict[str, Any]], sha: str | None) -> list[RuleResult]:
    if not rows:
        if rule.compare == "violation":
            return [_single(rule, sha, "pass", "no findings")]
        return [_single(rule, sha, "not_applicable", "nothing to compare in this report")]
    out = []
    for row in rows:
        exp = _dec(row.get("expected"))
        act = _dec(row.get("actual"))
        diff = act - exp if exp is not None and act is not None else None
        tol = tolerance_of(row, rule).quantize(Decimal("0.001")) if rule.compare != "violation" else None
        within = False
        severity = rule.severity
        if rule.compare == "violation":
            outcome = rule.finding_outcome
            if outcome == "parse_error":
                severity = "error"
        elif exp is None or act is None:
            outcome = "insufficient_data"
        elif is_violation(rule, row):
            outcome = "fail"
        else:
            outcome = "pass"
            exact = diff == 0 if rule.compare == "equal" else act >= exp
            if not exact:
                within = True
                severity = "warning"
        out.append(
            RuleResult(
                rule_id=rule.id,
                severity=severity,
                outcome=outcome,  # type: ignore[arg-type]
                table_kind=row.get("table_kind") or None,
                subject_code=row.get("subject_code") or None,
                line_item=row.get("line_item") or None,
                measure=row.get("measure") or None,
                expected=exp,
                actual=act,
                difference=diff,
                tolerance=tol,
                message=(row.get("message") or "") + (" (within rounding)" if within else ""),
                document_sha256=sha,
                within_rounding=within,
            )
        )
    return out


def _reconcile_with_gx(
    rule: Rule, results: list[RuleResult], gx: GxRuleOutcome, doc: int, sha: str | None
) -> list[RuleResult]:
    """GX is the judge of failure: its violating rows for report `doc` must be exactly the DuckDB pass's.

    Compared as multisets of (table, code, line, measure, message): the count always, every row when GX
    returned them all (its result rows are capped), else that each row GX returned is one of DuckDB's. A GX
    exception or a disagreement is one more result, an execution_error, beside the findings: never instead.
    """
    if gx.exception:
        return [*results, _single(rule, sha, "execution_error", f"GX: {_one_line(gx.exception)}")]
    fails = Counter(_location_key(_as_row(r)) for r in results if r.outcome in ("fail", "parse_error"))
    gx_rows = gx.rows_of(doc)
    gx_fails = Counter(_location_key(r) for r in gx_rows)
    n_fails = sum(fails.values())
    single = all(r.get(DOC_COLUMN) == doc for r in gx.rows)  # the check covers this report alone
    if gx.complete:
        gx_count = len(gx_rows)
    elif single:
        gx_count = gx.row_count
    else:  # not reached: the engine re-runs an incomplete batch check per report
        gx_count = len(gx_rows)
    only_gx = gx_fails - fails
    only_duckdb = (fails - gx_fails) if gx.complete else Counter()
    if gx_count != n_fails or only_gx or only_duckdb:
        detail = "; ".join(
            f"only in {side}: {_describe(keys)}"
            for side, keys in (("GX", only_gx), ("DuckDB", only_duckdb))
            if keys
        )
        message = f"GX and DuckDB disagree: GX {gx_count} violating rows, DuckDB {n_fails}"
        disagreement = _single(rule, sha, "execution_error", message + (f"; {detail}" if detail else ""))
        return [*results, disagreement]
    return results


def _describe(keys: Counter, limit: int = 3) -> str:
    """The first few differing findings, as `table/code/line/measure: message`, for the execution_error."""
    shown = [
        "/".join(k[:4]) + (f": {k[4]}" if k[4] else "") + (f" ×{n}" if n > 1 else "")
        for k, n in sorted(keys.items())[:limit]
    ]
    more = len(keys) - limit
    return " | ".join(shown) + (f" | and {more} more" if more > 0 else "")


def _one_line(text: str) -> str:
    """All of an error's text on one line (a results CSV cell), never just its first line."""
    return " ⏎ ".join(line.strip() for line in str(text).splitlines() if line.strip()) or str(text)


def _as_row(r: RuleResult) -> dict[str, Any]:
    msg = r.message.removesuffix(" (within rounding)")
    return {
        "table_kind": r.table_kind,
        "subject_code": r.subject_code,
        "line_item": r.line_item,
        "measure": r.measure,
        "message": msg,
    }


def _dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    return v if isinstance(v, Decimal) else Decimal(str(v))


# ---- public helpers ------------------------------------------------------------------------------------


def blocking(results: list[RuleResult]) -> bool:
    """True when an error-severity rule failed or a required table could not be parsed: do not publish."""
    return any(r.severity == "error" and r.outcome in ("fail", "parse_error") for r in results)


#: When one rule has several outcomes (one per location), the rule's own outcome is the most serious: an
#: unresolved state outranks a failure (the rule could not vouch for the rest), a failure outranks n/a and pass.
#: The per-outcome counts keep every confirmed failure visible.
OUTCOME_PRIORITY = {
    "execution_error": 5,
    "parse_error": 4,
    "insufficient_data": 3,
    "fail": 2,
    "not_applicable": 1,
    "pass": 0,
}


def rule_summary(results: list[RuleResult]) -> pd.DataFrame:
    """One row per rule: its overall outcome (OUTCOME_PRIORITY) and how many locations had each outcome."""
    rows: dict[str, dict[str, Any]] = {}
    for r in results:
        row = rows.setdefault(
            r.rule_id,
            {"rule_id": r.rule_id, "outcome": "pass", "rounding_notes": 0}
            | {f"n_{o}": 0 for o in OUTCOME_PRIORITY},
        )
        row[f"n_{r.outcome}"] += 1
        row["rounding_notes"] += int(r.within_rounding)
        if OUTCOME_PRIORITY[r.outcome] > OUTCOME_PRIORITY[row["outcome"]]:
            row["outcome"] = r.outcome
    columns = ["rule_id", "outcome", "rounding_notes", *(f"n_{o}" for o in OUTCOME_PRIORITY)]
    return pd.DataFrame.from_records(sorted(rows.values(), key=lambda d: d["rule_id"]), columns=columns)


def write_results_csv(results: list[RuleResult], path: Path) -> Path:
    """Write the results with the columns of FRAME_COLUMNS (Decimals as printed text, blanks for None)."""
    frame = results_frame(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.map(lambda v: "" if v is None else str(v))
    text.to_csv(path, index=False, lineterminator="\n")
    return path


def results_frame(results: list[RuleResult]) -> pd.DataFrame:
    """The results as a plain table with the fixed columns FRAME_COLUMNS (amounts as Decimal objects)."""
    records = [
        {
            "document_sha256": r.document_sha256,
            "rule_id": r.rule_id,
            "severity": r.severity,
            "outcome": r.outcome,
            "table_kind": r.table_kind,
            "subject_code": r.subject_code,
            "line_item": r.line_item,
            "measure": r.measure,
            "expected": r.expected,
            "actual": r.actual,
            "difference": r.difference,
            "tolerance": r.tolerance,
            "message": r.message,
            "within_rounding": r.within_rounding,
        }
        for r in results
    ]
    return pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS)).astype(object)
