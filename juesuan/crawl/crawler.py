"""The crawler: listing → detail → attachment for each source, landing every document in the raw store.

Each portal family is an adapter that knows how to walk its listings (`trs_static`: static HTML pages with
`index_N.html` pagination; `json_api`: gkmlpt-style JSON listing API; `folder`: a local directory). They share
one attachment step, which trusts content, not names: every download is sniffed, and an HTML page served as
`report.pdf` is recorded as a failure ("not a PDF: an HTML page"), never stored as a report. Nothing raises out
of a crawl for one bad page or file: each failure is recorded with its URL and reason.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from juesuan.crawl.html import Element, Link, decode_html, links, parse_html
from juesuan.crawl.http import HttpClient, RequestStats, Response
from juesuan.crawl.sources import SourceConfig
from juesuan.crawl.state import CrawlState
from juesuan.model import Region
from juesuan.rawstore import RawStore, UrlContext, utc_now
from juesuan.sniff import describe, sniff_bytes

DocumentStatus = Literal["new", "unchanged", "changed"]
#: Sniffed kinds that are never a report document (kept out of the raw store, recorded as failures).
NOT_DOCUMENT_KINDS = frozenset({"html", "text", "unknown"})
_EXPECTED_BY_EXTENSION = {
    ".pdf": "PDF",
    ".xls": "XLS workbook",
    ".xlsx": "XLSX workbook",
    ".zip": "ZIP archive",
    ".doc": "Word document",
    ".docx": "Word document",
}


@dataclass
class DiscoveredDocument:
    """One attachment URL that served a kept file (a file under two URLs appears twice, with one sha256)."""

    source_id: str
    url: str
    link_text: str
    detail_url: str | None
    listing_url: str | None
    title: str | None  # the detail page's (or API article's) title
    stated_year: int | None  # the year the page states (a hint: content decides)
    region: Region
    sha256: str
    kind: str  # sniffed from content
    size: int
    status: DocumentStatus  # see document_status(): new bytes / this URL's bytes changed / nothing new
    stored_new: bool  # these bytes were new to the raw store
    path: Path


@dataclass
class CrawlFailure:
    source_id: str
    url: str
    stage: Literal["robots", "listing", "detail", "attachment", "api", "folder", "limit"]
    reason: str
    referrer: str | None = None


@dataclass
class SourceSummary:
    source_id: str
    listing_pages: int = 0
    detail_pages: int = 0
    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failures: int = 0
    downloads: int = 0


@dataclass
class CrawlResult:
    """Everything one crawl found, failed on, and how many requests it cost."""

    started_at: str
    finished_at: str = ""
    elapsed_s: float = 0.0
    documents: list[DiscoveredDocument] = field(default_factory=list)
    failures: list[CrawlFailure] = field(default_factory=list)
    stats: RequestStats = field(default_factory=RequestStats)
    sources: dict[str, SourceSummary] = field(default_factory=dict)

    def unique_documents(self) -> list[DiscoveredDocument]:
        """One entry per sha256 (the first URL it was found under): the documents, not the links."""
        seen: dict[str, DiscoveredDocument] = {}
        for d in self.documents:
            seen.setdefault(d.sha256, d)
        return list(seen.values())

    def changed_documents(self) -> list[DiscoveredDocument]:
        """Documents whose URL served new or different bytes this run (what downstream must (re)process)."""
        return [d for d in self.unique_documents() if d.status != "unchanged" or d.stored_new]

    def summary(self) -> dict[str, Any]:
        uniq = self.unique_documents()
        return {
            "started_at": self.started_at,
            "elapsed_s": round(self.elapsed_s, 3),
            "documents": len(uniq),
            "urls": len(self.documents),
            "new": sum(d.status == "new" for d in uniq),
            "changed": sum(d.status == "changed" for d in uniq),
            "unchanged": sum(d.status == "unchanged" for d in uniq),
            "stored_new": sum(d.stored_new for d in uniq),
            "failures": len(self.failures),
            "requests": self.stats.requests,
            "not_modified": self.stats.not_modified,
            "bytes_downloaded": self.stats.bytes_downloaded,
        }

    def to_dict(self) -> dict[str, Any]:
        docs = []
        for d in self.documents:
            item = asdict(d)
            item["path"] = str(d.path)
            docs.append(item)
        return {
            "summary": self.summary(),
            "stats": self.stats.to_dict(),
            "sources": {k: asdict(v) for k, v in self.sources.items()},
            "documents": docs,
            "failures": [asdict(f) for f in self.failures],
        }


def expected_kind(url: str, link_text: str = "") -> str | None:
    """What a link claims to be, from its file extension (URL path, else link text): "PDF", "XLS workbook"…"""
    for candidate in (urlsplit(url).path, link_text.strip()):
        ext = posixpath.splitext(candidate.lower())[1]
        if ext in _EXPECTED_BY_EXTENSION:
            return _EXPECTED_BY_EXTENSION[ext]
    return None


def document_status(previous: str | None, sha256: str, store: RawStore) -> DocumentStatus:
    """new / changed / unchanged for a URL that now serves `sha256` and served `previous` last time.

    changed: the URL served other bytes before. new: bytes never stored before, under any URL. unchanged: the
    same bytes as before, or a file already kept under another URL (a re-published copy, or the same portal on
    another address): nothing new to process.
    """
    if previous is not None and previous != sha256:
        return "changed"
    if previous is None and sha256 not in store:
        return "new"
    return "unchanged"


def stated_year(text: str | None, pattern: str) -> int | None:
    """The first year the text states (`pattern`'s first group), or None."""
    if not text:
        return None
    m = re.search(pattern, text)
    return int(m.group(1)) if m else None


class _SourceCrawl:
    """One source's crawl within a run: shared dedup sets, counters and the attachment step."""

    def __init__(
        self,
        source: SourceConfig,
        *,
        store: RawStore,
        state: CrawlState,
        client: HttpClient,
        result: CrawlResult,
    ) -> None:
        self.source = source
        self.store = store
        self.state = state
        self.client = client
        self.result = result
        self.summary = result.sources.setdefault(source.id, SourceSummary(source.id))
        self.visited: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------------------------

    def fail(self, url: str, stage: str, reason: str, referrer: str | None = None) -> None:
        self.result.failures.append(CrawlFailure(self.source.id, url, stage, reason, referrer))  # type: ignore[arg-type]
        self.summary.failures += 1

    def fetch(self, url: str, *, conditional: bool = True, form: dict[str, str] | None = None) -> Response:
        return self.client.fetch(
            url,
            limits=self.source.limits,
            allowed=self.source.host_allowed,
            conditional=conditional,
            user_agent=self.source.user_agent,
            form=form,
            private_ok=self.source.private_allowed,
        )

    def fetch_page(self, url: str, stage: str, referrer: str | None = None) -> tuple[Response, str] | None:
        """A navigation page (HTML or JSON): conditional, with its body kept in the state for the next 304."""
        resp = self.fetch(url)
        if resp.not_modified and resp.body is None:  # validators without a body: fetch it whole
            resp = self.fetch(url, conditional=False)
        if not resp.ok or resp.body is None:
            stage_ = "robots" if resp.error and "robots.txt" in resp.error else stage
            self.fail(url, stage_, resp.error or f"HTTP {resp.status}", referrer)
            return None
        if not resp.not_modified:
            self.state.remember(url, resp.headers, body=resp.body, kind="page")
        text = decode_html(
            resp.body, resp.headers.get("content-type") or (resp.cached and resp.cached.content_type)
        )
        return resp, text

    # -- the shared attachment step ----------------------------------------------------------------------------

    def attachment(
        self,
        url: str,
        *,
        link_text: str,
        detail_url: str | None,
        listing_url: str | None,
        title: str | None,
        year: int | None,
    ) -> None:
        if url in self.visited:
            return
        self.visited.add(url)
        referrer = detail_url or listing_url
        if self.summary.downloads >= self.source.limits.max_downloads:
            self.fail(
                url,
                "limit",
                f"not downloaded: max_downloads ({self.source.limits.max_downloads}) reached for this run",
                referrer,
            )
            return
        resp = self.fetch(url)
        cached = resp.cached
        if resp.not_modified and cached is not None:
            if cached.failure:
                self.fail(
                    url, "attachment", f"{cached.failure} (unchanged since {cached.fetched_at})", referrer
                )
                return
            if cached.sha256 and cached.sha256 in self.store and self.store.complete(cached.sha256, url):
                stored = self.store.touch(cached.sha256, url=url)
                self._found(url, link_text, detail_url, listing_url, title, year, stored, "unchanged", False)
                return
            # validators remembered but the file is gone, or was kept shorter than its Content-Length by an
            # older crawler (a truncated download): refetch it whole
            resp = self.fetch(url, conditional=False)
        if not resp.ok or resp.body is None:
            stage = "robots" if resp.error and "robots.txt" in resp.error else "attachment"
            self.fail(url, stage, resp.error or f"HTTP {resp.status}", referrer)
            return
        self.summary.downloads += 1
        data = resp.body
        kind = sniff_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        if kind in NOT_DOCUMENT_KINDS:
            claimed = expected_kind(url, link_text) or "document"
            reason = f"not a {claimed}: {describe(kind)}"
            self.state.remember(url, resp.headers, sha256=sha, kind=kind, failure=reason)
            self.fail(url, "attachment", reason, referrer)
            return
        previous = cached.sha256 if cached is not None and cached.sha256 else None
        if previous is None:
            earlier = self.store.find_url(url)
            previous = earlier[0].sha256 if earlier else None
        status = document_status(previous, sha, self.store)
        context = UrlContext(link_text, title, referrer, year, self.source.region)
        try:
            stored = self.store.put(
                data, url=url, source_id=self.source.id, headers=resp.headers, kind=kind, context=context
            )
        except OSError as exc:  # disk full, read-only store: this file is not kept (and not remembered)
            self.fail(url, "attachment", f"could not keep the file in the raw store: {exc}", referrer)
            return
        self.state.remember(url, resp.headers, sha256=sha, kind=kind)
        self._found(url, link_text, detail_url, listing_url, title, year, stored, status, stored.created)

    def _found(
        self,
        url: str,
        link_text: str,
        detail_url: str | None,
        listing_url: str | None,
        title: str | None,
        year: int | None,
        stored: Any,
        status: DocumentStatus,
        stored_new: bool,
    ) -> None:
        self.result.documents.append(
            DiscoveredDocument(
                source_id=self.source.id,
                url=url,
                link_text=link_text,
                detail_url=detail_url,
                listing_url=listing_url,
                title=title,
                stated_year=year,
                region=self.source.region,
                sha256=stored.sha256,
                kind=stored.kind,
                size=stored.size,
                status=status,
                stored_new=stored_new,
                path=stored.path,
            )
        )
        self.summary.documents += 1
        setattr(self.summary, status, getattr(self.summary, status) + 1)

    def is_attachment(self, link: Link) -> bool:
        rx = self.source.detail.attachment_url
        return bool(re.search(rx, link.url) or re.search(rx, link.text.strip()))

    def detail_page(self, url: str, *, link_text: str, listing_url: str | None) -> None:
        """Fetch a detail (article) page and every attachment it links to."""
        if url in self.visited:
            return
        self.visited.add(url)
        got = self.fetch_page(url, "detail", listing_url)
        if got is None:
            return
        self.summary.detail_pages += 1
        _, text = got
        root = parse_html(text)
        title = _page_title(root) or link_text
        year = self.year_of(link_text, title, root)
        found = [
            link for link in links(root, url, self.source.detail.attachments) if self.is_attachment(link)
        ]
        if not found:
            if got[0].body is not None and _inline_report(root):
                self.inline_report(
                    url, got[0], link_text=link_text, title=title, year=year, listing_url=listing_url
                )
            else:
                self.fail(url, "detail", "no attachment on the detail page", listing_url)
        for link in found:
            self.attachment(
                link.url, link_text=link.text, detail_url=url, listing_url=listing_url, title=title, year=year
            )

    def inline_report(
        self,
        url: str,
        resp: Any,
        *,
        link_text: str,
        title: str | None,
        year: int | None,
        listing_url: str | None,
    ) -> None:
        """Keep an article page that prints the report itself (tables inline, no attachment) as a document.

        The page's bytes go to the raw store like an attachment's; the parser decides from its tables whether it
        is a final account (an HTML page without a 决算 table is refused there, with its title).
        """
        data: bytes = resp.body
        sha = hashlib.sha256(data).hexdigest()
        earlier = self.store.find_url(url)
        previous = earlier[0].sha256 if earlier else None
        status = document_status(previous, sha, self.store)
        context = UrlContext(link_text, title, listing_url, year, self.source.region)
        stored = self.store.put(
            data, url=url, source_id=self.source.id, headers=resp.headers, kind="html", context=context
        )
        self._found(url, link_text, url, listing_url, title, year, stored, status, stored.created)

    def year_of(self, link_text: str, title: str | None, root: Element | None) -> int | None:
        rule = self.source.year
        for where in rule.sources:
            if where == "title":
                for text in (title, link_text):
                    y = stated_year(text, rule.pattern)
                    if y:
                        return y
            elif where == "page" and root is not None:
                y = stated_year(root.text()[:5000], rule.pattern)
                if y:
                    return y
        return None


def _inline_report(root: Element) -> bool:
    """An article that prints a 决算 report inline: tables in the page and 决算 in its text."""
    return bool(root.select("table")) and "决算" in root.text()


def _page_title(root: Element) -> str | None:
    for sel in ("meta[name=ArticleTitle]",):
        for el in root.select(sel):
            if el.attrs.get("content", "").strip():
                return el.attrs["content"].strip()
    for sel in ("h1", "title"):
        for el in root.select(sel):
            if el.text():
                return el.text()
    return None


# -- family adapters --------------------------------------------------------------------------------------------

_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)


