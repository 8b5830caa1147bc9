"""The sample portal as `make run` and `juesuan run` use it: built once under the data root, served on a fixed port.

A fixed port (8620 or `JUESUAN_PORTAL_PORT`; else one of the next nine) keeps URLs stable between runs, so the crawler's remembered ETags
apply and a second run costs only 304s. The sources file handed out is generated from the built site, so it
always matches the regions the factory produced; the project's top-level `sources.yaml` holds the same entries
for the default build (a test keeps the two in step).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from juesuan.paths import PROJECT_ROOT, data_root
from juesuan.portal.server import PortalServer
from juesuan.portal.site import PortalSite, build_site

DEFAULT_PORT = 8620
#: The folder source every sample sources file ends with: drop PDFs into <data root>/inbox to ingest them.
FOLDER_SOURCE = """  - id: inbox
    name: local drop folder (files copied in by hand)
    family: folder
    path: ${DATA_ROOT}/inbox
    create: true
    glob: "**/*"
"""
HEADER = """# juesuan sources: which portals (and local folders) to crawl. Families: trs_static, json_api (gkmlpt | jiangsu), folder.
# ${PORTAL_URL} is the sample portal's base URL (filled in at run time); ${DATA_ROOT} the data root.
defaults:
  rate_per_host: 50   # the sample portal is local; use about 1 request/second for real portals
  max_pages: 20
  max_downloads: 500
  max_bytes: 52428800
  retries: 3
  backoff: 0.5
sources:
"""


def default_site_dir() -> Path:
    return data_root() / "portal"


def ensure_site(site_dir: Path | str | None = None) -> PortalSite:
    """The built sample portal in `site_dir` (default `<data root>/portal`), building it on first use."""
    site_dir = Path(site_dir) if site_dir is not None else default_site_dir()
    try:
        return PortalSite.load(site_dir)
    except FileNotFoundError:
        return build_site(site_dir)


def sample_sources_text(site: PortalSite) -> str:
    """A complete sources file for a built site: its portal regions plus the inbox folder source."""
    return HEADER + site.sources_yaml() + FOLDER_SOURCE


def write_sources(site: PortalSite, path: Path | str | None = None) -> Path:
    """Write the site's sources file (default `<site_dir>/sources.yaml`)."""
    path = Path(path) if path is not None else site.site_dir / "sources.yaml"
    text = sample_sources_text(site)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def default_port() -> int:
    """`JUESUAN_PORTAL_PORT` if set (0 = any free port), else 8620."""
    value = os.environ.get("JUESUAN_PORTAL_PORT", "").strip()
    return int(value) if value.isdigit() else DEFAULT_PORT


def start_server(site_dir: Path, port: int | None = None) -> PortalServer:
    """Start serving on 127.0.0.1:port (default `default_port()`).

    When the port is taken (another run or test serving), try the next nine, then any free port, with a
    warning: the crawler remembers validators by URL, so a different port costs full downloads (not re-parsing:
    the raw store still recognises every file by its sha256).
    """
    port = default_port() if port is None else port
    candidates = [port] if port == 0 else [*range(port, port + 10), 0]
    for candidate in candidates:
        try:
            server = PortalServer(site_dir, port=candidate).start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        if candidate != port:
            print(
                f"sample portal: port {port} is in use; serving on {server.port} instead "
                "(URLs differ from the last run, so no 304s this time)",
                file=sys.stderr,
            )
        return server
    raise OSError(errno.EADDRINUSE, "no free port for the sample portal")


@contextlib.contextmanager
def serve_sample(
    site_dir: Path | str | None = None, *, port: int | None = None
) -> Iterator[tuple[Path, str]]:
    """Build (if needed) and serve the sample portal; yields (sources file, base URL) and stops it afterwards.

    Pass the base URL as the `PORTAL_URL` variable when loading the sources file. The port defaults to
    `default_port()` (8620, or `JUESUAN_PORTAL_PORT`).
    """
    site = ensure_site(site_dir)
    sources = write_sources(site)
    server = start_server(site.site_dir, port)
    try:
        yield sources, server.url
    finally:
        server.stop()


def project_sources_file() -> Path:
    """The project's top-level sources.yaml."""
    return PROJECT_ROOT / "sources.yaml"


#: Real portals of the supported families, as commented-out examples (from ../shared/reference/portals.md; the
#: URLs are leads, not verified endpoints: check robots.txt and the terms of each site before enabling one).
REAL_EXAMPLES = """
# --- real portals (examples; uncomment and check each site's robots.txt and terms before enabling) ---
#  - id: beijing-invest-ysjs
#    family: trs_static
#    region: {province: 北京市}
#    start_urls: ["https://invest.beijing.gov.cn/zwgk/zfxxgk/zfxxgkpt/fdzdgknr/ysjs/index.html"]
#    allowed_hosts: ["invest.beijing.gov.cn"]
#    limits: {rate_per_host: 0.5, max_pages: 10}
#  - id: guilin-czj
#    family: trs_static
#    region: {province: 广西壮族自治区, city: 桂林市}
#    start_urls: ["https://czj.guilin.gov.cn/zwgk/glsbjyjsgkpt/sbjzfzys/index.html"]
#    allowed_hosts: ["czj.guilin.gov.cn"]
#    limits: {rate_per_host: 0.5}
#  - id: zhanjiang-gkmlpt
#    family: json_api
#    region: {province: 广东省, city: 湛江市}
#    api: {style: gkmlpt, base_url: "https://www.zhanjiang.gov.cn", category_name: 决算}
#    allowed_hosts: ["www.zhanjiang.gov.cn"]
#    user_agent: "Mozilla/5.0 (compatible; juesuan)"
#    limits: {rate_per_host: 0.5}
"""


def project_sources_text(site: PortalSite) -> str:
    """The project's top-level sources.yaml for a built site: the sample portal, the inbox, real examples."""
    return sample_sources_text(site) + REAL_EXAMPLES
