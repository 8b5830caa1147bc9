"""The DuckDB warehouse: DDL migrations, staging loads, atomic publishing, mart views and exports."""