def crawl_trs_static(run: _SourceCrawl) -> None:
    """Static listings: walk index.html, index_1.html… (linked or announced by createPageHTML), then details."""
    src = run.source
    for start in src.start_urls:
        folder = posixpath.dirname(urlsplit(start).path)
        queue = [start]
        queued = {start}
        pages = 0
        while queue:
            page_url = queue.pop(0)
            if pages >= src.limits.max_pages:
                run.fail(
                    page_url,
                    "limit",
                    f"listing page not crawled: max_pages ({src.limits.max_pages}) reached; "
                    f"{len(queue) + 1} listing page(s) left",
                    start,
                )
                break
            pages += 1
            got = run.fetch_page(page_url, "listing")
            if got is None:
                continue
            run.summary.listing_pages += 1
            _, text = got
            root = parse_html(text)
            nexts: list[str] = []
            for m in _CREATE_PAGE.finditer(root.script_text()):
                total, stem, ext = int(m.group(1)), m.group(3), m.group(4)
                nexts += [urljoin(page_url, f"{stem}_{i}.{ext}") for i in range(1, min(total, 10_000))]
            details: list[Link] = []
            selected = (
                {link.url for link in links(root, page_url, src.listing.links)} if src.listing.links else None
            )
            for link in links(root, page_url):
                path = urlsplit(link.url).path
                if (
                    src.listing.pagination
                    and re.search(src.listing.pagination, path)
                    and posixpath.dirname(path) == folder
                    and urlsplit(link.url).netloc == urlsplit(start).netloc
                ):
                    nexts.append(link.url)
                    continue
                if selected is not None and link.url not in selected:
                    continue
                if re.search(src.listing.detail_url, link.url):
                    details.append(link)
                elif run.is_attachment(link):
                    run.attachment(
                        link.url,
                        link_text=link.text,
                        detail_url=None,
                        listing_url=page_url,
                        title=link.text,
                        year=run.year_of(link.text, None, None),
                    )
            for nxt in nexts:
                if nxt not in queued:
                    queued.add(nxt)
                    queue.append(nxt)
            for link in details:
                run.detail_page(link.url, link_text=link.text, listing_url=page_url)


