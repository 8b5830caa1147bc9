"""Start the dashboard server (juesuan.dashboard.web: Starlette on uvicorn) on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def command(port: int, address: str = "127.0.0.1", warehouse: Path | str | None = None) -> list[str]:
    """The server's command line (the published file, the address and the port)."""
    cmd = [sys.executable, "-m", "juesuan.dashboard.web", "--address", address, "--port", str(port)]
    if warehouse is not None:
        cmd += ["--warehouse", str(Path(warehouse).resolve())]
    return cmd


def environment() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def start(warehouse: Path, port: int, address: str = "127.0.0.1", **popen: object) -> subprocess.Popen:
    """Start the server in a child process (tests and the benchmark stop it themselves)."""
    return subprocess.Popen(command(port, address, warehouse), env=environment(), **popen)  # type: ignore[call-overload]
