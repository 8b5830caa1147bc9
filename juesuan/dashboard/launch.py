"""Start the dashboard server: Streamlit on 127.0.0.1, headless, no telemetry, no file watcher."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The `streamlit run` command line with the options that keep it local and quiet."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def environment(warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUESUAN_DASHBOARD_WAREHOUSE"] = str(Path(warehouse).resolve())
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def start(warehouse: Path, port: int, address: str = "127.0.0.1", **popen: object) -> subprocess.Popen:
    """Start the server in a child process (tests and the benchmark stop it themselves)."""
    return subprocess.Popen(command(port, address), env=environment(warehouse), **popen)  # type: ignore[call-overload]
