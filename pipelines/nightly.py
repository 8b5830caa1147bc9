"""One night in process: the crawl run, a documents run over what is pending, and the publish run.

This is what the schedule and the sensors do in a deployment, done in sequence in one process for
`juesuan run` and the end-to-end test. A document is pending when the parse cache has no outcome for it under the
current parser version, so a night with nothing new launches no documents run (and parses nothing), and a
parser upgrade makes every kept document pending.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from assets.partitions import DOCUMENTS
from pipelines.jobs import pending_range, range_tags
from pipelines.parse_cache import ParseCache


@dataclass
class NightlySummary:
    """What a night did, stage by stage: each stage's materialisation metadata (as plain values) and timings."""

    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)  # job name -> run id
    failed_runs: dict[str, str] = field(default_factory=dict)  # job name -> first error
    pending_documents: int = 0
    seconds: float = 0.0

    def get(self, stage: str, key: str, default: Any = 0) -> Any:
        return self.stages.get(stage, {}).get(key, default)

    @property
    def ok(self) -> bool:
        return not self.failed_runs


def _stage_metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, Any]:
    """The metadata of the asset `node` materialised in `result` (the first event: a range run repeats it)."""
    mats = result.asset_materializations_for_node(node)
    if not mats:
        return {}
    return {k: getattr(v, "value", v) for k, v in mats[0].metadata.items()}


def _first_error(result: dg.ExecuteInProcessResult) -> str:
    for ev in result.get_step_failure_events():
        err = ev.step_failure_data.error
        return f"{ev.step_key}: {err.message.strip() if err else 'failed'}"
    return "run failed"


def pending_documents(instance: dg.DagsterInstance, cache: ParseCache, parser_version: str) -> list[str]:
    """Registered documents with no parse outcome for `parser_version`, as a contiguous range of partitions."""
    keys = list(instance.get_dynamic_partitions(DOCUMENTS))
    pending = {k for k in keys if not cache.has_outcome(k, parser_version)}
    return pending_range(keys, pending)


def run_nightly(defs: dg.Definitions, instance: dg.DagsterInstance, cache: ParseCache) -> NightlySummary:
    """Run crawl → documents (only if something is pending) → publish in process against `instance`."""
    from juesuan.parsing import PARSER_VERSION

    t0 = time.perf_counter()
    summary = NightlySummary()

    def execute(job_name: str, **kwargs: Any) -> dg.ExecuteInProcessResult:
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, raise_on_error=False, **kwargs
        )
        summary.runs[job_name] = result.run_id
        if not result.success:
            summary.failed_runs[job_name] = _first_error(result)
        for node in result.job_def.nodes_in_topological_order:
            md = _stage_metadata(result, node.name)
            if md:
                summary.stages[node.name] = md
        return result

    crawl = execute("crawl_job")
    if not crawl.success:
        summary.seconds = time.perf_counter() - t0
        return summary
    pending = pending_documents(instance, cache, PARSER_VERSION)
    summary.pending_documents = len(pending)
    if pending:
        docs = execute("documents_job", tags={**range_tags(pending), "juesuan/reason": "juesuan run"})
        if docs.success and _has_job(defs, "publish_job"):
            execute("publish_job")
    summary.seconds = time.perf_counter() - t0
    return summary


def _has_job(defs: dg.Definitions, name: str) -> bool:
    try:
        defs.resolve_job_def(name)
    except Exception:
        return False
    return True


def dagster_home(data_root: Path) -> Path:
    """The persistent Dagster instance directory under the data root (partitions and run history live there)."""
    home = data_root / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return home
