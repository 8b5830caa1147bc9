"""A fault portal: a tiny TRS-style site on 127.0.0.1 whose every article's attachment misbehaves in its own way.

One listing (two pages), one detail page per fault, one attachment per detail page. The attachment answers with
the fault named in its path (`/files/<fault>.pdf`): an HTTP error, a reset, a stall, a body cut short of its
Content-Length, a slow drip, a redirect loop or a redirect off the source's hosts, a wrong Content-Type, an HTML
page named .pdf, a body over the size cap, a gzip bomb, the same file under two URLs, a listing that changes
between two requests, a robots.txt-disallowed path. `heal()` turns the transient network faults off (the next
night the portal works again) so a test can check that a rerun recovers to the state of a run without faults.

The reliability suite (`tests/test_faults_network.py`) crawls it; `juesuan portal faults` is not a command: this is
a test instrument, kept beside the sample portal because it is one.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

#: fault name -> (what it does, what the crawl must do: "kept" = the document is still kept, "failed" = recorded as
#: a failure whose reason contains the fragment, "never" = never requested at all).
FAULTS: dict[str, tuple[str, str, str]] = {
    "not_found": ("HTTP 404", "failed", "HTTP 404"),
    "gone": ("HTTP 410", "failed", "HTTP 410"),
    "server_error": ("HTTP 500 on every attempt", "failed", "HTTP 500 (gave up after"),
    "unavailable": ("HTTP 503 without Retry-After on every attempt", "failed", "HTTP 503 (gave up after"),
    "unavailable_retry_after": ("HTTP 503 with Retry-After: 2 once, then the file", "kept", ""),
    "too_many_requests": ("HTTP 429 with Retry-After: 1 once, then the file", "kept", ""),
    "retry_after_too_long": ("HTTP 503 with Retry-After: 86400", "failed", "Retry-After 86400s"),
    "connection_reset": ("the connection dropped without an answer", "failed", "network error"),
    "stall": ("no answer before the timeout", "failed", "timeout"),
    "truncated": ("a body cut short of its Content-Length", "failed", "truncated: received"),
    "slow_drip": ("a body dripped a few bytes at a time", "failed", "timeout"),
    "redirect_loop": ("a redirect to itself", "failed", "more than 5 redirects"),
    "redirect_outside": ("a redirect to a host outside the source", "failed", "outside allowed hosts"),
    "wrong_content_type": ("a PDF served as text/html", "kept", ""),
    "html_as_pdf": ("an HTML error page served as application/pdf", "failed", "not a PDF: an HTML page"),
    "oversize": ("Content-Length over the size cap", "failed", "too large: Content-Length"),
    "oversize_unannounced": (
        "a body over the size cap without Content-Length",
        "failed",
        "too large: more than",
    ),
    "gzip_bomb": ("Content-Encoding: gzip inflating far past the cap", "failed", "inflates past"),
    "same_file_two_urls": ("the same bytes under two URLs", "kept", ""),
    "robots_disallowed": ("a path robots.txt disallows", "never", ""),
    "listing_changes": ("an article published between the two listing pages' requests", "kept", ""),
    "wrong_year": ("a report of another year than its article and listing say (give it one)", "kept", ""),
}
#: Faults in what a file says rather than in how it is served: the crawl keeps them like any file; the pipeline
#: suite (`tests/test_faults_pipeline.py`) serves real factory reports under them and checks what the warehouse
#: records (the listing says 2023, `documents["wrong_year"]` is another year's report).
CONTENT = frozenset({"wrong_year"})
#: Faults that go away on `heal()` (the portal's network problems of one night).
TRANSIENT = frozenset(
    {
        "server_error",
        "unavailable",
        "unavailable_retry_after",
        "too_many_requests",
        "retry_after_too_long",
        "connection_reset",
        "stall",
        "truncated",
        "slow_drip",
    }
)
#: Good articles served beside the faults: the documents every run must keep.
GOOD = ("good_1", "good_2")
LISTING = "/czyjs/index.html"
LISTING_2 = "/czyjs/index_1.html"
ROBOTS = "User-agent: *\nDisallow: /private/\n"
_PAGE_SIZE = 14


def minimal_pdf(label: str) -> bytes:
    """A small file that sniffs as a PDF, distinct per label (the crawl tests do not parse it)."""
    body = (
        f"%PDF-1.4\n% juesuan fault portal: {label}\n".encode() + hashlib.sha256(label.encode()).digest() * 64
    )
    return body + b"\n%%EOF\n"


@dataclass(frozen=True)
class FaultRequest:
    method: str
    path: str
    host: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    at: float  # monotonic time the request arrived


class _State:
    def __init__(self, documents: dict[str, bytes], stall: float, drip_interval: float, cap: int) -> None:
        self.documents = documents
        self.stall = stall
        self.drip_interval = drip_interval
        self.cap = cap
        self.healed = False
        self.hits: dict[str, int] = {}
        self.requests: list[FaultRequest] = []
        self.listing_requests = 0
        self.published_late = False
        self.lock = threading.Lock()
        self.self_origin = ""
        self.alt_origin = ""
        self.last_modified = email.utils.formatdate(time.time() - 86400, usegmt=True)


def article_path(name: str) -> str:
    return f"/czyjs/202401/t20240101_{name}.html"


def attachment_path(name: str) -> str:
    if name == "robots_disallowed":
        return f"/private/{name}.pdf"
    return f"/files/{name}.pdf"


def _articles(state: _State) -> list[str]:
    names = [*GOOD, *FAULTS]
    names.remove("listing_changes")
    if state.published_late:
        names.insert(0, "listing_changes")  # published after the first listing page was read: shifts page 2
    return names


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultPortal/1.0"
    sys_version = ""
    state: _State

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self, status: int) -> None:
        with self.state.lock:
            self.state.requests.append(
                FaultRequest(
                    self.command,
                    self.path,
                    self.headers.get("Host", ""),
                    status,
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"),
                    getattr(self, "_arrived", time.monotonic()),
                )
            )

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, *, length: int | None = None
    ) -> None:
        self._record(status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, title: str, body: str) -> None:
        page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
        self._send(200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})

    def do_GET(self) -> None:
        self._arrived = time.monotonic()  # when the request arrived (politeness is measured on arrivals)
        path = unquote(urlsplit(self.path).path)
        with self.state.lock:
            hits = self.state.hits[path] = self.state.hits.get(path, 0) + 1
            healed = self.state.healed
        if path == "/robots.txt":
            self._send(200, ROBOTS.encode(), {"Content-Type": "text/plain"})
        elif path in (LISTING, LISTING_2):
            self._listing(path)
        elif path.startswith("/czyjs/202401/t20240101_"):
            name = path.removeprefix("/czyjs/202401/t20240101_").removesuffix(".html")
            if name not in FAULTS and name not in GOOD:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            links = [attachment_path(name)]
            if name == "same_file_two_urls":
                links.append("/files/same_file_copy.pdf")
            items = "".join(f'<li><a href="{h}">{name}.pdf</a></li>' for h in links)
            self._html(
                f"{name}2023年度部门决算",
                f'<h1>{name}2023年度部门决算</h1><ul class="attachments">{items}</ul>',
            )
        elif path.startswith(("/files/", "/private/")):
            name = path.rsplit("/", 1)[1].removesuffix(".pdf")
            self._attachment(name, hits, healed)
        else:
            self._send(404, b"not found", {"Content-Type": "text/plain"})

    def _listing(self, path: str) -> None:
        with self.state.lock:
            self.state.listing_requests += 1
            if path == LISTING_2 and not self.state.published_late:
                self.state.published_late = True  # an article goes up while the crawler reads page 1
            names = _articles(self.state)
        page = 0 if path == LISTING else 1
        shown = names[page * _PAGE_SIZE : (page + 1) * _PAGE_SIZE]
        items = "".join(f'<li><a href="{article_path(n)}">{n}2023年度部门决算</a></li>' for n in shown)
        nxt = '<a href="index_1.html">下一页</a>' if page == 0 else ""
        self._html("部门决算", f'<ul class="list">{items}</ul>{nxt}')

    def _good(self, name: str) -> None:
        data = self.state.documents[name]
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        headers = {"Content-Type": "application/pdf", "ETag": etag, "Last-Modified": self.state.last_modified}
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", headers)
            return
        self._send(200, data, headers)

    def _attachment(self, name: str, hits: int, healed: bool) -> None:
        st = self.state
        if name == "same_file_copy":
            name = "same_file_two_urls"
        if name not in st.documents:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if healed and name in TRANSIENT:
            self._good(name)
            return
        data = st.documents[name]
        if name == "not_found":
            self._send(404, b"<html><title>404</title></html>", {"Content-Type": "text/html"})
        elif name == "gone":
            self._send(410, b"<html><title>410</title></html>", {"Content-Type": "text/html"})
        elif name == "server_error":
            self._send(500, b"<html><title>500</title></html>", {"Content-Type": "text/html"})
        elif name == "unavailable":
            self._send(503, b"busy", {"Content-Type": "text/plain"})
        elif name == "unavailable_retry_after" and hits == 1:
            self._send(503, b"busy", {"Content-Type": "text/plain", "Retry-After": "2"})
        elif name == "too_many_requests" and hits == 1:
            self._send(429, b"slow down", {"Content-Type": "text/plain", "Retry-After": "1"})
        elif name == "retry_after_too_long":
            self._send(503, b"maintenance", {"Content-Type": "text/plain", "Retry-After": "86400"})
        elif name == "connection_reset":
            self._record(0)
            self.close_connection = True
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
        elif name == "stall":
            self._record(-1)
            time.sleep(st.stall)
            self.close_connection = True
        elif name == "truncated":
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            headers = {"Content-Type": "application/pdf", "ETag": etag, "Last-Modified": st.last_modified}
            self._send(200, data[: len(data) // 2], headers, length=len(data))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        elif name == "slow_drip":
            self._record(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):
                for i in range(0, len(data), 16):
                    self.wfile.write(data[i : i + 16])
                    self.wfile.flush()
                    time.sleep(st.drip_interval)
        elif name == "redirect_loop":
            self._send(302, b"", {"Location": attachment_path(name)})
        elif name == "redirect_outside":
            self._send(302, b"", {"Location": st.alt_origin + "/files/good_1.pdf"})
        elif name == "wrong_content_type":
            self._send(200, data, {"Content-Type": "text/html; charset=utf-8"})
        elif name == "html_as_pdf":
            page = "<!DOCTYPE html><html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>"
            self._send(200, page.encode("utf-8"), {"Content-Type": "application/pdf"})
        elif name == "oversize":
            self._send(200, data + b"\0" * (st.cap + 1), {"Content-Type": "application/pdf"})
        elif name == "oversize_unannounced":
            self._record(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.write(data)
                for _ in range(st.cap // 65536 + 2):
                    self.wfile.write(b"\0" * 65536)
        elif name == "gzip_bomb":
            bomb = gzip.compress(data + b"\0" * (st.cap * 8), compresslevel=9)
            self._send(200, bomb, {"Content-Type": "application/pdf", "Content-Encoding": "gzip"})
        else:  # good_*, healed transient faults, wrong type, same file, robots, listing change, retry-after seconds
            self._good(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on stalls and drips: that is the point


class FaultPortal:
    """The fault portal on 127.0.0.1 (a free port); `url` its origin, `alt_url` the same server as `localhost`
    (a host outside a source that allows only 127.0.0.1)."""

    def __init__(
        self,
        documents: dict[str, bytes] | None = None,
        *,
        stall: float = 2.0,
        drip_interval: float = 0.05,
        cap: int = 1_000_000,
    ) -> None:
        docs = {name: minimal_pdf(name) for name in (*GOOD, *FAULTS)}
        docs.update(documents or {})
        self.state = _State(docs, stall, drip_interval, cap)
        handler = type("BoundFaultHandler", (_Handler,), {"state": self.state})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.alt_url = f"http://localhost:{self.port}"
        self.state.self_origin, self.state.alt_origin = self.url, self.alt_url
        self._thread: threading.Thread | None = None

    def sources_yaml(self, *, source_id: str = "faults", **limits: Any) -> str:
        """A sources file crawling this portal (limits override the suite's short timeouts)."""
        lim = {
            "timeout": 0.6,
            "retries": 1,
            "backoff": 0.01,
            "rate_per_host": 1000,
            "max_bytes": self.state.cap,
        }
        lim.update(limits)
        lim_text = ", ".join(f"{k}: {v}" for k, v in lim.items())
        return (
            "sources:\n"
            f"  - id: {source_id}\n"
            "    family: trs_static\n"
            f'    start_urls: ["{self.url}{LISTING}"]\n'
            '    allowed_hosts: ["127.0.0.1"]\n'
            '    listing: {links: "ul.list li a", detail_url: "/t\\\\d{8}_\\\\w+\\\\.html$", '
            'pagination: "index(_\\\\d+)?\\\\.html$"}\n'
            '    detail: {attachments: "ul.attachments a", attachment_url: "\\\\.pdf$"}\n'
            f"    limits: {{{lim_text}}}\n"
        )

    def heal(self) -> None:
        """The next night: the transient network faults are gone (content faults stay)."""
        with self.state.lock:
            self.state.healed = True

    @property
    def requests(self) -> list[FaultRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def start(self) -> FaultPortal:
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve_faults(documents: dict[str, bytes] | None = None, **kwargs: Any) -> Iterator[FaultPortal]:
    with FaultPortal(documents, **kwargs) as portal:
        yield portal