def _balanced(text: str, start: int) -> str | None:
    """The bracketed JSON-ish value starting at text[start] ('[' or '{'), honouring quoted strings."""
    opening = text[start]
    closing = {"[": "]", "{": "}"}[opening]
    depth = 0
    quote_ch = ""
    i = start
    while i < len(text):
        ch = text[i]
        if quote_ch:
            if ch == "\\":
                i += 1
            elif ch == quote_ch:
                quote_ch = ""
        elif ch in "\"'":
            quote_ch = ch
        elif ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return None


def _leaf_categories(tree: Iterable[Any], name_rx: str) -> list[str]:
    out: list[str] = []
    stack = list(tree)
    while stack:
        node = stack.pop(0)
        if not isinstance(node, dict):
            continue
        kids = node.get("children") or []
        if kids:
            stack[:0] = kids
        elif not node.get("jump_url") and re.search(name_rx, str(node.get("name", ""))):
            out.append(str(node.get("id")))
    return out


def crawl_gkmlpt(run: _SourceCrawl) -> None:
    """gkmlpt: SID and category tree from {base}/gkmlpt/index, then /gkmlpt/api/all/{cat}?page=N&sid=…"""
    src = run.source
    api = src.api
    assert api is not None
    base = api.base_url.rstrip("/")
    sid = api.sid
    categories = list(api.categories)
    if sid is None or not categories:
        index_url = f"{base}/gkmlpt/index"
        got = run.fetch_page(index_url, "api")
        if got is None:
            return
        _, text = got
        if sid is None:
            m = re.search(r"""\bSID\s*:\s*['"]?([\w-]+)""", text)
            if not m:
                run.fail(index_url, "api", "no SID in window._CONFIG of the gkmlpt index page")
                return
            sid = m.group(1)
        if not categories:
            m = re.search(r"\bTREE\s*:\s*\[", text)
            raw_tree = _balanced(text, m.end() - 1) if m else None
            try:
                tree = json.loads(raw_tree) if raw_tree else None
            except json.JSONDecodeError:
                tree = None
            if tree is None:
                run.fail(
                    index_url, "api", "cannot read the category TREE; set api.categories in the sources file"
                )
                return
            categories = _leaf_categories(tree, api.category_name)
            if not categories:
                run.fail(index_url, "api", f"no leaf category named like {api.category_name!r} in the TREE")
                return
    for cat in categories:
        collected = 0
        page = 1
        while True:
            api_url = f"{base}/gkmlpt/api/all/{quote(str(cat))}?page={page}&sid={quote(str(sid))}"
            if page > src.limits.max_pages:
                run.fail(
                    api_url, "limit", f"API page not crawled: max_pages ({src.limits.max_pages}) reached"
                )
                break
            got = run.fetch_page(api_url, "api")
            if got is None:
                break
            run.summary.listing_pages += 1
            _, text = got
            try:
                data = json.loads(text)
                total = int((data.get("classify") or {}).get("post_count") or 0)
                articles = data.get("articles") or []
                if not isinstance(articles, list):
                    raise TypeError("articles is not a list")
            except (json.JSONDecodeError, TypeError, ValueError, AttributeError) as exc:
                run.fail(api_url, "api", f"not a gkmlpt listing reply: {exc}")
                break
            for art in articles:
                _gkmlpt_article(run, art, api_url, base)
            collected += len(articles)
            if not articles or collected >= total:
                break
            page += 1


