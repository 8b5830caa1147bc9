"""The Dagster code location loads, and its asset graph matches the committed snapshot.

The snapshot (`tests/snapshots/dagster_graph.json`) lists asset keys, dependencies, groups, partitions, checks,
jobs, schedules and sensors; a change to the graph must be deliberate. Regenerate it with
`UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_dagster_definitions.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "dagster_graph.json"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pipelines.definitions import defs

        dg.Definitions.validate_loadable(defs)
    return defs


def graph_snapshot(defs: dg.Definitions) -> dict[str, Any]:
    """A JSON-able description of the code location, stable across runs.

    Checks generated from the rule catalogue appear as one entry, `catalogue: <n> rules`, so adding a rule file
    does not change the graph's shape; `test_rule_checks_cover_the_catalogue` pins them to the catalogue exactly.
    """
    from expectations import load_catalogue

    rule_names = {_check_name(r.id) for r in load_catalogue()}
    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for key in graph.asset_check_keys:
        name = "catalogue rules" if key.name in rule_names else key.name
        checks.setdefault(key.asset_key.to_user_string(), [])
        if name not in checks[key.asset_key.to_user_string()]:
            checks[key.asset_key.to_user_string()].append(name)
    assets = {}
    for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string()):
        name = spec.key.to_user_string()
        node = graph.get(spec.key)
        assets[name] = {
            "deps": sorted(d.asset_key.to_user_string() for d in spec.deps),
            "group": spec.group_name,
            "partitions": str(spec.partitions_def) if spec.partitions_def else None,
            "backfill_policy": str(node.backfill_policy.policy_type.value) if node.backfill_policy else None,
            "retry_policy": _retry(defs, spec.key),
            "checks": sorted(checks.get(name, [])),
        }
    jobs = {
        j.name: sorted(k.to_user_string() for k in j.asset_layer.executable_asset_keys)
        for j in defs.resolve_all_job_defs()
        if not j.name.startswith("__")
    }
    schedules = {}
    for s in defs.schedules or []:
        sd = defs.resolve_schedule_def(s.name)
        schedules[sd.name] = {
            "cron": sd.cron_schedule,
            "timezone": sd.execution_timezone,
            "job": sd.job_name,
            "default_status": sd.default_status.value,
        }
    sensors = {}
    for s in defs.sensors or []:
        sd = defs.resolve_sensor_def(s.name)
        sensors[sd.name] = {
            "jobs": sorted(t.job_name for t in sd.targets),
            "default_status": sd.default_status.value,
        }
    return {
        "assets": assets,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
        "resources": sorted((defs.resources or {}).keys()),
    }


def _check_name(rule_id: str) -> str:
    from assets.checked import check_name as name

    return name(rule_id)


def _retry(defs: dg.Definitions, key: dg.AssetKey) -> dict[str, Any] | None:
    policy = defs.resolve_assets_def(key).node_def.retry_policy
    if policy is None:
        return None
    return {
        "max_retries": policy.max_retries,
        "delay": policy.delay,
        "backoff": policy.backoff.value if policy.backoff else None,
        "jitter": policy.jitter.value if policy.jitter else None,
    }


def test_definitions_load(defs: dg.Definitions) -> None:
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"discovered_documents", "raw_documents", "parsed_reports", "rule_results"} <= keys
    nightly = defs.resolve_schedule_def("nightly")
    assert nightly.cron_schedule == "0 2 * * *"
    assert nightly.execution_timezone == "Asia/Shanghai"


def test_rule_checks_cover_the_catalogue(defs: dg.Definitions) -> None:
    from expectations import load_catalogue

    graph = defs.resolve_asset_graph()
    names = {k.name for k in graph.asset_check_keys if k.asset_key == dg.AssetKey("rule_results")}
    assert names == {_check_name(r.id) for r in load_catalogue()}
    assert all(not graph.get_check_spec(k).blocking for k in graph.asset_check_keys)


def test_asset_graph_matches_snapshot(defs: dg.Definitions) -> None:
    current = graph_snapshot(defs)
    text = json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot yet: run with UPDATE_SNAPSHOTS=1 to write {SNAPSHOT}"
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, (
        "the Dagster asset graph changed; if deliberate, regenerate with UPDATE_SNAPSHOTS=1 and review the diff"
    )
