"""Per-document limits for parsing: each file is parsed in a forked child with a time limit and a memory limit.

A PDF built to make the parser run for hours or inflate a stream into gigabytes must cost one document, not the
night: the child is killed at the deadline (`JUESUAN_PARSE_TIMEOUT`, seconds, default 600) and its address space is
capped at its starting size plus `JUESUAN_PARSE_MEMORY_MB` (default 2048). Either way the document gets a specific
reason (`parse_timeout`, `parse_memory`, `parse_killed`) instead of the run dying. `JUESUAN_PARSE_SANDBOX=0` parses
in process (debugging, profiling).

fork, not spawn: the child starts with the parser already imported (no per-document start-up cost) and sees the
caller's state exactly; it only parses and writes its answer to a pipe, then leaves with `os._exit`.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import time
from pathlib import Path
from typing import Any

from juesuan.model import Region, Report

DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_MB = 2048


class ParseLimitExceeded(Exception):
    """The parse of one document hit a per-document limit (or its process died): recorded as its failure."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def limits() -> tuple[float, int, bool]:
    """(seconds, extra megabytes, sandbox on) from the environment."""
    seconds = float(os.environ.get("JUESUAN_PARSE_TIMEOUT") or DEFAULT_TIMEOUT)
    memory_mb = int(os.environ.get("JUESUAN_PARSE_MEMORY_MB") or DEFAULT_MEMORY_MB)
    enabled = os.environ.get("JUESUAN_PARSE_SANDBOX", "1") not in ("0", "false", "no")
    return seconds, memory_mb, enabled


def _vm_size() -> int:
    """This process's current address-space size in bytes (Linux /proc), 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(conn: Any, path: str, region_hint: Region | None, memory_mb: int) -> None:
    import faulthandler
    import gc

    import juesuan.parsing

    # Everything inherited from the parent (Dagster, DuckDB, pandas: some 350,000 objects) is set aside from the
    # garbage collector: a full collection during the parse would walk it all, and touching those objects would
    # copy the parent's memory pages into this child (Python's advice for fork without exec).
    gc.freeze()
    faulthandler.disable()  # an abort under the memory cap is reported by the parent, not dumped on stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_mb > 0:
        cap = _vm_size() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        report = juesuan.parsing.parse_report(Path(path), region_hint=region_hint)
        payload: tuple[str, Any] = ("ok", report)
    except MemoryError:
        payload = ("memory", None)
    except BaseException as exc:
        payload = ("raise", exc)
        if hasattr(exc, "code") and hasattr(exc, "reason"):  # NotAFinalAccount(code, reason): rebuilt as such
            payload = ("refuse", (type(exc), exc.code, exc.reason))
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as exc:  # an exception that cannot be pickled: its text still can
        data = pickle.dumps(("raise", RuntimeError(f"{type(exc).__name__}: {payload[1]}")))
    conn.send_bytes(data)
    conn.close()


def parse_report_limited(
    path: Path | str,
    region_hint: Region | None = None,
    *,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Report:
    """`juesuan.parsing.parse_report` under the per-document limits; raises what the parser raises, or
    ParseLimitExceeded when a limit was hit."""
    import juesuan.parsing

    env_seconds, env_memory, enabled = limits()
    seconds = env_seconds if timeout is None else timeout
    memory = env_memory if memory_mb is None else memory_mb
    if not enabled:
        return juesuan.parsing.parse_report(Path(path), region_hint=region_hint)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, str(path), region_hint, memory), daemon=True)
    started = time.monotonic()
    proc.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            proc.kill()
            proc.join(5)
            raise ParseLimitExceeded(
                "parse_timeout", f"parse stopped: took longer than the per-document limit of {seconds:g} s"
            )
        try:
            data = receiver.recv_bytes()
        except EOFError:
            data = b""
    finally:
        receiver.close()
    proc.join(max(1.0, seconds - (time.monotonic() - started)))
    if proc.is_alive():
        proc.kill()
        proc.join(5)
    if not data:
        code = proc.exitcode
        if code is not None and code < 0:
            sig = signal.Signals(-code).name
            if -code == signal.SIGABRT and memory > 0:  # PDFium aborts when an allocation fails
                raise ParseLimitExceeded(
                    "parse_memory",
                    f"parse stopped: the parser aborted ({sig}) under the per-document memory limit of {memory} MB",
                )
            if -code == signal.SIGKILL:
                raise ParseLimitExceeded(
                    "parse_killed",
                    f"parse stopped: the parser process was killed ({sig}; out of memory?)",
                )
            raise ParseLimitExceeded("parse_killed", f"parse stopped: the parser process died ({sig})")
        raise ParseLimitExceeded(
            "parse_killed", f"parse stopped: the parser process exited ({code}) without an answer"
        )
    status, value = pickle.loads(data)
    if status == "ok":
        return value
    if status == "memory":
        raise ParseLimitExceeded(
            "parse_memory", f"parse stopped: needed more than the per-document limit of {memory} MB of memory"
        )
    if status == "refuse":
        cls, code_, reason = value
        raise cls(code_, reason)
    raise value