def _gkmlpt_article(run: _SourceCrawl, art: Any, api_url: str, base: str) -> None:
    if not isinstance(art, dict):
        run.fail(api_url, "api", f"article entry is not an object: {art!r:.80}")
        return
    title = str(art.get("title") or "")
    detail = urljoin(base + "/", str(art.get("url") or "")) if art.get("url") else None
    year = run.year_of(title, title, None)
    attachments = art.get("attachment") or art.get("attachments") or []
    found = False
    for att in attachments if isinstance(attachments, list) else []:
        if isinstance(att, str):
            href, name = att, ""
        elif isinstance(att, dict):
            href = att.get("url") or att.get("link") or att.get("path") or att.get("file_url") or ""
            name = str(att.get("name") or att.get("title") or "")
        else:
            continue
        if not href:
            continue
        found = True
        run.attachment(
            urljoin(detail or base + "/", str(href)),
            link_text=name,
            detail_url=detail,
            listing_url=api_url,
            title=title,
            year=year,
        )
    if not found:
        if detail is None:
            run.fail(api_url, "api", f"article {art.get('id')!r} has neither attachments nor a URL")
        else:
            run.detail_page(detail, link_text=title, listing_url=api_url)


def _post_json(
    run: _SourceCrawl, url: str, form: dict[str, str], stage: str, referrer: str | None = None
) -> Any:
    """POST a form to a JSON listing endpoint; the decoded reply, or None after recording why not."""
    resp = run.fetch(url, form=form)
    if not resp.ok or resp.body is None:
        run.fail(f"{url} {form}", stage, resp.error or f"HTTP {resp.status}", referrer)
        return None
    try:
        return json.loads(decode_html(resp.body, resp.headers.get("content-type")))
    except json.JSONDecodeError as exc:
        kind = sniff_bytes(resp.body)
        run.fail(f"{url} {form}", stage, f"not a JSON reply ({describe(kind)}): {exc}", referrer)
        return None


