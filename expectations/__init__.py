"""The rule catalogue (one file per rule), the rounding envelope and the great-expectations runner.

Public API: `load_catalogue()`, `catalogue_version()` (hash of the rule files), `check_report(report)`, `run_checks(report, ...)` (results + Data Docs +
timings), `results_frame(results)`, `write_results_csv(results, path)`, `rule_summary(results)` (one
outcome per rule), `blocking(results)`.
"""

from expectations.catalogue import RESULT_COLUMNS, CatalogueError, Rule, catalogue_version, load_catalogue
from expectations.engine import (
    FRAME_COLUMNS,
    CheckRun,
    blocking,
    check_report,
    results_frame,
    rule_summary,
    run_checks,
    write_results_csv,
)

__all__ = [
    "FRAME_COLUMNS",
    "RESULT_COLUMNS",
    "CatalogueError",
    "CheckRun",
    "Rule",
    "blocking",
    "catalogue_version",
    "check_report",
    "load_catalogue",
    "results_frame",
    "rule_summary",
    "run_checks",
    "write_results_csv",
]
