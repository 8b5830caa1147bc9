"""The sample government-disclosure portal juesuan ships to crawl against (tests, `make run`, demos)."""

from juesuan.portal.server import PortalServer, RequestRecord, serve_portal

__all__ = ["PortalServer", "RequestRecord", "serve_portal"]
