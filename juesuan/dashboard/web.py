"""The dashboard's web server: plain server-rendered HTML (Starlette on uvicorn, Jinja2), filters in the URL.

Why not Streamlit: a Streamlit page that runs no query already takes ~1.0 s to show in chromium (61 scripts,
2.3 MB of JavaScript, a websocket, a script rerun, React drawing; see README "Why server-rendered"), so no page
could meet the 1 s target. Here a page is one GET: the filters are query parameters (a URL is a bookmark and a
shareable view), the server runs the page's queries and answers HTML with its tables; charts are Vega-Lite
specs (made by Altair) drawn by vega-embed, which the server itself serves from vl-convert-python's offline
bundle. Every table has a CSV download (the same URL with `csv=<table>`); the source view's page image is a
PNG rendered from the raw store with pypdfium2 and the cell's box drawn, cached.

Each browser session (a cookie) has its own read-only `WarehouseReader`; every request first refreshes it, so
a publish that swapped the file is picked up by the next request. Query results are cached per publication
(file identity) and per arguments. Binds 127.0.0.1 by default.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import os
import secrets
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import altair as alt
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from juesuan.dashboard import data
from juesuan.dashboard.data import RegionFilter, WarehouseMissing, WarehouseReader

ALL = ""  # the "全部" choice of a filter: an empty query parameter
ALL_LABEL = "全部"
WAN_NOTE = "金额单位：万元（由元精确换算，四舍五入保留两位小数）。"
SESSION_COOKIE = "juesuan_session"
#: Rows a table shows in the page (its "显示全部" link shows up to TABLE_ROWS_ALL); its CSV holds every row.
TABLE_ROWS = 200
TABLE_ROWS_ALL = 5000

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


# ---------------------------------------------------------------------------------------------- sessions, cache


class Sessions:
    """One read-only reader per browser session (cookie), the least recently used closed beyond `limit`."""

    def __init__(self, path: Path, limit: int = 256) -> None:
        self.path = path
        self.limit = limit
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, list[Any]] = OrderedDict()  # sid -> [reader, requests]

    def get(self, sid: str | None) -> tuple[str, WarehouseReader, int]:
        with self._lock:
            if not sid or sid not in self._sessions:
                sid = secrets.token_urlsafe(18)
                self._sessions[sid] = [WarehouseReader(self.path), 0]
            entry = self._sessions[sid]
            self._sessions.move_to_end(sid)
            entry[1] += 1
            while len(self._sessions) > self.limit:
                _, (old, _n) = self._sessions.popitem(last=False)
                old.close()
            return sid, entry[0], entry[1]


class Lru:
    """A small thread-safe least-recently-used map."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)


class QueryCache:
    """data.<name>(reader, *args) results per publication (file identity) and arguments; copies handed out."""

    def __init__(self, limit: int = 512) -> None:
        self.enabled = os.environ.get("JUESUAN_DASHBOARD_NO_CACHE") != "1"
        self.limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, Any] = OrderedDict()

    def __call__(self, reader: WarehouseReader, name: str, *args: Any) -> Any:
        if not self.enabled:
            return getattr(data, name)(reader, *args)
        key = (reader.identity, str(reader.path), name, args)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return _copy(self._items[key])
        value = getattr(data, name)(reader, *args)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return _copy(value)


def _copy(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------- formatting


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):  # lists / arrays
        return False


def cell_text(v: Any, *, grouped: bool = True) -> str:
    """A value as the table (grouped thousands) or the CSV (plain) shows it; exact decimals, never floats."""
    if isinstance(v, str):
        return v
    if isinstance(v, Decimal):
        return f"{v:,}" if grouped else f"{v:f}"
    if hasattr(v, "tolist") and not isinstance(v, (int, float)):  # numpy arrays (lists of rule ids, years)
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return ", ".join(cell_text(x, grouped=grouped) for x in v)
    if _missing(v):
        return ""
    if isinstance(v, pd.Timestamp):
        return str(v)[:19]
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}" if grouped and abs(v) >= 10000 else str(v)
    return str(v)


