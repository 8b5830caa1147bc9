"""The sensors and the pending-document logic that make nights incremental (no portal, no parsing)."""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg
import pytest

from assets.partitions import DOCUMENTS
from pipelines.jobs import pending_range
from pipelines.nightly import pending_documents
from pipelines.parse_cache import ParseCache, ParseOutcome

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)


@pytest.fixture()
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def _tags(request: dg.RunRequest) -> tuple[str, str]:
    start = next(v for k, v in request.tags.items() if k.endswith("range_start"))
    end = next(v for k, v in request.tags.items() if k.endswith("range_end"))
    return start, end


def test_new_documents_sensor_requests_one_range_run_per_batch(instance: dg.DagsterInstance) -> None:
    from pipelines.sensors import new_documents_sensor

    instance.add_dynamic_partitions(DOCUMENTS, ["a1", "b2", "c3"])
    result = new_documents_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SensorResult)
    [request] = result.run_requests
    assert _tags(request) == ("a1", "c3")
    assert result.cursor == "3"
    skipped = new_documents_sensor(dg.build_sensor_context(instance=instance, cursor="3"))
    assert isinstance(skipped, dg.SkipReason)
    instance.add_dynamic_partitions(DOCUMENTS, ["d4", "e5"])
    result = new_documents_sensor(dg.build_sensor_context(instance=instance, cursor="3"))
    [request] = result.run_requests
    assert _tags(request) == ("d4", "e5")
    assert result.cursor == "5"


def test_parser_upgrade_sensor_rederives_everything_once(instance: dg.DagsterInstance) -> None:
    from juesuan.parsing import PARSER_VERSION
    from pipelines.sensors import parser_upgrade_sensor

    instance.add_dynamic_partitions(DOCUMENTS, ["a1", "b2", "c3"])
    first = parser_upgrade_sensor(dg.build_sensor_context(instance=instance))
    assert not first.run_requests and first.cursor == PARSER_VERSION  # first tick only records the version
    same = parser_upgrade_sensor(dg.build_sensor_context(instance=instance, cursor=PARSER_VERSION))
    assert isinstance(same, dg.SkipReason)
    upgraded = parser_upgrade_sensor(dg.build_sensor_context(instance=instance, cursor="older-parser"))
    [request] = upgraded.run_requests
    assert _tags(request) == ("a1", "c3")
    assert request.run_key == f"reparse:{PARSER_VERSION}"
    assert upgraded.cursor == PARSER_VERSION


def test_pending_documents_follow_the_parse_cache(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    instance.add_dynamic_partitions(DOCUMENTS, ["a1", "b2", "c3", "d4"])
    for sha in ("a1", "b2", "c3"):
        cache.put_outcome(ParseOutcome(sha, "v1", "not_final_account", code="budget_report", reason="budget"))
        cache.put_results(sha, "v1", [])
    assert pending_documents(instance, cache, "v1") == ["d4"]
    assert pending_documents(instance, cache, "v2") == ["a1", "b2", "c3", "d4"]  # a parser upgrade: all
    cache.put_outcome(ParseOutcome("d4", "v1", "parse_failed", code="ValueError", reason="bad"))
    assert pending_documents(instance, cache, "v1") == ["d4"]  # parsed, not yet checked
    cache.put_results("d4", "v1", [])
    assert pending_documents(instance, cache, "v1") == []
    # a gap inside the range is re-covered; cached documents in it cost nothing
    assert pending_range(["a", "b", "c", "d"], {"b", "d"}) == ["b", "c", "d"]


def test_parse_cache_round_trips_reports_and_rule_results(tmp_path: Path) -> None:
    from decimal import Decimal

    from juesuan.model import Report, RuleResult

    cache = ParseCache(tmp_path)
    report = Report(department="测试局", year=2024, parser_version="v1")
    cache.put_outcome(ParseOutcome("ab" * 32, "v1", "parsed", report=report))
    back = cache.get_outcome("ab" * 32, "v1")
    assert back is not None and back.report is not None and back.report.department == "测试局"
    assert cache.get_outcome("ab" * 32, "v2") is None
    rr = RuleResult("income_row_sum", "error", "fail", expected=Decimal("1.00"), actual=Decimal("1.02"))
    cache.put_results("ab" * 32, "v1", [rr], check_error=None)
    checked = cache.get_results("ab" * 32, "v1")
    assert checked is not None and checked.results == [rr] and checked.check_error is None
