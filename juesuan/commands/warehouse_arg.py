"""`--warehouse` for every command: a warehouse folder or a file in it, resolved the same way and announced.

Accepted: the folder (`<data root>/warehouse`), the published file (`juesuan.duckdb`, or any `.duckdb` name), or
the staging file (`staging.duckdb`, meaning its folder). Every command prints which file it opened on stderr, so
output meant for pipes (CSV) stays clean.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resolve(arg: Path | str | None) -> tuple[Path, Path]:
    """(warehouse folder, published file) for a `--warehouse` value (None: `<data root>/warehouse`)."""
    from juesuan.paths import data_root
    from warehouse.store import PUBLISHED_NAME, STAGING_NAME

    if arg is None:
        root = data_root(create=False) / "warehouse"
        return root, root / PUBLISHED_NAME
    path = Path(arg)
    if path.is_dir() or path.suffix != ".duckdb":
        return path, path / PUBLISHED_NAME
    if path.name == STAGING_NAME:
        return path.parent, path.parent / PUBLISHED_NAME
    return path.parent, path


def announce(command: str, path: Path, how: str) -> None:
    """One line on stderr: which file this command opened, and how."""
    print(f"juesuan {command}: {how} {path.resolve()}", file=sys.stderr)
