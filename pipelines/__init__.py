"""Dagster definitions (the code location), jobs, schedules, sensors and resources."""
