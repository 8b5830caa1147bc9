"""Where juesuan keeps its data: one root, inside the checkout by default, configurable."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_root(*, create: bool = True) -> Path:
    """`JUESUAN_DATA` if set, else `data/` in the checkout (ignored by git); created unless `create` is False."""
    root = Path(os.environ.get("JUESUAN_DATA", PROJECT_ROOT / "data"))
    if create:
        root.mkdir(parents=True, exist_ok=True)
    return root


def shared_dir() -> Path:
    """The `../shared` folder beside the checkout (real corpus, seed, reference); `JUESUAN_SHARED` overrides."""
    return Path(os.environ.get("JUESUAN_SHARED", PROJECT_ROOT.parent / "shared"))
