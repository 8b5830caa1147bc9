"""A document's great-expectations Data Docs page, built on demand and made readable offline.

Ingestion checks thousands of reports and writes no Data Docs; the dashboard rebuilds them for one document when
asked (parse the kept raw file, run the GX suite), in the same place `juesuan check` writes them
(`<data root>/checks/<sha256[:16]>/data_docs`). GX pages load Bootstrap and friends from CDNs; those tags are
removed so the page shows its content on an intranet without internet access instead of an empty shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from juesuan.paths import data_root

_REMOTE = re.compile(
    r"<script[^>]+src=[\"']https?://[^>]*>\s*</script>"
    r"|<link[^>]+href=[\"']https?://[^>]*>"
    r"|<img[^>]+src=[\"']https?://[^>]*>",
    re.IGNORECASE,
)


class DataDocsUnavailable(RuntimeError):
    """The Data Docs page could not be built (raw file missing, parse refused)."""


@dataclass
class DataDocsPage:
    path: Path
    html: str


def docs_dir(sha: str) -> Path:
    return data_root() / "checks" / sha[:16] / "data_docs"


def _validation_pages(root: Path) -> list[Path]:
    return (
        sorted((root / "validations").rglob("*.html"), key=lambda p: p.stat().st_mtime)
        if root.exists()
        else []
    )


#: The pass/fail marks GX draws with Font Awesome (a CDN font), drawn with plain characters instead.
_LOCAL_STYLE = """<style>
body { font-family: sans-serif; margin: 1em; }
table { border-collapse: collapse; } td, th { padding: 2px 8px; vertical-align: top; }
.fas.fa-check-circle::before { content: "✔ 通过"; color: #2e7d32; font-style: normal; white-space: nowrap; }
.fas.fa-times::before { content: "✘ 未通过"; color: #c62828; font-style: normal; white-space: nowrap; }
</style>"""


def offline(html: str) -> str:
    """Drop every script, stylesheet and image fetched from another host (CDN); plain links stay. The status
    marks GX draws with a CDN icon font are drawn with plain characters by a local style."""
    out = _REMOTE.sub("", html)
    return out.replace("</head>", _LOCAL_STYLE + "</head>", 1) if "</head>" in out else _LOCAL_STYLE + out


def validation_page(sha: str, raw_path: str | Path) -> DataDocsPage:
    root = docs_dir(sha)
    pages = _validation_pages(root)
    if not pages:
        raw = Path(str(raw_path))
        if not raw.exists():
            raise DataDocsUnavailable(f"原始文件不在原始库中：{raw}")
        from expectations import run_checks
        from juesuan.dashboard.data import PDFIUM_LOCK
        from juesuan.parsing import parse_report

        try:
            with PDFIUM_LOCK:  # pdfium is not thread-safe (the server's other threads render pages)
                report = parse_report(raw)
        except Exception as exc:  # a refused or unparseable file has no rule results to show
            raise DataDocsUnavailable(f"无法解析该文档，没有 GX 校验结果：{exc}") from exc
        run_checks(report, runner="gx", data_docs_dir=root)
        pages = _validation_pages(root)
        if not pages:
            raise DataDocsUnavailable("great-expectations 没有生成校验页。")
    page = pages[-1]
    return DataDocsPage(page, offline(page.read_text(encoding="utf-8")))