def crawl_jiangsu(run: _SourceCrawl) -> None:
    """Jiangsu 预决算公开统一平台: departments of a region and year → the department's disclosure → its files.

    POST /front/department/getdepartmentname.do (pid, date, typeid) → [{iid, name}];
    POST /front/budgetfinal/itemsandpag.do (groupid, date, typeid) → {budgetTemplates: [{uuid}]};
    POST /front/budgetfinal/getTemporaryFiles.do (uuid='…') → [{iid, t_oldname}];
    GET  /front/budgetfinal/download.do?iid=… → the file.
    """
    src = run.source
    api = src.api
    assert api is not None
    base = api.base_url.rstrip("/")
    calls = 0
    for pid in api.region_ids:
        for year in api.years:
            listing = f"{base}/front/department/getdepartmentname.do"
            if calls >= src.limits.max_pages:
                run.fail(
                    f"{listing} pid={pid} date={year}",
                    "limit",
                    f"not listed: max_pages ({src.limits.max_pages}) reached",
                )
                continue
            calls += 1
            form = {"pid": str(pid), "departmentName": "", "date": str(year), "typeid": api.typeid}
            departments = _post_json(run, listing, form, "api")
            if departments is None:
                continue
            if not isinstance(departments, list):
                run.fail(f"{listing} {form}", "api", "department list is not a JSON array")
                continue
            run.summary.listing_pages += 1
            for dept in departments:
                if not isinstance(dept, dict) or "iid" not in dept:
                    run.fail(f"{listing} {form}", "api", f"department entry without iid: {dept!r:.80}")
                    continue
                _jiangsu_department(run, base, dept, year, listing)


