"""A real HTTP server for the sample portal: static files with ETag/Last-Modified and 304s, on 127.0.0.1.

Serves a site directory (built by `juesuan.portal.site.build_site`) with `http.server.ThreadingHTTPServer`,
in-process (`serve_portal(...)` is a context manager) or from the CLI (`juesuan portal serve`). Besides plain
files it answers the gkmlpt JSON API (`/<site>/gkmlpt/api/all/<cat>?page=N&sid=S`, backed by
`api/all/<cat>/page_N.json` files), can be told to fail an endpoint a few times (`flaky`) to exercise retries,
and records every request (method, path, Host, conditional headers, status) for tests to inspect.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import mimetypes
import posixpath
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: Placeholder in site files replaced at serve time by another origin of this same server (`http://localhost:PORT`),
#: so the site can link to a host outside a source's allowed list and a test can prove it was never requested.
ALT_ORIGIN = "__ALT_ORIGIN__"
#: Placeholder replaced by the portal's own origin (`http://127.0.0.1:PORT`).
SELF_ORIGIN = "__SELF_ORIGIN__"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".pdf": "application/pdf",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}
_GKMLPT_API = re.compile(r"^(?P<prefix>.*)/gkmlpt/api/all/(?P<cat>[\w-]+)$")
_JIANGSU_POST = re.compile(
    r"^(?P<prefix>.*)/front/(?P<ep>department/getdepartmentname|budgetfinal/itemsandpag|budgetfinal/getTemporaryFiles)\.do$"
)
_JIANGSU_DOWNLOAD = re.compile(r"^(?P<prefix>.*)/front/budgetfinal/download\.do$")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # path + query as requested
    host: str  # the Host header
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None

    @property
    def conditional(self) -> bool:
        return bool(self.if_none_match or self.if_modified_since)


@dataclass
class _Flaky:
    remaining: int
    status: int
    mode: str = (
        "status"  # status: answer `status`; reset: drop the connection; stall: wait `delay` s, then serve
    )
    delay: float = 0.0


@dataclass
class PortalState:
    """Shared by the handler threads: the site directory, the request log, the flaky endpoints."""

    site_dir: Path
    requests: list[RequestRecord] = field(default_factory=list)
    flaky: dict[str, _Flaky] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    self_origin: str = ""
    alt_origin: str = ""


class PortalHandler(BaseHTTPRequestHandler):
    server_version = "TRS-WCM-Sample/7.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    portal: PortalState  # set on the subclass built per server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_POST(self) -> None:
        """The Jiangsu platform's form-POST JSON endpoints, answered from pre-rendered files."""
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(min(length, 65536)).decode("utf-8", "replace"))
        path = unquote(urlsplit(self.path).path)
        with self.portal.lock:
            flaky = self.portal.flaky.get(path)
            failing = bool(flaky and flaky.remaining > 0)
            if flaky and failing:
                flaky.remaining -= 1
        if flaky and failing:
            self._error(flaky.status, False)
            return
        m = _JIANGSU_POST.match(path)
        if not m:
            self._error(405, False)
            return

        def arg(name: str) -> str:
            return re.sub(r"[^\w-]", "", (form.get(name) or [""])[0])

        ep = m.group("ep")
        if ep.endswith("getdepartmentname"):
            name, default = f"departments_{arg('pid')}_{arg('date')}_{arg('typeid')}.json", b"[]"
        elif ep.endswith("itemsandpag"):
            name, default = (
                f"items_{arg('groupid')}_{arg('date')}_{arg('typeid')}.json",
                b'{"budgetTemplates": []}',
            )
        else:
            name, default = f"files_{arg('uuid')}.json", b"[]"
        file = self.portal.site_dir / m.group("prefix").lstrip("/") / "front" / "api" / name
        data = file.read_bytes() if file.is_file() else default
        data = data.replace(SELF_ORIGIN.encode(), self.portal.self_origin.encode())
        self._send(200, data, {"Content-Type": "application/json;charset=UTF-8"}, False)

    def _record(self, status: int) -> None:
        rec = RequestRecord(
            self.command,
            self.path,
            self.headers.get("Host", ""),
            status,
            self.headers.get("If-None-Match"),
            self.headers.get("If-Modified-Since"),
            self.headers.get("User-Agent"),
        )
        with self.portal.lock:
            self.portal.requests.append(rec)

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool) -> None:
        self._record(status)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _error(self, status: int, head: bool) -> None:
        phrase = HTTPStatus(status).phrase
        body = f"<html><head><title>{status} {phrase}</title></head><body><h1>{phrase}</h1></body></html>".encode()
        self._send(status, body, {"Content-Type": "text/html; charset=utf-8"}, head)

    def _serve(self, *, head: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        with self.portal.lock:
            flaky = self.portal.flaky.get(path)
            mode = ""
            if flaky and flaky.remaining > 0:
                flaky.remaining -= 1
                mode = flaky.mode
        if mode == "status" and flaky:
            self._error(flaky.status, head)
            return
        if mode == "reset":
            self._record(0)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "stall" and flaky:
            self._record(-1)
            time.sleep(flaky.delay)
        location = self.portal.redirects.get(path)
        if location:
            location = location.replace(SELF_ORIGIN, self.portal.self_origin).replace(
                ALT_ORIGIN, self.portal.alt_origin
            )
            self._send(302, b"", {"Location": location}, head)
            return
        file = self._resolve(path, parts.query)
        if file is None:
            self._error(404, head)
            return
        if isinstance(file, int):
            self._error(file, head)
            return
        data = file.read_bytes()
        ctype = (
            _TYPES.get(file.suffix.lower())
            or mimetypes.guess_type(file.name)[0]
            or "text/html; charset=utf-8"
        )
        if ctype.startswith(("text/html", "application/json")):
            data = data.replace(SELF_ORIGIN.encode(), self.portal.self_origin.encode()).replace(
                ALT_ORIGIN.encode(), self.portal.alt_origin.encode()
            )
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        mtime = int(file.stat().st_mtime)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        headers = {
            "Content-Type": ctype,
            "ETag": etag,
            "Last-Modified": last_modified,
            "Cache-Control": "max-age=0",
        }
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                self._send(304, b"", {"ETag": etag, "Last-Modified": last_modified}, head)
                return
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and mtime <= since:
                self._send(304, b"", {"ETag": etag, "Last-Modified": last_modified}, head)
                return
        self._send(200, data, headers, head)

    def _resolve(self, path: str, query: str) -> Path | int | None:
        """Map a request to a file under the site directory (or an HTTP error status)."""
        root = self.portal.site_dir
        m = _GKMLPT_API.match(path)
        if m:
            q = parse_qs(query)
            page = (q.get("page") or ["1"])[0]
            sid = (q.get("sid") or [""])[0]
            cfg = root / m.group("prefix").lstrip("/") / "gkmlpt" / "config.json"
            if not cfg.is_file():
                return None
            if sid != str(json.loads(cfg.read_text(encoding="utf-8")).get("sid")):
                return 400
            if not page.isdigit():
                return 400
            path = f"{m.group('prefix')}/gkmlpt/api/all/{m.group('cat')}/page_{int(page)}.json"
        m = _JIANGSU_DOWNLOAD.match(path)
        if m:
            iid = (parse_qs(query).get("iid") or [""])[0]
            if not iid.isdigit():
                return 400
            folder = root / m.group("prefix").lstrip("/") / "front" / "files"
            found = sorted(folder.glob(f"{iid}.*")) if folder.is_dir() else []
            return found[0] if found else None
        norm = posixpath.normpath(path)
        if norm.startswith("..") or "/../" in norm:
            return 403
        target = root / norm.lstrip("/")
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        try:
            target.resolve().relative_to(root.resolve())
        except ValueError:
            return 403
        return target if target.is_file() else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeout, reset) is normal here; anything else is still reported."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class PortalServer:
    """A running sample portal: `url` is its origin; `requests` what it was asked; `flaky()` injects failures."""

    def __init__(self, site_dir: Path | str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site_dir = Path(site_dir)
        # a built portal (juesuan.portal.site) serves its www/ folder; a bare directory is served as is
        root = self.site_dir / "www" if (self.site_dir / "www").is_dir() else self.site_dir
        self.state = PortalState(root)
        handler = type("BoundPortalHandler", (PortalHandler,), {"portal": self.state})
        self.httpd = _Server((host, port), handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.state.self_origin = self.url
        self.state.alt_origin = f"http://localhost:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> PortalServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="sample-portal", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[RequestRecord]:
        with self.state.lock:
            return list(self.state.requests)

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def redirect(self, path: str, location: str) -> None:
        """Answer `path` with 302 to `location` (may use the SELF_ORIGIN / ALT_ORIGIN placeholders)."""
        with self.state.lock:
            self.state.redirects[path] = location

    def flaky(
        self, path: str, *, failures: int = 2, status: int = 503, mode: str = "status", delay: float = 1.0
    ) -> None:
        """Misbehave on the next `failures` requests for `path`, then serve it normally.

        mode "status": answer `status` (e.g. 503); "reset": drop the connection without an answer; "stall":
        wait `delay` seconds before answering (a client with a shorter timeout sees a timeout).
        """
        if mode not in ("status", "reset", "stall"):
            raise ValueError(f"unknown flaky mode {mode!r}")
        with self.state.lock:
            self.state.flaky[path] = _Flaky(failures, status, mode, delay)


@contextlib.contextmanager
def serve_portal(site_dir: Path | str, *, port: int = 0, host: str = "127.0.0.1") -> Iterator[PortalServer]:
    """Serve `site_dir` on host:port (0 = an ephemeral port) for the duration of the `with` block."""
    server = PortalServer(site_dir, host=host, port=port)
    with server:
        yield server
