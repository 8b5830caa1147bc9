"""One night in process: the crawl run, a documents run over what is pending, and the publish run.

This is what the schedule and the sensors do in a deployment, done in sequence in one process for
`juesuan run` and the end-to-end test. A document is pending when the parse cache has no outcome for it under the
current parser version, so a night with nothing new launches no documents run (and parses nothing), and a
parser upgrade makes every kept document pending.
"""

from __future__ import annotations

import time
from collections import Counter
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

    def render(self) -> str:
        """The run summary a person reads: found / new / unchanged / parsed / published / quarantined / failed."""
        crawl, raw = self.stages.get("discovered_documents"), self.stages.get("raw_documents")
        parsed = self.stages.get("parsed_reports")
        staging, mart = self.stages.get("staging_tables"), self.stages.get("published_mart")
        lines: list[str] = []
        if crawl:
            lines.append(
                f"found       {crawl['found']:5d} documents from {crawl['sources']} source(s): new {crawl['new']}, "
                f"changed {crawl['changed']}, unchanged {crawl['unchanged']}; "
                f"{crawl['requests']} requests ({crawl['not_modified']} not modified)"
            )
            failures = crawl.get("failures") or []
            lines.append(f"crawl failures {crawl['failed']:2d}")
            lines.extend(f"    ! {f['stage']} {f['url']}: {f['reason']}" for f in failures[:50])
        if raw:
            lines.append(
                f"raw         {raw['documents']:5d} documents kept, {raw['new_partitions']} new this run"
            )
        if parsed:
            lines.append(
                f"parsed      {parsed['parsed_now']:5d} now (parser {parsed['parser_version']}), "
                f"{parsed['cached']} from cache: {parsed['reports']} reports, "
                f"{parsed['not_final_accounts']} not final accounts, {parsed['parse_failed']} parse failures"
            )
        elif crawl:
            lines.append("parsed          0 (no new or changed documents)")
        if staging:
            lines.append(
                f"staged      {staging['staged']:5d}: published {staging['published']}, "
                f"quarantined {staging['quarantined']}, failed {staging['failed']}"
            )
            docs = staging.get("documents") or []
            warned = Counter(w for d in docs if d["status"] == "published" for w in d.get("warnings") or [])
            if warned:
                lines.append(
                    "    published with warnings: "
                    + ", ".join(f"{k} ×{v}" for k, v in sorted(warned.items()))
                )
            for d in docs:
                who = f"{d.get('department') or '?'} {d.get('year') or ''}".strip()
                if d["status"] != "published":
                    lines.append(
                        f"    - {d['status']:<11} {d['document']} {who}: {'; '.join(d.get('reasons') or [])}"
                    )
                if d.get("note"):
                    lines.append(f"    ! note        {d['document']} {who}: {d['note']}")
            totals = staging.get("current_by_status") or {}
            lines.append("warehouse   " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
        if not staging and not mart and crawl and not self.failed_runs:
            lines.append("mart        unchanged (nothing new to load)")
        if mart:
            state = "published" if mart["changed"] else "unchanged"
            lines.append(
                f"mart        {state}, generation {mart['generation']}: {mart['documents']} documents, "
                f"{mart['amounts']} amounts → {mart['path']}"
            )
        for job, err in self.failed_runs.items():
            lines.append(f"FAILED {job}: {err}")
        lines.append(f"nightly run {self.seconds:.1f} s ({len(self.runs)} Dagster runs)")
        return "\n".join(lines)


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
    """Registered documents not yet parsed and checked under `parser_version`, as a contiguous partition range.

    A document whose parse outcome exists but whose rule results do not (a run that stopped between the two)
    is pending too: its parse is a cache hit, only the checks run again.
    """
    keys = list(instance.get_dynamic_partitions(DOCUMENTS))
    pending = {
        k for k in keys if not (cache.has_outcome(k, parser_version) and cache.has_results(k, parser_version))
    }
    return pending_range(keys, pending)


def run_nightly(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    cache: ParseCache,
    *,
    published_path: Path | None = None,
    log_level: str = "INFO",
) -> NightlySummary:
    """Run crawl → documents → publish in process against `instance`.

    The documents run happens only when something is pending; publishing follows it, or runs alone when the
    published file (`published_path`) is missing (a first night that found nothing, or a deleted file).
    """
    from juesuan.parsing import PARSER_VERSION

    t0 = time.perf_counter()
    summary = NightlySummary()

    def execute(job_name: str, **kwargs: Any) -> dg.ExecuteInProcessResult:
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            **kwargs,
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
    publish = published_path is not None and not published_path.exists()
    # the crawl's failures are published too (mart.crawl_failures): a night that only failed still publishes them
    if not publish and published_path is not None:
        publish = _crawl_failures_changed(summary.get("discovered_documents", "failures", []), published_path)
    if pending:
        docs = execute("documents_job", tags={**range_tags(pending), "juesuan/reason": "juesuan run"})
        publish = docs.success
    if publish:
        execute("publish_job")
    summary.seconds = time.perf_counter() - t0
    return summary


def _crawl_failures_changed(failures: list[dict[str, Any]], published_path: Path) -> bool:
    """True when the URLs that failed tonight are not those mart.crawl_failures shows (publish them)."""
    import duckdb

    tonight = {(f["source"], f["url"], f["stage"]) for f in failures or []}
    try:
        con = duckdb.connect(str(published_path), read_only=True)
    except duckdb.Error:
        return bool(tonight)
    try:
        shown = set(con.execute("SELECT source_id, url, stage FROM mart.crawl_failures").fetchall())
    except duckdb.Error:  # a file published before the table existed
        return bool(tonight)
    finally:
        con.close()
    return tonight != shown


def dagster_home(data_root: Path) -> Path:
    """The persistent Dagster instance directory under the data root (partitions and run history live there)."""
    home = data_root / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return home