def _jiangsu_department(run: _SourceCrawl, base: str, dept: dict[str, Any], year: int, listing: str) -> None:
    api = run.source.api
    assert api is not None
    name = str(dept.get("name") or "")
    items_url = f"{base}/front/budgetfinal/itemsandpag.do"
    form = {"page_num": "1", "groupid": str(dept["iid"]), "typeid": api.typeid, "date": str(year)}
    items = _post_json(run, items_url, form, "detail", listing)
    if items is None:
        return
    run.summary.detail_pages += 1
    templates = items.get("budgetTemplates") if isinstance(items, dict) else None
    if not templates:
        run.fail(f"{items_url} {form}", "detail", f"no disclosure listed for {name} {year}", listing)
        return
    for tpl in templates:
        uuid = tpl.get("uuid") if isinstance(tpl, dict) else None
        if not uuid:
            run.fail(
                f"{items_url} {form}", "detail", f"disclosure template without uuid: {tpl!r:.80}", listing
            )
            continue
        files_url = f"{base}/front/budgetfinal/getTemporaryFiles.do"
        files = _post_json(run, files_url, {"uuid": f"'{uuid}'"}, "detail", items_url)
        if not isinstance(files, list):
            if files is not None:
                run.fail(f"{files_url} uuid={uuid}", "detail", "file list is not a JSON array", items_url)
            continue
        title = str(tpl.get("name") or f"{name}{year}")
        for f in files:
            if not isinstance(f, dict) or "iid" not in f:
                run.fail(
                    f"{files_url} uuid={uuid}", "detail", f"file entry without iid: {f!r:.80}", items_url
                )
                continue
            text = str(f.get("t_oldname") or "")
            run.attachment(
                f"{base}/front/budgetfinal/download.do?iid={quote(str(f['iid']))}",
                link_text=text,
                detail_url=None,
                listing_url=items_url,
                title=title,
                year=run.year_of(text, title, None) or year,
            )


def crawl_json_api(run: _SourceCrawl) -> None:
    assert run.source.api is not None
    if run.source.api.style == "jiangsu":
        crawl_jiangsu(run)
    else:
        crawl_gkmlpt(run)


