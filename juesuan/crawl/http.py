"""A polite HTTP client for portals: allowed hosts, robots.txt, per-host rate limit, retries, conditional GET, size cap.

Built on `urllib.request` with automatic redirects switched off, so every hop of a redirect is checked against
the source's allowed hosts and robots.txt before it is requested. Nothing here raises for a bad URL or a bad
server: every outcome is a `Response` whose `error` says what went wrong, so the crawler can record it.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import http.client
import ipaddress
import itertools
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from juesuan.crawl.sources import DEFAULT_USER_AGENT, Limits
from juesuan.crawl.state import CacheEntry, CrawlState

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


@dataclass
class Response:
    """The outcome of one logical fetch (after redirects and retries)."""

    url: str
    final_url: str
    status: int  # HTTP status of the last attempt; 0 when no HTTP answer (refused, network error, too large)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes | None = None  # the body of a 200; for a 304, the cached body if one was kept
    not_modified: bool = False
    cached: CacheEntry | None = None  # what the state knew before this fetch
    attempts: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in (200, 304)


@dataclass
class RequestStats:
    """Request counts for a crawl: what a no-change run should show is requests == not_modified."""

    requests: int = 0  # HTTP requests actually sent (every attempt, every redirect hop, robots.txt)
    conditional: int = 0  # of which carried If-None-Match / If-Modified-Since
    not_modified: int = 0  # answered 304
    ok: int = 0  # answered 200
    retries: int = 0
    bytes_downloaded: int = 0
    blocked_by_robots: int = 0
    blocked_by_host: int = 0
    by_status: Counter[int] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "by_status"}
        d["by_status"] = {str(k): v for k, v in sorted(self.by_status.items())}
        return d


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # surface 3xx as HTTPError; HttpClient follows it after checking the target


class _TooLarge(Exception):
    pass


class _Truncated(Exception):
    """The body ended before its Content-Length: never a document, and its validators are never kept."""


class _DeadlineExceeded(Exception):
    pass


class _PrivateAddress(OSError):
    pass


def is_private_address(address: str) -> bool:
    """Loopback, private (RFC 1918 / ULA), link-local (cloud metadata), unspecified or reserved addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
    )


class _Watchdog:
    """One thread for every request's deadline (a timer thread per request cost more than the request itself on
    an unchanged night): deadlines wait in a heap and the thread expires each one that is still armed."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: _Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + deadline.seconds, next(self._seq), deadline))
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._loop, name="juesuan-http-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
            due._expire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """One request's whole-request deadline: when it passes the socket is shut down, so neither a server that
    stalls nor one that drips a byte at a time can hold a request longer than the timeout."""

    def __init__(self, seconds: float, private_ok: bool) -> None:
        self.seconds = seconds
        self.private_ok = private_ok
        self.expired = False
        self.cancelled = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        _WATCHDOG.arm(self)

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.expired = True
            self._shutdown()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True


_request_local = threading.local()


def _guard_socket(sock: socket.socket) -> None:
    """Register the connected socket with the current deadline, and refuse a private peer the source forbids."""
    deadline: _Deadline | None = getattr(_request_local, "deadline", None)
    if deadline is None:
        return
    peer = sock.getpeername()[0]
    if not deadline.private_ok and is_private_address(peer):
        sock.close()
        raise _PrivateAddress(f"refused: resolves to a private or loopback address ({peer})")
    deadline.attach(sock)


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _guard_socket(self.sock)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _guard_socket(self.sock)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


#: Query parameters whose values are credentials: replaced by REDACTED wherever a URL is logged or shown.
SECRET_PARAMS = re.compile(
    r"(?i)^(access_?token|token|auth|authorization|api_?key|key|secret|password|passwd|pwd|sig|signature|"
    r"session_?id|sessionid|jsessionid|ticket|credential|x-amz-signature|x-amz-credential|x-amz-security-token)$"
)
_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(access_?token|token|api_?key|secret|password|passwd|signature|sig|jsessionid|ticket)=([^&\s'\"]+)"
)


def redact_url(url: str) -> str:
    """`url` with credentials removed: user:password@ and the values of secret-looking query parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "REDACTED@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = []
        for piece in query.split("&"):
            name, eq, _ = piece.partition("=")
            pairs.append(f"{name}=REDACTED" if eq and SECRET_PARAMS.match(name) else piece)
        query = "&".join(pairs)
    if netloc == parts.netloc and query == parts.query:
        return url
    return parts._replace(netloc=netloc, query=query).geturl()