def fmt(v: Any, places: int = 2) -> str:
    if _missing(v):
        return "—"
    if not isinstance(v, Decimal):
        v = Decimal(str(v))
    return f"{v:,.{places}f}"


def _floats(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """A copy for plotting only: Vega-Lite needs numbers; tables and CSV keep the exact decimals."""
    out = df.copy()
    for c in cols:
        out[c] = [float(v) if isinstance(v, Decimal) else (None if _missing(v) else v) for v in out[c]]
    return out


def _json_for_script(spec: dict) -> str:
    """JSON safe inside <script>: no '</script>' or HTML comment can close it early."""
    return (
        json.dumps(spec, ensure_ascii=False, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


# ---------------------------------------------------------------------------------------------- page builder


class CsvRequested(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class Page:
    """One page being built: its parts in order, its filter form's fields, its tables (for CSV)."""

    def __init__(self, app: Dashboard, request: Request, reader: WarehouseReader, path: str) -> None:
        self.app = app
        self.request = request
        self.reader = reader
        self.path = path
        self.params = request.query_params
        self.parts: list[Markup] = []
        self.charts = 0
        self.title = ""
        self._row: list[Markup] | None = None

    # --- reading
    def q(self, name: str, *args: Any) -> Any:
        return self.app.cache(self.reader, name, *args)

    def param(self, name: str) -> str | None:
        v = self.params.get(name)
        return v if v not in (None, "") else None

    # --- parts
    def add(self, markup: str | Markup) -> None:
        (self._row if self._row is not None else self.parts).append(Markup(markup))

    @contextmanager
    def row(self) -> Iterator[None]:
        """Widgets side by side."""
        self._row = []
        try:
            yield
        finally:
            items, self._row = self._row, None
            self.parts.append(Markup('<div class="row">') + Markup("").join(items) + Markup("</div>"))

    def h1(self, text: str) -> None:
        self.title = text
        self.add(Markup("<h1>{}</h1>").format(text))

    def h2(self, text: str) -> None:
        self.add(Markup("<h2>{}</h2>").format(text))

    def h3(self, text: str) -> None:
        self.add(Markup("<h3>{}</h3>").format(text))

    def caption(self, text: str) -> None:
        self.add(Markup('<p class="caption">{}</p>').format(text))

    def text(self, text: str) -> None:
        self.add(Markup("<p>{}</p>").format(text))

    def note(self, kind: str, text: str) -> None:
        """kind: info, success, warning, error."""
        self.add(Markup('<div class="note {}">{}</div>').format(kind, text))

    def metrics(self, items: Sequence[tuple[str, Any]]) -> None:
        cells = Markup("").join(
            Markup(
                '<div class="metric"><div class="metric-label">{}</div><div class="metric-value">{}</div></div>'
            ).format(label, "—" if _missing(value) else value)
            for label, value in items
        )
        self.add(Markup('<div class="metrics">{}</div>').format(cells))

    def link(self, text: str, href: str) -> None:
        self.add(Markup('<p><a href="{}">{}</a></p>').format(href, text))

    # --- widgets (all belong to the page's one GET form "f"; a change submits it)
    def select(
        self,
        name: str,
        label: str,
        options: Sequence[tuple[str, str]],
        default: str | None = None,
        *,
        reset: Sequence[str] = (),
        disabled: bool = False,
    ) -> str:
        """A drop-down; returns the chosen value (the query parameter if it is one of the options)."""
        values = [v for v, _ in options]
        wanted = self.params.get(name)
        chosen = (
            wanted if wanted in values else (default if default in values else (values[0] if values else ""))
        )
        opts = Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                v, Markup(" selected") if v == chosen else "", lab
            )
            for v, lab in options
        )
        self.add(
            Markup(
                '<label class="field"><span>{}</span><select name="{}" form="f" data-reset="{}"{}>{}</select></label>'
            ).format(label, name, ",".join(reset), Markup(" disabled") if disabled else "", opts)
        )
        return chosen

    def radio(self, name: str, label: str, options: Sequence[str], default: str | None = None) -> str:
        wanted = self.params.get(name)
        chosen = wanted if wanted in options else (default or options[0])
        buttons = Markup("").join(
            Markup(
                '<label class="radio"><input type="radio" name="{}" value="{}" form="f"{}> {}</label>'
            ).format(name, v, Markup(" checked") if v == chosen else "", v)
            for v in options
        )
        self.add(Markup('<div class="field"><span>{}</span><div>{}</div></div>').format(label, buttons))
        return chosen

    def region(self) -> RegionFilter:
        """省 → 市 → 县 from the regions in the warehouse (names from the administrative-division list)."""
        regs = self.q("regions")
        provinces = list(dict.fromkeys(p for p in regs.province if isinstance(p, str)))
        with self.row():
            prov = self.select(
                "province",
                "省级",
                [(ALL, ALL_LABEL), *((p, p) for p in provinces)],
                reset=("city", "county", "dept", "cls", "kuan", "report"),
            )
            cities = (
                list(dict.fromkeys(c for c in regs[regs.province == prov].city if isinstance(c, str)))
                if prov
                else []
            )
            city = self.select(
                "city",
                "市级",
                [(ALL, ALL_LABEL), *((c, c) for c in cities)],
                reset=("county", "dept", "cls", "kuan", "report"),
                disabled=not prov,
            )
            counties = (
                list(
                    dict.fromkeys(
                        c
                        for c in regs[(regs.province == prov) & (regs.city == city)].county
                        if isinstance(c, str)
                    )
                )
                if city
                else []
            )
            county = self.select(
                "county",
                "县级",
                [(ALL, ALL_LABEL), *((c, c) for c in counties)],
                reset=("dept", "cls", "kuan", "report"),
                disabled=not city,
            )
        return RegionFilter(
            prov or None, (city or None) if prov else None, (county or None) if city else None
        )

    def year_range(self) -> tuple[int, int]:
        ys = self.q("years")
        if not ys:
            return (0, 0)
        if len(ys) == 1:
            self.caption(f"年度：{ys[0]}")
            return ys[0], ys[0]
        opts = [(str(y), str(y)) for y in ys]
        lo = int(self.select("y0", "起始年度", opts, str(ys[0])))
        hi = int(self.select("y1", "截止年度", opts, str(ys[-1])))
        return (lo, hi) if lo <= hi else (hi, lo)

    def dept_type(self, region: RegionFilter) -> str | None:
        types = self.q("department_types", region)
        return (
            self.select(
                "type",
                "部门类型（规范化名称）",
                [(ALL, ALL_LABEL), *((t, t) for t in types)],
                reset=("cls", "kuan"),
            )
            or None
        )

    # --- figures
    def chart(self, chart: Any, height: int | None = None) -> None:
        """An Altair chart drawn in the browser by the vega-embed copy this server serves."""
        if isinstance(chart.data, pd.DataFrame):  # plain records: Altair's DataFrame sanitising costs more
            chart.data = alt.InlineData(values=_records(chart.data))
        chart = chart.properties(width="container", **({"height": height} if height else {}))
        spec = chart.to_dict(validate=False)
        self.charts += 1
        cid = f"chart-{self.charts}"
        self.add(
            Markup(
                '<div class="chart" id="{}"></div><script type="application/json" data-chart="{}">{}</script>'
            ).format(cid, cid, Markup(_json_for_script(spec)))
        )

    def table(
        self,
        df: pd.DataFrame,
        columns: dict[str, str],
        *,
        key: str,
        file_name: str,
        links: dict[str, str] | None = None,
    ) -> None:
        """The figure's table (display labels) and its CSV download: this page's URL with csv=<key>."""
        links = links or {}
        cols = [c for c in columns if c in df.columns]
        if self.params.get("csv") == key:
            raise CsvRequested(self._csv(df, cols, columns, links, file_name))
        numeric = {c for c in cols if c not in links and _is_numeric(df[c])}
        num_th = ' class="num"'
        head = "".join(f"<th{num_th if c in numeric else ''}>{_h(columns[c])}</th>" for c in cols)
        kinds = [(1, _h(links[c])) if c in links else ((2, "") if c in numeric else (0, "")) for c in cols]
        show_all = self.params.get("all") == key
        limit = TABLE_ROWS_ALL if show_all else TABLE_ROWS
        body: list[str] = []
        for values in df[cols].head(limit).itertuples(index=False, name=None):
            tds = []
            for (kind, text), v in zip(kinds, values, strict=True):
                if kind == 1:
                    tds.append(
                        f'<td><a href="{_h(v)}">{text}</a></td>' if isinstance(v, str) and v else "<td></td>"
                    )
                elif kind == 2:
                    tds.append(f'<td class="num">{_h(cell_text(v))}</td>')
                else:
                    tds.append(f"<td>{_h(cell_text(v))}</td>")
            body.append("<tr>" + "".join(tds) + "</tr>")
        more = ""
        if len(df) > limit:
            more = f'<p class="caption">表格显示前 {limit} 行，CSV 含全部 {len(df)} 行。'
            if not show_all:
                more += f' <a href="{_h(self.url(all=key))}#{_h(key)}">显示全部 {len(df)} 行</a>'
            more += "</p>"
        self.add(
            Markup(
                f'<div class="table-wrap" id="{_h(key)}"><table class="data" data-key="{_h(key)}"><thead><tr>{head}'
                f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>{more}<p><a class="csv" '
                f'href="{_h(self.url(csv=key, all=None))}" download="{_h(file_name)}.csv">下载 CSV</a>'
                f'<span class="caption"> {len(df)} 行</span></p>'
            )
        )

    def _csv(
        self,
        df: pd.DataFrame,
        cols: list[str],
        columns: dict[str, str],
        links: dict[str, str],
        file_name: str,
    ) -> Response:
        host = self.request.headers.get("host", "127.0.0.1")
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([columns[c] for c in cols])
        for values in df[cols].itertuples(index=False, name=None):
            w.writerow(
                [
                    (
                        f"http://{host}{v}"
                        if c in links and isinstance(v, str) and v
                        else cell_text(v, grouped=False)
                    )
                    for c, v in zip(cols, values, strict=True)
                ]
            )
        name = f"{file_name}.csv"
        return Response(
            ("\ufeff" + buf.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    def url(self, **changes: str | None) -> str:
        params = {k: v for k, v in self.params.items() if k != "csv"}
        for k, v in changes.items():
            if v is None:
                params.pop(k, None)
            else:
                params[k] = v
        return self.path + ("?" + urlencode(params) if params else "")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (numbers as numbers, missing as null, anything else as text)."""
    cols = list(df.columns)
    out = []
    for values in df.itertuples(index=False, name=None):
        row = {}
        for c, v in zip(cols, values, strict=True):
            if _missing(v):
                row[c] = None
            elif isinstance(v, (str, bool, int, float)):
                row[c] = v
            elif isinstance(v, Decimal):
                row[c] = float(v)
            elif hasattr(v, "item"):
                row[c] = v.item()
            else:
                row[c] = str(v)
        out.append(row)
    return out


def _h(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _is_numeric(s: pd.Series) -> bool:
    if s.dtype.kind in "iuf":
        return True
    v = next((x for x in s if not _missing(x)), None)
    if v is None:
        return False
    return (isinstance(v, (Decimal, int, float)) and not isinstance(v, bool)) or (
        hasattr(v, "dtype") and v.dtype.kind in "iuf"
    )


# ---------------------------------------------------------------------------------------------- the app


NAV: list[tuple[str, str]] = [
    ("/", "概览"),
    ("/compare", "对比"),
    ("/department", "部门档案"),
    ("/functions", "功能分类钻取"),
    ("/budget", "预算执行"),
    ("/quality", "数据质量"),
    ("/source", "原文核对"),
]


class Dashboard:
    def __init__(self, warehouse: Path) -> None:
        self.warehouse = Path(warehouse)
        self.sessions = Sessions(self.warehouse)
        self.cache = QueryCache()
        self.pages_cache = Lru(256)
        self.vega_js = vega_bundle()
        self.app_js = Path(__file__).with_name("static").joinpath("app.js").read_bytes()
        self.css = Path(__file__).with_name("static").joinpath("dashboard.css").read_bytes()
        self.images: OrderedDict[tuple, tuple[bytes, bytes | None]] = OrderedDict()
        self._images_lock = threading.Lock()
        from juesuan.dashboard import pages

        routes = [Route(path, self._page(fn, path)) for path, fn in pages.ROUTES.items()]
        routes += [
            Route("/source/image.png", self.source_image),
            Route("/data_docs/raw", self.data_docs_raw),
            Route("/static/vega-embed.js", self._static(self.vega_js, "text/javascript")),
            Route("/static/app.js", self._static(self.app_js, "text/javascript")),
            Route("/static/dashboard.css", self._static(self.css, "text/css")),
            Route("/healthz", lambda request: PlainTextResponse("ok")),
            Route("/favicon.ico", lambda request: Response(status_code=204)),
        ]
        self.asgi = Starlette(routes=routes)

    def _static(self, body: bytes, media: str) -> Callable[[Request], Response]:
        def serve(request: Request) -> Response:
            return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

        return serve

    def _session(self, request: Request) -> tuple[str, WarehouseReader, int, str | None]:
        sid, reader, n = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        old = reader.generation
        notice = None
        if reader.refresh() and old is not None and old != reader.generation:
            notice = f"数据已更新：第 {reader.generation} 代发布"
        return sid, reader, n, notice

    def _page(self, fn: Callable[[Page], None], path: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            sid = request.cookies.get(SESSION_COOKIE)
            try:
                sid, reader, n, notice = self._session(request)
            except WarehouseMissing as exc:
                return self._render(
                    request,
                    sid,
                    "部门决算看板",
                    Markup(
                        '<div class="note error">{}。先运行 `juesuan run`（样例数据）或 `juesuan ingest --from-dir …` 发布一个仓库。</div>'
                    ).format(exc),
                    None,
                    started,
                    0,
                    None,
                    path,
                    status=503,
                )
            cache_key = (reader.identity, path, tuple(sorted(request.query_params.multi_items())))
            cached = self.pages_cache.get(cache_key) if self.cache.enabled else None
            if cached is not None:
                return self._render(request, sid, *cached, reader, started, n, notice, path)
            page = Page(self, request, reader, path)
            try:
                fn(page)
            except CsvRequested as csv_response:
                return self._cookie(csv_response.response, sid)
            except Exception as exc:  # shown as a page saying what failed (and detected by the browser tests)
                page.parts.append(
                    Markup(
                        '<div class="py-error" data-testid="python-error"><b>Python 错误</b>：{}: {}<pre>{}</pre></div>'
                    ).format(type(exc).__name__, exc, traceback.format_exc())
                )
                return self._render(
                    request,
                    sid,
                    page.title or "错误",
                    Markup("").join(page.parts),
                    reader,
                    started,
                    n,
                    notice,
                    path,
                    status=500,
                )
            body = Markup("").join(page.parts)
            if self.cache.enabled:  # the page is a function of the publication and its URL
                self.pages_cache.put(cache_key, (page.title, body))
            return self._render(request, sid, page.title, body, reader, started, n, notice, path)

        return endpoint

    def _render(
        self,
        request: Request,
        sid: str | None,
        title: str,
        body: Markup,
        reader: WarehouseReader | None,
        started: float,
        n: int,
        notice: str | None,
        path: str,
        status: int = 200,
    ) -> Response:
        ms = (time.perf_counter() - started) * 1000
        html = _templates.get_template("base.html").render(
            title=title,
            body=body,
            nav=NAV,
            path=path,
            reader=reader,
            published_at=str(reader.published_at)[:19] if reader is not None else "",
            wan_note=WAN_NOTE,
            notice=notice,
            footer=f"本页查询与生成用时 {ms:.0f} 毫秒 · 第 {reader.generation if reader else '—'} 代发布 · 本会话第 {n} 次请求",
        )
        return self._cookie(HTMLResponse(html, status_code=status), sid)

    @staticmethod
    def _cookie(response: Response, sid: str | None) -> Response:
        if sid:
            response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax")
        return response

    # --- the source view's page image
    def source_image(self, request: Request) -> Response:
        """PNG of the page a figure was printed on, its cell boxed (part=row: a close-up of the row)."""
        try:
            sid, reader, _n, _notice = self._session(request)
        except WarehouseMissing as exc:
            return PlainTextResponse(str(exc), status_code=503)
        params = {k: request.query_params.get(k) for k in data.SOURCE_PARAMS}
        cell = self.cache(reader, "source_cell", tuple(sorted((k, v) for k, v in params.items() if v)))
        info = self.cache(reader, "document_info", params.get("sha") or "")
        if cell is None or info is None:
            return PlainTextResponse("仓库中没有这份文档。", status_code=404)
        part = "row" if request.query_params.get("part") == "row" else "page"
        key = (info["raw_path"], int(cell.page or 1), cell.bbox)
        images = self._page_images(key)
        if isinstance(images, str):
            return PlainTextResponse(images, status_code=404)
        png = images[1] if part == "row" and images[1] is not None else images[0]
        return self._cookie(
            Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}), sid
        )

    def _page_images(self, key: tuple) -> tuple[bytes, bytes | None] | str:
        """(page with the box, close-up of the row) for (raw path, page, bbox), rendered once: the page and its
        close-up are requested together, and the second request waits for the first one's rendering."""
        with self._images_lock:
            if key in self.images:
                self.images.move_to_end(key)
                return self.images[key]
        with data.PDFIUM_LOCK:
            with self._images_lock:
                if key in self.images:
                    return self.images[key]
            raw_path, page, bbox = key
            try:
                page_png, _size = data.render_page(str(raw_path), page)
            except Exception as exc:  # a missing or unreadable raw file: say so
                return f"无法渲染原文：{type(exc).__name__}: {exc}"
            rendered = data.highlight(page_png, bbox)
            with self._images_lock:
                self.images[key] = rendered
                while len(self.images) > 64:
                    self.images.popitem(last=False)
            return rendered

    def data_docs_raw(self, request: Request) -> Response:
        """The GX Data Docs page of one document, CDN tags removed (shown in an iframe on /data_docs)."""
        from juesuan.dashboard import gxdocs

        try:
            sid, reader, _n, _notice = self._session(request)
        except WarehouseMissing as exc:
            return PlainTextResponse(str(exc), status_code=503)
        sha = request.query_params.get("sha") or ""
        info = self.cache(reader, "document_info", sha)
        if info is None:
            return HTMLResponse("<p>仓库中没有这份文档。</p>", status_code=404)
        try:
            page = gxdocs.validation_page(sha, info["raw_path"])
        except gxdocs.DataDocsUnavailable as exc:
            return HTMLResponse(f"<p>{escape(str(exc))}</p>", status_code=404)
        return self._cookie(HTMLResponse(page.html), sid)


def vega_bundle() -> bytes:
    """vega + vega-lite + vega-embed in one script, from vl-convert-python (no CDN), matching Altair's schema."""
    import altair as alt
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    versions = vlc.get_vegalite_versions()
    version = wanted if wanted in versions else versions[-1]
    return vlc.javascript_bundle(vl_version=version).encode("utf-8")


def create_app(warehouse: Path) -> Starlette:
    return Dashboard(warehouse).asgi


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    ap = argparse.ArgumentParser(description="the juesuan dashboard server (read-only)")
    ap.add_argument("--warehouse", type=Path, required=True, help="the published .duckdb file")
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--address", default="127.0.0.1")
    args = ap.parse_args(argv)
    app = create_app(args.warehouse)
    uvicorn.run(
        app,
        host=args.address,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