def crawl_folder(run: _SourceCrawl) -> None:
    """A local directory: every matching file is a candidate document, sniffed like a download."""
    src = run.source
    assert src.path is not None
    folder = src.path
    if not folder.is_dir():
        if src.create and not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
        else:
            run.fail(
                str(folder), "folder", "folder does not exist" if not folder.exists() else "not a directory"
            )
            return
    for path in sorted(p for p in folder.glob(src.glob) if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        url = path.resolve().as_uri()
        if run.summary.downloads >= src.limits.max_downloads:
            run.fail(
                url, "limit", f"not read: max_downloads ({src.limits.max_downloads}) reached for this run"
            )
            continue
        size = path.stat().st_size
        if size > src.limits.max_bytes:
            run.fail(url, "folder", f"too large: {size} bytes exceeds the {src.limits.max_bytes}-byte cap")
            continue
        data = path.read_bytes()
        run.summary.downloads += 1
        kind = sniff_bytes(data)
        if kind in NOT_DOCUMENT_KINDS:
            run.fail(url, "folder", f"not a {expected_kind(url) or 'document'}: {describe(kind)}")
            continue
        earlier = run.store.find_url(url)
        sha = hashlib.sha256(data).hexdigest()
        status = document_status(earlier[0].sha256 if earlier else None, sha, run.store)
        year = run.year_of(path.stem, None, None)
        context = UrlContext(path.name, path.stem, None, year, src.region)
        try:
            stored = run.store.put(data, url=url, source_id=src.id, headers={}, kind=kind, context=context)
        except OSError as exc:
            run.fail(url, "folder", f"could not keep the file in the raw store: {exc}")
            continue
        run._found(
            url,
            path.name,
            None,
            None,
            path.stem,
            year,
            stored,
            status,
            stored.created,
        )


_ADAPTERS = {"trs_static": crawl_trs_static, "json_api": crawl_json_api, "folder": crawl_folder}


def crawl(
    sources: Sequence[SourceConfig],
    *,
    store: RawStore | None = None,
    state: CrawlState | None = None,
    client: HttpClient | None = None,
    log_dir: Path | None = None,
    write_log: bool = True,
    workers: int = 1,
) -> CrawlResult:
    """Crawl every source once; returns what was found (documents landed in `store`), failed, and what it cost.

    Defaults: the raw store under the data root, the conditional-request state in `<root>/crawl/state.sqlite`,
    and a crawl log (`<root>/crawl/log.jsonl` summary line + `<root>/crawl/runs/<stamp>.json` in full).
    `workers` > 1 crawls that many sources at once (each host is still paced by its own rate limit); results
    are reported in source order either way.
    """
    store = store or RawStore()
    if state is None:
        state = client.state if client is not None and client.state is not None else None
    state = state or CrawlState(store.root / "crawl" / "state.sqlite")
    client = client or HttpClient(state)
    client.state = state  # the client sends the validators the crawler remembers: one state for both
    result = CrawlResult(started_at=utc_now(), stats=client.stats)
    t0 = time.monotonic()

    def one(source: SourceConfig) -> CrawlResult:
        part = CrawlResult(started_at=result.started_at, stats=client.stats)
        run = _SourceCrawl(source, store=store, state=state, client=client, result=part)
        try:
            _ADAPTERS[source.family](run)
        except Exception as exc:  # a crawler bug on one source must not lose the other sources' results
            where = source.start_urls[0] if source.start_urls else str(source.path or source.api)
            run.fail(where, "listing", f"crawler error: {exc!r}")
        return part

    if workers > 1 and len(sources) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            parts = list(pool.map(one, sources))
    else:
        parts = [one(s) for s in sources]
    for part in parts:
        result.documents.extend(part.documents)
        result.failures.extend(part.failures)
        result.sources.update(part.sources)
    result.elapsed_s = time.monotonic() - t0
    result.finished_at = utc_now()
    if write_log:
        write_crawl_log(result, log_dir or store.root / "crawl", client.log)
    return result


def write_crawl_log(result: CrawlResult, log_dir: Path, requests: list[dict[str, Any]] | None = None) -> Path:
    """Append the run's summary to `log.jsonl` and write the full result (and request log) to `runs/`."""
    runs = log_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stamp = result.started_at.replace(":", "").replace("-", "")
    path = runs / f"{stamp}.json"
    full = result.to_dict()
    full["requests"] = requests or []
    path.write_text(json.dumps(full, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    with (log_dir / "log.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**result.summary(), "detail": str(path)}, ensure_ascii=False) + "\n")
    return path
