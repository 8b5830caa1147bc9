"""The nightly schedule: the crawl at 02:00 China time; sensors carry the night through parse and publish."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import crawl_job

nightly_schedule = dg.ScheduleDefinition(
    name="nightly",
    job=crawl_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description="Crawl all sources nightly; new_documents_sensor and publish_after_documents run the rest.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
