"""Sensors that carry a night from crawl to publish, re-derive everything after a parser upgrade, and re-check
everything after a rule catalogue change.

The document sensors keep a cursor, so a tick is cheap and never launches the same work twice: the count of
document partitions already handed to the documents job, the parser version and the catalogue version last seen.
"""

import dagster as dg

from assets.partitions import DOCUMENTS
from pipelines.jobs import documents_job, publish_job, range_tags


@dg.sensor(job=documents_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def new_documents_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Parse and check the documents the crawl registered since the last tick, in one range run."""
    keys = context.instance.get_dynamic_partitions(DOCUMENTS)
    done = int(context.cursor or 0)
    if len(keys) <= done:
        return dg.SkipReason(f"no new documents ({len(keys)} known)")
    new = list(keys[done:])
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"new:{new[0]}:{new[-1]}",
                tags={
                    **range_tags(new),
                    "juesuan/reason": "new_documents",
                    "juesuan/documents": str(len(new)),
                },
            )
        ],
        cursor=str(len(keys)),
    )


def _rerun_all_on_change(
    context: dg.SensorEvaluationContext, version: str, *, what: str, run_key_prefix: str
) -> dg.SensorResult | dg.SkipReason:
    """Record `version` on the first tick; when it later differs from the cursor, run every kept document once."""
    if context.cursor in (None, ""):
        return dg.SensorResult(skip_reason=f"{what} {version} recorded", cursor=version)
    if context.cursor == version:
        return dg.SkipReason(f"{what} still {version}")
    keys = list(context.instance.get_dynamic_partitions(DOCUMENTS))
    requests = []
    if keys:
        requests.append(
            dg.RunRequest(
                run_key=f"{run_key_prefix}:{version}",
                tags={**range_tags(keys), "juesuan/reason": f"{what} {context.cursor} -> {version}"},
            )
        )
    return dg.SensorResult(run_requests=requests, cursor=version)


@dg.sensor(job=documents_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
def parser_upgrade_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """After the parser's PARSER_VERSION changes, re-parse and re-check every kept document from the raw store."""
    from juesuan.parsing import PARSER_VERSION

    return _rerun_all_on_change(context, PARSER_VERSION, what="parser", run_key_prefix="reparse")


@dg.sensor(job=documents_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
def catalogue_change_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """After a rule is added, edited or removed (expectations.catalogue_version() changes), re-check every document.

    The documents run re-runs the rules on the cached parses (no re-parse: the parser version is unchanged), and the
    publish run that follows reloads each document whose recorded catalogue version differs, so published and
    quarantined follow the new catalogue.
    """
    from expectations import catalogue_version

    version = catalogue_version()
    return _rerun_all_on_change(context, version, what="rule catalogue", run_key_prefix="recheck")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[documents_job],
    request_job=publish_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def publish_after_documents(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """Once a documents run has parsed and checked its documents, load and publish them."""
    return dg.RunRequest(run_key=f"publish:{context.dagster_run.run_id}")