def redact_text(text: str) -> str:
    """Credentials inside free text (an error message quoting a URL)."""
    text = re.sub(r"(https?://)[^/\s@]+@", r"\1REDACTED@", text)
    return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}=REDACTED", text)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    """Fetches URLs for the crawler; one instance per crawl run (it caches robots.txt and pacing per host).

    `sleep` and `clock` are injectable so tests exercise backoff and rate limits without waiting.
    """

    def __init__(
        self,
        state: CrawlState | None = None,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.user_agent = user_agent
        self.sleep = sleep
        self.clock = clock
        self.stats = RequestStats()
        self.log: list[dict[str, Any]] = []
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._next_slot: dict[str, float] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._robots_lock = threading.Lock()
        self._opener = urllib.request.build_opener(
            _NoRedirect(), _GuardedHTTPHandler(), _GuardedHTTPSHandler()
        )

    # -- public ----------------------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        limits: Limits,
        allowed: Callable[[str], bool],
        conditional: bool = True,
        user_agent: str | None = None,
        form: Mapping[str, str] | None = None,
        private_ok: Callable[[str], bool] | None = None,
    ) -> Response:
        """GET `url` (or POST `form` to it) politely. `allowed(url)` vets the URL and every redirect hop;
        `private_ok(url)` says whether that URL may connect to a loopback or private address (None: no check).

        A POST (listing APIs such as Jiangsu's) is never conditional: its answer cannot be validated.
        """
        ua = user_agent or self.user_agent
        conditional = conditional and form is None
        cached = self.state.get(url) if (self.state is not None and conditional) else None
        current = url
        attempts = 0
        for hop in range(MAX_REDIRECTS + 1):
            if not allowed(current):
                self._count(blocked_by_host=1)
                where = "" if hop == 0 else f" (redirected from {url})"
                return Response(
                    url, current, 0, cached=cached, error=f"outside allowed hosts: {current}{where}"
                )
            _request_local.private_ok = True if private_ok is None else private_ok(current)
            robots_error = self._robots_check(current, limits, allowed, ua)
            if robots_error:
                self._count(blocked_by_robots=1)
                return Response(url, current, 0, cached=cached, error=robots_error)
            validators = cached if hop == 0 else None
            status, headers, body, error, n = self._get_with_retries(
                current, limits, validators, ua, form if hop == 0 else None
            )
            attempts += n
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                current = urljoin(current, headers["location"])
                continue
            if status == 304 and hop == 0 and cached is not None:
                return Response(url, current, 304, headers, cached.body, True, cached, attempts)
            if error is None and status != 200:
                error = f"HTTP {status}"
            return Response(
                url, current, status, headers, body if status == 200 else None, False, cached, attempts, error
            )
        return Response(
            url, current, 0, cached=cached, attempts=attempts, error=f"more than {MAX_REDIRECTS} redirects"
        )

    def _count(self, status: int | None = None, **deltas: int) -> None:
        """Update the request counters (sources may be crawled from several threads)."""
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)
            if status is not None:
                self.stats.by_status[status] += 1

    # -- robots.txt ------------------------------------------------------------------------------------------

    def _robots_check(self, url: str, limits: Limits, allowed: Callable[[str], bool], ua: str) -> str | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:  # one robots.txt fetch per host, even with several crawl threads
            if key not in self._robots:
                self._robots[key] = self._load_robots(key, limits, ua)
        rp = self._robots[key]
        if isinstance(rp, str):
            return rp
        return None if rp.can_fetch(ua, url) else f"disallowed by robots.txt: {url}"

    def _crawl_delay(self, netloc: str, scheme: str, ua: str) -> float:
        """The Crawl-delay robots.txt asks of us for this host (0 when none)."""
        rp = self._robots.get(f"{scheme}://{netloc}")
        if rp is None or isinstance(rp, str):
            return 0.0
        try:
            delay = rp.crawl_delay(ua)
        except (TypeError, ValueError):
            return 0.0
        return float(delay or 0.0)

    def _load_robots(self, root: str, limits: Limits, ua: str) -> urllib.robotparser.RobotFileParser | str:
        """Fetch and parse robots.txt (conditionally); 4xx = no rules, 401/403 or unreachable = keep out."""
        robots_url = root + "/robots.txt"
        cached = self.state.get(robots_url) if self.state is not None else None
        status, headers, body, error, _ = self._get_with_retries(robots_url, limits, cached, ua)
        rp = urllib.robotparser.RobotFileParser(robots_url)
        if status == 304 and cached is not None and cached.body is not None:
            body = cached.body
        elif status == 200 and body is not None:
            if self.state is not None:
                self.state.remember(robots_url, headers, body=body, kind="text")
        elif status in (401, 403):
            return f"robots.txt at {robots_url} answered HTTP {status}: the host forbids crawling"
        elif 400 <= status < 500:
            rp.parse([])
            return rp
        else:
            return f"robots.txt at {robots_url} unavailable ({error or f'HTTP {status}'}): not crawling this host"
        rp.parse((body or b"").decode("utf-8", "replace").splitlines())
        return rp

    # -- one GET with retries --------------------------------------------------------------------------------

    def _get_with_retries(
        self,
        url: str,
        limits: Limits,
        validators: CacheEntry | None,
        ua: str,
        form: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes | None, str | None, int]:
        attempt = 0
        while True:
            attempt += 1
            status, headers, body, error, transient = self._get_once(url, limits, validators, ua, form)
            wait = limits.backoff * (2 ** (attempt - 1))
            asked = retry_after_seconds(headers.get("retry-after")) if status in (429, 503) else None
            if transient and asked is not None:
                if asked > limits.max_retry_after:
                    error = (
                        f"HTTP {status} with Retry-After {asked:g}s, more than the "
                        f"{limits.max_retry_after:g}s this source waits (not retried)"
                    )
                    return status, headers, body, error, attempt
                wait = max(wait, asked)
            if not transient or attempt > limits.retries:
                if transient and error is None:
                    error = f"HTTP {status}"
                if transient:
                    error = f"{error} (gave up after {attempt} attempts)"
                return status, headers, body, error, attempt
            self._count(retries=1)
            self.sleep(wait)

    def _pace(self, host: str, rate: float) -> None:
        """Wait for this host's next slot. The host's lock is held through the wait, so requests from several
        crawl threads leave one at a time, each at least 1/rate after the previous one actually left."""
        interval = 1.0 / rate if rate > 0 else 0.0
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            now = self.clock()
            wait = self._next_slot.get(host, now) - now
            if wait > 0:
                self.sleep(wait)
            self._next_slot[host] = self.clock() + interval

    def _get_once(
        self,
        url: str,
        limits: Limits,
        validators: CacheEntry | None,
        ua: str,
        form: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes | None, str | None, bool]:
        """One attempt: (status, headers, body, error, transient)."""
        headers = {"User-Agent": ua, "Accept-Encoding": "identity"}
        data = None
        if form is not None:
            data = urlencode(form).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        conditional = False
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
                conditional = True
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
                conditional = True
        parts = urlsplit(url)
        rate = limits.rate_per_host
        delay = self._crawl_delay(parts.netloc, parts.scheme, ua)
        if delay > 0:
            rate = min(rate, 1.0 / delay) if rate > 0 else 1.0 / delay
        self._pace(parts.netloc, rate)
        self._count(requests=1, conditional=int(conditional))
        entry: dict[str, Any] = {
            "url": redact_url(url),
            "method": "POST" if form is not None else "GET",
            "conditional": conditional,
        }
        self.log.append(entry)
        started = time.monotonic()
        req = urllib.request.Request(
            url, data=data, headers=headers, method="POST" if form is not None else "GET"
        )
        deadline = _Deadline(limits.timeout, getattr(_request_local, "private_ok", True))
        _request_local.deadline = deadline
        deadline.start()
        try:
            try:
                resp = self._opener.open(req, timeout=limits.timeout)
            except urllib.error.HTTPError as exc:
                resp = exc
            with resp:
                status = int(resp.status if hasattr(resp, "status") and resp.status else resp.code)
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                self._count(status=status)
                entry["status"] = status
                if status != 200:
                    resp.read(_CHUNK)  # drain a little so keep-alive servers are not left mid-body
                    if status == 304:
                        self._count(not_modified=1)
                    return status, hdrs, None, None, status in TRANSIENT_STATUS
                body = self._read_capped(resp, hdrs, limits.max_bytes, deadline)
                self._count(ok=1, bytes_downloaded=len(body))
                entry["bytes"] = len(body)
                return 200, hdrs, body, None, False
        except _TooLarge as exc:
            entry["error"] = str(exc)
            return 200, {}, None, str(exc), False
        except _PrivateAddress as exc:
            entry["error"] = str(exc)
            return 0, {}, None, str(exc), False
        except _Truncated as exc:
            entry["error"] = str(exc)
            return 0, {}, None, str(exc), True
        except (_DeadlineExceeded, TimeoutError) as exc:
            entry["error"] = f"timeout: {exc}"
            return 0, {}, None, f"timeout: no complete answer within {limits.timeout:g}s", True
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, _PrivateAddress):
                entry["error"] = str(reason)
                return 0, {}, None, str(reason), False
            if deadline.expired or isinstance(reason, TimeoutError):
                entry["error"] = f"timeout: {reason}"
                return 0, {}, None, f"timeout: no complete answer within {limits.timeout:g}s", True
            entry["error"] = str(reason)
            transient = isinstance(reason, (OSError, TimeoutError))
            return 0, {}, None, f"network error: {reason}", transient
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            if deadline.expired:
                entry["error"] = f"timeout: {exc!r}"
                return 0, {}, None, f"timeout: no complete answer within {limits.timeout:g}s", True
            entry["error"] = repr(exc)
            return 0, {}, None, f"network error: {exc.__class__.__name__}: {exc}", True
        finally:
            deadline.cancel()
            _request_local.deadline = None
            entry["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)

    @staticmethod
    def _read_capped(
        resp: Any, headers: dict[str, str], cap: int, deadline: _Deadline | None = None
    ) -> bytes:
        """The whole body, or an exception: over the cap, shorter than its Content-Length, or past the deadline.

        A gzip-encoded body (sent although we ask for identity) is inflated here under the same cap, so a
        gzip bomb stops at `cap` bytes of output.
        """
        length = headers.get("content-length")
        expected = int(length) if length and length.strip().isdigit() else None
        if expected is not None and expected > cap:
            raise _TooLarge(f"too large: Content-Length {expected} bytes exceeds the {cap}-byte cap")
        encoding = (headers.get("content-encoding") or "identity").strip().lower()
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
        if encoding == "deflate":
            inflater = zlib.decompressobj()
        read = getattr(resp, "read1", None) or resp.read
        chunks: list[bytes] = []
        received = 0  # bytes on the wire (what Content-Length counts)
        total = 0  # bytes of content (after inflating)
        while True:
            try:
                chunk = read(_CHUNK)
            except (OSError, ValueError, http.client.HTTPException):
                if deadline is not None and deadline.expired:
                    raise _DeadlineExceeded(f"body not complete after {deadline.seconds:g}s") from None
                raise
            if deadline is not None and deadline.expired:
                raise _DeadlineExceeded(f"body not complete after {deadline.seconds:g}s ({received} bytes)")
            if not chunk:
                break
            received += len(chunk)
            if inflater is not None:
                try:
                    chunk = inflater.decompress(chunk, cap + 1 - total)
                except zlib.error as exc:
                    raise _Truncated(f"corrupt {encoding} body: {exc}") from None
                if inflater.unconsumed_tail:
                    raise _TooLarge(
                        f"too large: {encoding} body inflates past the {cap}-byte cap (gzip bomb?)"
                    )
            total += len(chunk)
            if total > cap:
                raise _TooLarge(f"too large: more than {cap} bytes (download stopped)")
            chunks.append(chunk)
        if expected is not None and received < expected:
            raise _Truncated(f"truncated: received {received} of {expected} bytes (Content-Length)")
        if inflater is not None and not inflater.eof:
            raise _Truncated(f"truncated: the {encoding} body ends before its end marker")
        return b"".join(chunks)
