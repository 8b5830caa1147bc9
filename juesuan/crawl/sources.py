"""The sources file: which portals (and local folders) to crawl, and how to recognise their pages.

A portal of a known family is configuration only. The file is YAML:

    defaults:            # optional, applied to every source's `limits`
      rate_per_host: 1.0
    sources:
      - id: hn-zhuzhou-hetang
        family: trs_static          # trs_static | json_api | folder
        region: {province: 湖南省, city: 株洲市, county: 荷塘区}
        start_urls: ["${PORTAL_URL}/hn/zz/ht/czyjs/index.html"]
        allowed_hosts: ["127.0.0.1"]
        listing: {links: "ul.list li a", detail_url: '/\\d{6}/t\\d{8}_\\d+\\.html$', pagination: 'index(_\\d+)?\\.html$'}
        detail: {attachments: "div.attachments a", attachment_url: '\\.(pdf|xlsx?|zip|docx?)$'}
        year: {pattern: '(20\\d{2})\\s*年度?'}
        limits: {max_pages: 20, max_downloads: 200, max_bytes: 50000000, rate_per_host: 1.0}

`${NAME}` is replaced from the `variables` given to `load_sources` (`DATA_ROOT` defaults to the data root), then
from the environment; an unresolved
variable is an error naming the source file, not a URL that silently fails later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from juesuan.model import Region

Family = Literal["trs_static", "json_api", "folder"]
FAMILIES: tuple[str, ...] = ("trs_static", "json_api", "folder")
API_STYLES: tuple[str, ...] = ("gkmlpt", "jiangsu")

DEFAULT_USER_AGENT = "juesuan-crawler/0.1 (+https://example.invalid/juesuan; government disclosure archiving)"
DEFAULT_DETAIL_URL = r"/\d{6}/t\d{8}_\d+\.s?html?$"
DEFAULT_PAGINATION = r"/index(_\d+)?\.s?html?$"
DEFAULT_ATTACHMENT_URL = r"(?i)\.(pdf|xls|xlsx|zip|doc|docx|et|wps)(\?.*)?$"
DEFAULT_YEAR_PATTERN = r"((?:19|20)\d{2})\s*年度?"


class SourcesError(ValueError):
    """The sources file is wrong; the message names the file and the source."""


@dataclass(frozen=True)
class Limits:
    """Per-source politeness and safety limits."""

    max_pages: int = 50  # listing pages (incl. API pages) per start URL
    max_downloads: int = 500  # attachment bodies downloaded per run (304s do not count)
    max_bytes: int = 50 * 1024 * 1024  # per download
    rate_per_host: float = 1.0  # requests per second to one host
    timeout: float = 30.0  # seconds per request, whole (connect, headers and body), not per socket read
    retries: int = 3  # extra attempts after a transient failure
    backoff: float = 1.0  # first retry delay in seconds, doubled each time
    max_retry_after: float = 120.0  # longest Retry-After honoured; a server asking for more is not retried


@dataclass(frozen=True)
class ListingRule:
    links: str | None = None  # CSS selector for detail links on a listing page
    detail_url: str = DEFAULT_DETAIL_URL  # regex a detail link's URL must match
    pagination: str | None = DEFAULT_PAGINATION  # regex of further listing pages linked from a listing page


@dataclass(frozen=True)
class DetailRule:
    attachments: str | None = None  # CSS selector for attachment links on a detail page
    attachment_url: str = DEFAULT_ATTACHMENT_URL  # regex an attachment's URL (or link text) must match


@dataclass(frozen=True)
class YearRule:
    pattern: str = DEFAULT_YEAR_PATTERN  # first group = the year the page states
    sources: tuple[str, ...] = ("title", "page")  # where to look: link title, then detail page text


@dataclass(frozen=True)
class ApiRule:
    """A JSON listing API (`json_api` family): Guangdong's gkmlpt, or the Jiangsu 预决算公开统一平台.

    gkmlpt: `base_url` is the site root of `/gkmlpt/...`; `sid` and `categories` are read from `/gkmlpt/index`
    when absent. jiangsu: `base_url` is the platform root of `/front/...`; `region_ids` are the platform's region
    ids (`pid`), `years` the report years to ask for, `typeid` the disclosure type (决算 = "2").
    """

    style: str = "gkmlpt"
    base_url: str = ""
    sid: str | None = None
    categories: tuple[str, ...] = ()
    category_name: str = r"决算"
    region_ids: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    typeid: str = "2"


@dataclass(frozen=True)
class SourceConfig:
    id: str
    family: Family
    region: Region = field(default_factory=Region)
    start_urls: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    listing: ListingRule = field(default_factory=ListingRule)
    detail: DetailRule = field(default_factory=DetailRule)
    year: YearRule = field(default_factory=YearRule)
    api: ApiRule | None = None
    limits: Limits = field(default_factory=Limits)
    user_agent: str = DEFAULT_USER_AGENT
    path: Path | None = None  # folder family: the directory
    glob: str = "**/*"  # folder family: which files
    create: bool = False  # folder family: create the directory when missing (a drop box)
    name: str | None = None  # human label
    allow_private: bool = (
        False  # may connect to loopback/private addresses (hosts listed as such IPs always may)
    )

    def host_allowed(self, url: str) -> bool:
        """True when `url` is http(s) on one of the allowed hosts (`host` or `host:port`; `*.suffix` wildcards)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
        for allowed in self.allowed_hosts:
            a = allowed.lower()
            if a in (host, netloc):
                return True
            if a.startswith("*.") and (host.endswith(a[1:]) or host == a[2:]):
                return True
        return False

    def private_allowed(self, url: str) -> bool:
        """May `url` connect to a loopback or private address? Only when the source says so (`allow_private`) or
        lists that host as a literal IP or `localhost`: a public host name that resolves to a private address
        (DNS rebinding, cloud metadata) is refused."""
        if self.allow_private:
            return True
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            return False
        literal = host == "localhost"
        if not literal:
            try:
                import ipaddress

                ipaddress.ip_address(host)
                literal = True
            except ValueError:
                literal = False
        return literal and any(
            a.lower() in (host, f"{host}:{urlsplit(url).port}") for a in self.allowed_hosts
        )


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: Any, variables: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in variables:
                return str(variables[name])
            if name in os.environ:
                return os.environ[name]
            raise SourcesError(f"{where}: variable ${{{name}}} is not set")

        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [_expand(v, variables, where) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, variables, where) for k, v in value.items()}
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise SourcesError(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    kwargs = {}
    for k, v in data.items():
        kwargs[k] = tuple(v) if isinstance(v, list) else v
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SourcesError(f"{where}: {exc}") from exc


def _check_regex(pattern: str | None, where: str) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SourcesError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc


def parse_sources(
    data: Mapping[str, Any], *, where: str = "sources", base_dir: Path | None = None
) -> list[SourceConfig]:
    """Validate already-loaded (and variable-expanded) YAML data into SourceConfigs."""
    if not isinstance(data, Mapping) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{where}: expected a top-level 'sources:' list")
    defaults = data.get("defaults") or {}
    default_limits = {k: v for k, v in defaults.items() if k in {f.name for f in fields(Limits)}}
    user_agent = defaults.get("user_agent", DEFAULT_USER_AGENT)
    out: list[SourceConfig] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["sources"]):
        if not isinstance(raw, dict):
            raise SourcesError(f"{where}: sources[{i}] is not a mapping")
        sid = raw.get("id")
        here = f"{where}: source {sid or f'#{i}'}"
        if not sid or not re.fullmatch(r"[A-Za-z0-9][\w.-]*", str(sid)):
            raise SourcesError(f"{here}: 'id' must be a short identifier (letters, digits, - _ .)")
        if sid in seen:
            raise SourcesError(f"{here}: duplicate id")
        seen.add(sid)
        family = raw.get("family")
        if family not in FAMILIES:
            raise SourcesError(f"{here}: family must be one of {FAMILIES}, got {family!r}")
        raw = dict(raw)
        known = {f.name for f in fields(SourceConfig)}
        unknown = set(raw) - known
        if unknown:
            raise SourcesError(f"{here}: unknown key(s) {sorted(unknown)}")
        region = _build(Region, raw.pop("region", None), f"{here}: region")
        if region.province or region.city or region.county:
            from juesuan.regions import RegionError, region_from_config

            try:
                region = region_from_config(region.province, region.city, region.county)
            except RegionError as exc:
                raise SourcesError(f"{here}: region: {exc}") from exc
        limits = _build(Limits, {**default_limits, **(raw.pop("limits", None) or {})}, f"{here}: limits")
        listing = _build(ListingRule, raw.pop("listing", None), f"{here}: listing")
        detail = _build(DetailRule, raw.pop("detail", None), f"{here}: detail")
        year = _build(YearRule, raw.pop("year", None), f"{here}: year")
        api = _build(ApiRule, raw.pop("api"), f"{here}: api") if raw.get("api") is not None else None
        raw.pop("api", None)
        for p in (listing.detail_url, listing.pagination, detail.attachment_url, year.pattern):
            _check_regex(p, here)
        for sel in (listing.links, detail.attachments):
            if sel:
                from juesuan.crawl.html import parse_selector

                try:
                    for part in sel.split(","):
                        parse_selector(part)
                except ValueError as exc:
                    raise SourcesError(f"{here}: {exc}") from exc
        path = raw.pop("path", None)
        if path is not None:
            path = Path(path).expanduser()
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
        start_urls = tuple(raw.pop("start_urls", None) or ())
        allowed_hosts = tuple(raw.pop("allowed_hosts", None) or ())
        raw.setdefault("user_agent", user_agent)
        src = SourceConfig(
            region=region,
            limits=limits,
            listing=listing,
            detail=detail,
            year=year,
            api=api,
            path=path,
            start_urls=start_urls,
            allowed_hosts=allowed_hosts,
            **raw,
        )
        if family == "folder":
            if src.path is None:
                raise SourcesError(f"{here}: a folder source needs 'path'")
        else:
            if family == "json_api" and src.api is None:
                raise SourcesError(f"{here}: a json_api source needs an 'api' block (style, base_url)")
            if family == "json_api" and src.api is not None:
                if src.api.style not in API_STYLES:
                    raise SourcesError(f"{here}: api style {src.api.style!r} is not supported {API_STYLES}")
                if src.api.style == "jiangsu" and not (src.api.region_ids and src.api.years):
                    raise SourcesError(f"{here}: a jiangsu api needs region_ids and years")
            if family == "trs_static" and not src.start_urls:
                raise SourcesError(f"{here}: needs at least one start URL")
            hosts = src.allowed_hosts or tuple(
                sorted({urlsplit(u).hostname or "" for u in src.start_urls} - {""})
            )
            if family == "json_api" and not hosts and src.api:
                hosts = (urlsplit(src.api.base_url).hostname or "",)
            src = SourceConfig(
                **{**{f.name: getattr(src, f.name) for f in fields(src)}, "allowed_hosts": hosts}
            )
            for u in src.start_urls:
                if not src.host_allowed(u):
                    raise SourcesError(f"{here}: start URL {u} is outside allowed_hosts {list(hosts)}")
        out.append(src)
    return out


def load_sources(path: Path | str, variables: Mapping[str, str] | None = None) -> list[SourceConfig]:
    """Read and validate a sources YAML file; `${NAME}` placeholders come from `variables`, then the environment.

    Relative folder paths are resolved against the file's directory.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"sources file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from exc
    from juesuan.paths import data_root

    data = _expand(data, {"DATA_ROOT": str(data_root(create=False)), **(variables or {})}, str(path))
    return parse_sources(data, where=str(path), base_dir=path.parent)


def source_variables(path: Path | str) -> set[str]:
    """The `${NAME}` placeholders a sources file uses (so a command can decide whether to start the sample portal)."""
    return set(_VAR.findall(Path(path).read_text(encoding="utf-8")))
