"""The Dagster asset graph: one module per stage, each a thin wrapper over juesuan's domain code."""
