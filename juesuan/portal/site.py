"""Build the sample government-disclosure portal from the factory corpus, and change it between runs.

The site imitates the two portal families the crawler supports (see `../shared/reference/portals.md`):

* TRS-style static sites, one per region: `/<adcode>/zfxxgk/czyjs/bmjs/index.html`, `index_1.html`, …
  (`createPageHTML(...)` plus a 下一页 link), articles `/<…>/bmjs/YYYYMM/tYYYYMMDD_NNNN.html` with attachments
  `P0YYYYMMDDnnnnnn.pdf` in the same folder;
* a Guangdong gkmlpt-style site: `/<adcode>/gkmlpt/index` (`window._CONFIG = {SID, TREE}`) and the JSON API
  `/<adcode>/gkmlpt/api/all/<cat>?page=N&sid=S`, attachments under `/<adcode>/attachment/…`.

And the traps real portals set: an extra `.xlsx` tables attachment and a notice PDF beside reports, a budget
(部门预算) among the final accounts, a final account published under a 预算 title, the same PDF under two URLs,
an HTML error page served as `.pdf`, a preview section disallowed by robots.txt, and a link to another host.

Layout on disk: `<site_dir>/www/` (what the server serves), `<site_dir>/corpus/` (the factory corpus with its
truth files and manifest), `<site_dir>/portal.json` (this module's model of the site: regions, articles, every
attachment with its role and sha256, the reports held back for `apply_change`, the changes applied so far).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import random
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from juesuan.portal import documents as extra
from juesuan.portal.server import ALT_ORIGIN, SELF_ORIGIN

DEFAULT_SEED = 20260601
DEFAULT_REGIONS = 4
DEFAULT_DEPARTMENTS = 3
DEFAULT_YEARS = (2023, 2024)
#: The category ids of the gkmlpt site.
GKMLPT_FINAL_CATEGORY = "1635"
GKMLPT_BUDGET_CATEGORY = "1636"

Role = Literal["final_account", "budget", "notice", "tables", "html_error", "copy"]
Change = Literal["add_report", "replace_attachment"]
CHANGES: tuple[str, ...] = ("add_report", "replace_attachment")


@dataclass
class Attachment:
    path: str  # URL path on the portal
    text: str  # link text
    role: str  # Role
    sha256: str
    doc_id: str | None = None  # factory doc id for final accounts (and copies of them)
    offsite: bool = False  # linked through another host name (never to be fetched)


@dataclass
class Article:
    id: str
    region: str  # region slug
    date: str  # YYYY-MM-DD
    title: str
    path: str  # detail page URL path
    attachments: list[Attachment] = field(default_factory=list)
    hidden: str | None = None  # "robots" (preview path) or "offsite" (linked via another host)
    category: str = GKMLPT_FINAL_CATEGORY  # gkmlpt only
    api_lists_attachments: bool = True  # gkmlpt: attachments in the API reply (else only on the content page)
    meta: dict[str, Any] = field(default_factory=dict)  # jiangsu: department iid, template uuid, year


@dataclass
class RegionSite:
    slug: str
    family: str  # trs_static | json_api
    name: str  # 株洲市荷塘区, or 中央
    province: str
    city: str | None
    county: str | None
    sid: str | None = None  # gkmlpt site id; jiangsu region id (pid)
    api: str = "gkmlpt"  # json_api regions: gkmlpt | jiangsu

    @property
    def listing_dir(self) -> str:
        return f"/{self.slug}/zfxxgk/czyjs/bmjs/"

    @property
    def preview_dir(self) -> str:
        return f"/{self.slug}/zfxxgk/czyjs/preview/"

    @property
    def base(self) -> str:
        return f"/{self.slug}"


@dataclass
class PortalSite:
    """The sample portal's model; `build_site` makes one, `PortalSite.load(site_dir)` reads it back."""

    site_dir: Path
    seed: int
    regions: list[RegionSite] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    reserve: list[dict[str, Any]] = field(default_factory=list)  # manifest entries not yet published
    changes: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    # -- persistence -----------------------------------------------------------------------------------------

    @property
    def www(self) -> Path:
        return self.site_dir / "www"

    @property
    def corpus_dir(self) -> Path:
        return self.site_dir / "corpus"

    def save(self) -> None:
        data = {
            "seed": self.seed,
            "counter": self.counter,
            "regions": [asdict(r) for r in self.regions],
            "articles": [asdict(a) for a in self.articles],
            "reserve": self.reserve,
            "changes": self.changes,
        }
        tmp = self.site_dir / "portal.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.site_dir / "portal.json")

    @classmethod
    def load(cls, site_dir: Path | str) -> PortalSite:
        site_dir = Path(site_dir)
        path = site_dir / "portal.json"
        if not path.exists():
            raise FileNotFoundError(
                f"{site_dir} is not a built sample portal (no portal.json): run `juesuan portal build`"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        site = cls(
            site_dir, data["seed"], counter=data["counter"], reserve=data["reserve"], changes=data["changes"]
        )
        site.regions = [RegionSite(**r) for r in data["regions"]]
        for a in data["articles"]:
            atts = [Attachment(**x) for x in a.pop("attachments")]
            site.articles.append(Article(**a, attachments=atts))
        return site

    # -- what tests and the pipeline check against -----------------------------------------------------------

    def region(self, slug: str) -> RegionSite:
        return next(r for r in self.regions if r.slug == slug)

    def published(self) -> list[tuple[Article, Attachment]]:
        return [(a, x) for a in self.articles for x in a.attachments]

    def reachable(self) -> list[tuple[Article, Attachment]]:
        """Attachments a correct crawler fetches: not behind robots.txt, not on another host."""
        return [(a, x) for a, x in self.published() if a.hidden is None and not x.offsite]

    def expected_final_accounts(self) -> dict[str, str]:
        """sha256 → factory doc_id of every final-account PDF a correct crawler finds (each once)."""
        return {x.sha256: x.doc_id or "" for _, x in self.reachable() if x.role == "final_account"}

    def expected_documents(self) -> dict[str, str]:
        """sha256 → role of every file a correct crawler keeps (final accounts, budget, notice, tables)."""
        out: dict[str, str] = {}
        for _, x in self.reachable():
            if x.role in ("final_account", "budget", "notice", "tables"):
                out.setdefault(x.sha256, x.role)
        return out

    def manifest(self) -> list[dict[str, Any]]:
        """The factory manifest entries (all reports, published or held back)."""
        return json.loads((self.corpus_dir / "manifest.json").read_text(encoding="utf-8"))

    def truth_file(self, doc_id: str) -> Path:
        return self.corpus_dir / f"{doc_id}.truth.csv"

    def sources_yaml(self, base_url: str = "${PORTAL_URL}") -> str:
        """A sources file for this site (what the project's sources.yaml holds for the default build)."""
        years = sorted({int(e["year"]) for e in self.manifest()})
        return sources_yaml(self.regions, base_url, years)

    # -- building --------------------------------------------------------------------------------------------

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _write_attachment(self, path: str, data: bytes, mtime: float) -> str:
        _write(self.www, path, data, mtime)
        return hashlib.sha256(data).hexdigest()

    def _rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, *key))))

    def _trs_names(self, region: RegionSite, day: date) -> tuple[str, str]:
        """(article path, attachment folder) for a new TRS article published on `day`."""
        n = 1000 + self._next()
        folder = f"{region.listing_dir}{day:%Y%m}/"
        return f"{folder}t{day:%Y%m%d}_{n}.html", folder

    def _p_name(self, folder: str, day: date, ext: str = "pdf") -> str:
        return f"{folder}P0{day:%Y%m%d}{self._rng('p', self._next()).randrange(10**5, 10**6)}.{ext}"

    def add_report_article(
        self, entry: dict[str, Any], *, mtime: float | None = None, title: str | None = None
    ) -> Article:
        """Publish one factory report as an article of its region (TRS page or gkmlpt API entry)."""
        region = self.region(str(entry["doc_id"]).split("-")[0])
        year = int(entry["year"])
        rng = self._rng("date", entry["doc_id"])
        day = date(year + 1, rng.randint(6, 9), rng.randint(1, 28))
        stamp = mtime if mtime is not None else _ts(day)
        data = (self.corpus_dir / entry["file"]).read_bytes()
        title = title or f"{entry['department']}{year}年度部门决算"
        link_text = f"{entry['department']}{year}年度部门决算.pdf"
        file_path = None
        if region.family == "trs_static":
            path, folder = self._trs_names(region, day)
            att_path = self._p_name(folder, day)
            art = Article(f"t{day:%Y%m%d}", region.slug, day.isoformat(), title, path)
        elif region.api == "jiangsu":
            known = {
                a.meta["department"]: a.meta["dept_iid"] for a in self.articles if a.region == region.slug
            }
            dept_iid = known.get(entry["department"], 100 + len(set(known.values())))
            fid = 50_000 + self._next()
            uuid = f"{self._rng('uuid', entry['doc_id']).getrandbits(128):032x}"
            path = f"{region.base}/front/budgetfinal/itemsandpag.do?groupid={dept_iid}&date={year}"
            att_path = f"{region.base}/front/budgetfinal/download.do?iid={fid}"
            file_path = f"{region.base}/front/files/{fid}.pdf"
            art = Article(f"js_{dept_iid}_{year}", region.slug, day.isoformat(), title, path)
            art.meta = {
                "department": entry["department"],
                "dept_iid": dept_iid,
                "uuid": uuid,
                "year": year,
                "fid": fid,
            }
        else:
            post = 4_000_000 + self._next() * 137
            path = f"{region.base}/gkmlpt/content/{post // 1_000_000}/{post // 1000}/post_{post}.html"
            fid = 12_000_000 + self._next() * 71
            att_path = f"{region.base}/attachment/1/{fid // 1000}/{fid}.pdf"
            art = Article(f"post_{post}", region.slug, day.isoformat(), title, path)
        sha = self._write_attachment(file_path or att_path, data, stamp)
        art.attachments.append(Attachment(att_path, link_text, "final_account", sha, entry["doc_id"]))
        self.articles.append(art)
        return art

    def render(self, *, mtime: float | None = None) -> None:
        """(Re)write every page from the model; unchanged pages keep their bytes and timestamps (so: 304s)."""
        pages: dict[str, bytes] = {
            "/robots.txt": _robots(self.regions).encode(),
            "/index.html": _home(self.regions),
        }
        for region in self.regions:
            arts = sorted(
                (a for a in self.articles if a.region == region.slug),
                key=lambda a: (a.date, a.path),
                reverse=True,
            )
            pages[f"{region.base}/index.html"] = _region_home(region)
            if region.family == "trs_static":
                pages.update(_trs_pages(region, arts))
            elif region.api == "jiangsu":
                pages.update(_jiangsu_pages(region, arts))
            else:
                pages.update(_gkmlpt_pages(region, arts))
        newest = max((_ts(date.fromisoformat(a.date)) for a in self.articles), default=time.time())
        for path, data in pages.items():
            _write(self.www, path, data, mtime if mtime is not None else newest, keep_mtime_if_same=True)

    # -- changes between runs --------------------------------------------------------------------------------

    def apply_change(self, change: str) -> dict[str, Any]:
        """Change the site as a publisher would between two nights.

        `add_report`: publish one held-back factory report as a new article (listings re-render).
        `replace_attachment`: re-upload a published final account in place (same URL, new bytes: a corrected
        version, here an incremental PDF update with a new title in its metadata).
        Returns what changed (doc_id, URL path, sha256s) and records it in portal.json.
        """
        now = time.time()
        if change == "add_report":
            if not self.reserve:
                raise ValueError("no held-back report left to publish")
            entry = self.reserve.pop(0)
            art = self.add_report_article(entry, mtime=now)
            att = art.attachments[0]
            info = {"change": change, "doc_id": entry["doc_id"], "path": att.path, "sha256": att.sha256}
        elif change == "replace_attachment":
            done = {c["path"] for c in self.changes if c["change"] == "replace_attachment"}
            candidates = [
                (a, x)
                for a, x in self.reachable()
                if x.role == "final_account"
                and x.path not in done
                and self.region(a.region).family == "trs_static"
                and not any(y.sha256 == x.sha256 for b, y in self.published() if y is not x)
            ]
            if not candidates:
                raise ValueError("no published final account left to replace")
            art, att = candidates[0]
            old = att.sha256
            data = corrected_pdf((self.www / att.path.lstrip("/")).read_bytes(), f"{art.title}（更正版）")
            att.sha256 = self._write_attachment(att.path, data, now)
            info = {
                "change": change,
                "doc_id": att.doc_id,
                "path": att.path,
                "old_sha256": old,
                "sha256": att.sha256,
            }
        else:
            raise ValueError(f"unknown change {change!r}; one of {CHANGES}")
        self.render(mtime=now)
        self.changes.append({**info, "at": datetime.now(UTC).isoformat(timespec="seconds")})
        self.save()
        return info


def build_site(
    site_dir: Path | str,
    *,
    corpus_dir: Path | str | None = None,
    seed: int = DEFAULT_SEED,
    regions: int = DEFAULT_REGIONS,
    departments_per_region: int = DEFAULT_DEPARTMENTS,
    years: Sequence[int] = DEFAULT_YEARS,
    hold_back: int = 1,
) -> PortalSite:
    """Build the sample portal into `site_dir` (replacing any previous build) and return its model.

    The reports come from `corpus_dir` (a factory corpus: `manifest.json` + PDFs) or, by default, from
    `juesuan.factory.generate_corpus(site_dir/corpus, seed=…, regions=…, …)`. `hold_back` reports (the newest
    of the first regions) are kept unpublished for `apply_change("add_report")`.
    """
    site_dir = Path(site_dir)
    for sub in ("www", "corpus"):
        if (site_dir / sub).exists():
            shutil.rmtree(site_dir / sub)
    (site_dir / "portal.json").unlink(missing_ok=True)
    site_dir.mkdir(parents=True, exist_ok=True)
    if corpus_dir is None:
        try:
            from juesuan.factory import generate_corpus  # type: ignore[attr-defined]
        except ImportError:
            from juesuan.factory.generate import generate_corpus

        generate_corpus(
            site_dir / "corpus",
            seed=seed,
            regions=regions,
            departments_per_region=departments_per_region,
            years=tuple(years),
        )
    else:
        shutil.copytree(corpus_dir, site_dir / "corpus")
    site = PortalSite(site_dir, seed)
    entries = _read_manifest(site.corpus_dir)
    if not entries:
        raise ValueError(f"the corpus in {site.corpus_dir} has no reports")

    by_region: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_region.setdefault(str(e["doc_id"]).split("-")[0], []).append(e)
    slugs = list(by_region)
    for i, slug in enumerate(slugs):
        e = by_region[slug][0]
        province = e.get("province") or None
        # region 1 (and every 4th after) is a gkmlpt site, region 3 (…) is on the Jiangsu platform, others TRS
        api = {1: "gkmlpt", 3: "jiangsu"}.get(i % 4) if i else None
        family = "json_api" if api else "trs_static"
        name = (
            "中央" if province == "中央" else f"{e.get('city') or ''}{e.get('county') or ''}" or str(province)
        )
        region = RegionSite(
            slug, family, name, province or "", e.get("city") or None, e.get("county") or None
        )
        if api:
            region.api = api
            region.sid = str(site._rng("sid", slug).randrange(100, 9999 if api == "gkmlpt" else 999))
        site.regions.append(region)

    # hold back the newest report of the first regions for add_report
    held: set[str] = set()
    for slug in slugs:
        if len(held) >= hold_back:
            break
        newest = max(by_region[slug], key=lambda e: (e["year"], e["doc_id"]))
        if len(by_region[slug]) > 2:
            held.add(newest["doc_id"])
    site.reserve = [e for e in entries if e["doc_id"] in held]

    trs = [r for r in site.regions if r.family == "trs_static"]
    region_a = trs[0] if trs else site.regions[0]
    region_b = trs[1] if len(trs) > 1 else region_a
    mislabeled: str | None = None
    a_entries = [e for e in by_region[region_a.slug] if e["doc_id"] not in held]
    if region_a.family == "trs_static" and len(a_entries) >= 3:
        mislabeled = a_entries[1]["doc_id"]
    for e in entries:
        if e["doc_id"] in held:
            continue
        title = None
        if e["doc_id"] == mislabeled:  # "a file called 2026 部门预算 can be a 2019 决算"
            title = f"{e['department']}{max(years) + 2}年部门预算"
        site.add_report_article(e, title=title)
    _add_traps(site, region_a, region_b, by_region, held, max(years))
    site.render()
    site.save()
    return site


def _add_traps(
    site: PortalSite,
    region_a: RegionSite,
    region_b: RegionSite,
    by_region: dict[str, list[dict[str, Any]]],
    held: set[str],
    last_year: int,
) -> None:
    """The realistic mess: extra attachments, a budget, a re-published copy, an error page, robots and offsite links."""
    a_articles = [a for a in site.articles if a.region == region_a.slug]
    first = a_articles[0]
    day = date.fromisoformat(first.date)
    folder = first.path.rsplit("/", 1)[0] + "/"
    dept_a = next(e for e in by_region[region_a.slug] if e["doc_id"] not in held)["department"]
    if region_a.family == "trs_static":
        # an extra tables workbook and a notice beside the first report
        xlsx = site._p_name(folder, day, "xlsx")
        doc = first.attachments[0].doc_id
        entry = next(e for es in by_region.values() for e in es if e["doc_id"] == doc)
        workbook = extra.tables_workbook(site.corpus_dir / str(entry["truth_file"]), entry)
        first.attachments.append(
            Attachment(
                xlsx,
                "附件2：决算公开表格.xlsx",
                "tables",
                site._write_attachment(xlsx, workbook, _ts(day)),
                doc,
            )
        )
        notice = site._p_name(folder, day)
        first.attachments.append(
            Attachment(
                notice,
                "附件3：关于公开部门决算的说明.pdf",
                "notice",
                site._write_attachment(notice, extra.notice_pdf(region_a.name, last_year), _ts(day)),
            )
        )
        # a budget among the final accounts
        bday = date(last_year + 1, 2, 20)
        path, bfolder = site._trs_names(region_a, bday)
        batt = site._p_name(bfolder, bday)
        budget = Article(
            f"t{bday:%Y%m%d}", region_a.slug, bday.isoformat(), f"{dept_a}{last_year + 1}年部门预算", path
        )
        budget.attachments.append(
            Attachment(
                batt,
                f"{dept_a}{last_year + 1}年部门预算.pdf",
                "budget",
                site._write_attachment(
                    batt, extra.budget_pdf(dept_a, last_year + 1, seed=site.seed), _ts(bday)
                ),
            )
        )
        site.articles.append(budget)
        # the same two reports re-published in a roundup article, under new file names
        originals = [x for a in a_articles[:2] for x in a.attachments if x.role == "final_account"]
        rday = date(last_year + 1, 10, 15)
        path, rfolder = site._trs_names(region_a, rday)
        roundup = Article(
            f"t{rday:%Y%m%d}",
            region_a.slug,
            rday.isoformat(),
            f"{region_a.name}{last_year}年度部门决算公开汇总",
            path,
        )
        for x in originals:
            copy = site._p_name(rfolder, rday)
            data = (site.www / x.path.lstrip("/")).read_bytes()
            roundup.attachments.append(
                Attachment(copy, x.text, "copy", site._write_attachment(copy, data, _ts(rday)), x.doc_id)
            )
        site.articles.append(roundup)
    if region_b.family == "trs_static":
        b_entries = [e for e in by_region[region_b.slug] if e["doc_id"] not in held]
        dept_b = b_entries[-1]["department"]
        # an HTML error page served under a .pdf name
        eday = date(last_year + 1, 9, 30)
        path, efolder = site._trs_names(region_b, eday)
        err = site._p_name(efolder, eday)
        broken = Article(
            f"t{eday:%Y%m%d}",
            region_b.slug,
            eday.isoformat(),
            f"{dept_b}{last_year}年度部门决算（更新）",
            path,
        )
        broken.attachments.append(
            Attachment(
                err,
                f"{dept_b}{last_year}年度部门决算.pdf",
                "html_error",
                site._write_attachment(err, extra.error_page(err), _ts(eday)),
            )
        )
        site.articles.append(broken)
        # a preview section that robots.txt disallows
        b_first = next(
            a for a in site.articles if a.region == region_b.slug and a.attachments[0].role == "final_account"
        )
        pday = date(last_year + 1, 10, 8)
        n = 1000 + site._next()
        ppath = f"{region_b.preview_dir}{pday:%Y%m}/t{pday:%Y%m%d}_{n}.html"
        patt = f"{region_b.preview_dir}{pday:%Y%m}/P0{pday:%Y%m%d}{n:06d}.pdf"
        data = (site.www / b_first.attachments[0].path.lstrip("/")).read_bytes()
        first_att = b_first.attachments[0]

        def copy_of_b_first(day: date, prefix: str, path: str, att: str, hidden: str) -> None:
            """Another article serving the same bytes as region B's first final account."""
            article = Article(
                f"t{day:%Y%m%d}",
                region_b.slug,
                day.isoformat(),
                f"{prefix}{b_first.title}",
                path,
                hidden=hidden,
            )
            article.attachments.append(
                Attachment(
                    att,
                    first_att.text,
                    "copy",
                    site._write_attachment(att, data, _ts(day)),
                    first_att.doc_id,
                    offsite=hidden == "offsite",
                )
            )
            site.articles.append(article)

        copy_of_b_first(pday, "【预览】", ppath, patt, "robots")
        # a listing entry pointing at another host name (the same server, reached as localhost)
        oday = date(last_year + 1, 10, 9)
        opath, ofolder = site._trs_names(region_b, oday)
        copy_of_b_first(oday, "【镜像】", opath, site._p_name(ofolder, oday), "offsite")
    gk = [r for r in site.regions if r.family == "json_api" and r.api == "gkmlpt"]
    if gk:
        arts = [a for a in site.articles if a.region == gk[0].slug]
        if len(arts) > 1:
            arts[-1].api_lists_attachments = False  # attachment only on its content page


def corrected_pdf(data: bytes, new_title: str) -> bytes:
    """A re-uploaded corrected version: the same PDF plus an incremental update that gives it a new /Info."""
    tail = data[-2048:].decode("latin-1")
    root = re.search(r"/Root\s+(\d+\s+\d+)\s+R", tail)
    size = re.search(r"/Size\s+(\d+)", tail)
    startxref = re.findall(r"startxref\s+(\d+)", tail)
    if not (root and size and startxref):
        raise ValueError("cannot append an incremental update: no classic trailer in the last 2 KiB")
    obj = int(size.group(1))
    title_hex = "FEFF" + new_title.encode("utf-16-be").hex().upper()
    body = data if data.endswith(b"\n") else data + b"\n"
    offset = len(body)
    info = f"{obj} 0 obj\n<< /Title <{title_hex}> /Producer (juesuan sample portal) >>\nendobj\n".encode()
    xref_at = offset + len(info)
    xref = (
        f"xref\n0 1\n0000000000 65535 f \n{obj} 1\n{offset:010d} 00000 n \n"
        f"trailer\n<< /Size {obj + 1} /Root {root.group(1)} R /Info {obj} 0 R /Prev {startxref[-1]} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return body + info + xref


# -- rendering --------------------------------------------------------------------------------------------------


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC).timestamp()


def _write(root: Path, path: str, data: bytes, mtime: float, *, keep_mtime_if_same: bool = False) -> None:
    import os

    target = root / path.lstrip("/")
    if keep_mtime_if_same and target.exists() and target.read_bytes() == data:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.utime(tmp, (mtime, mtime))
    tmp.replace(target)


def _page(title: str, body: str, *, meta: str = "") -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{meta}</head>\n<body>\n"
        '<div class="header"><a href="/index.html">政府信息公开</a> | <a href="http://www.gov.cn/">中国政府网</a></div>\n'
        f"{body}\n"
        '<div class="footer">主办：财政局 | <a href="/private/admin/login.html">管理登录</a></div>\n'
        "</body></html>\n"
    ).encode()


def _robots(regions: list[RegionSite]) -> str:
    lines = ["User-agent: *", "Disallow: /private/"]
    lines += [f"Disallow: {r.preview_dir}" for r in regions if r.family == "trs_static"]
    return "\n".join(lines) + "\n"


def _home(regions: list[RegionSite]) -> bytes:
    items = "".join(f'<li><a href="{r.base}/index.html">{html.escape(r.name)}</a></li>' for r in regions)
    return _page("预决算公开平台（示例）", f'<h1>预决算公开平台（示例）</h1><ul class="sites">{items}</ul>')


def _region_home(region: RegionSite) -> bytes:
    if region.family == "trs_static":
        target = f"{region.listing_dir}index.html"
    else:
        target = (
            f"{region.base}/gkmlpt/index" if region.api == "gkmlpt" else f"{region.base}/front/index.html"
        )
    return _page(
        f"{region.name}人民政府", f'<h1>{html.escape(region.name)}</h1><p><a href="{target}">部门决算</a></p>'
    )


def _trs_pages(region: RegionSite, arts: list[Article]) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    per_page = max(1, min(8, math.ceil(len(arts) / 2)))
    total = max(1, math.ceil(len(arts) / per_page))
    base = region.listing_dir
    for i in range(total):
        chunk = arts[i * per_page : (i + 1) * per_page]
        items = []
        for a in chunk:
            href = a.path
            if a.hidden == "offsite":
                href = ALT_ORIGIN + a.path
            elif a.path.startswith(base):
                href = "./" + a.path[len(base) :]
            items.append(
                f'<li><a href="{href}" title="{html.escape(a.title)}" target="_blank">{html.escape(a.title)}</a>'
                f'<span class="date">{a.date}</span></li>'
            )
        nav = []
        if i > 0:
            nav.append(f'<a href="{"index.html" if i == 1 else f"index_{i - 1}.html"}">上一页</a>')
        if i + 1 < total:
            nav.append(f'<a href="index_{i + 1}.html">下一页</a>')
        body = (
            f'<div class="crumb">当前位置：<a href="{region.base}/index.html">首页</a> &gt; 财政预决算 &gt; 部门决算</div>\n'
            f'<ul class="list">\n{chr(10).join(items)}\n</ul>\n'
            f'<div class="page"><script>var countPage = {total}; createPageHTML({total}, {i}, "index", "html");</script>'
            f"{' '.join(nav)}</div>"
        )
        name = "index.html" if i == 0 else f"index_{i}.html"
        pages[base + name] = _page(f"部门决算_{region.name}人民政府", body)
    for a in arts:
        links = "".join(
            f'<li><a href="{(ALT_ORIGIN + x.path) if x.offsite else "./" + x.path.rsplit("/", 1)[1]}" '
            f'OLDSRC="/protect{x.path}">{html.escape(x.text)}</a></li>'
            for x in a.attachments
        )
        body = (
            f'<div class="crumb">当前位置：<a href="{region.base}/index.html">首页</a> &gt; '
            f'<a href="{base}index.html">部门决算</a></div>\n'
            f'<h1 class="title">{html.escape(a.title)}</h1><div class="info">发布时间：{a.date} 来源：{html.escape(region.name)}财政局</div>\n'
            f'<div class="TRS_Editor"><p>现将{html.escape(a.title)}公开如下，详见附件。</p></div>\n'
            f'<div class="attachments"><p>附件：</p><ul>{links}</ul></div>\n'
            f'<div class="back"><a href="{base}index.html">返回列表</a></div>'
        )
        meta = f'<meta name="ArticleTitle" content="{html.escape(a.title)}"><meta name="PubDate" content="{a.date} 10:00">'
        pages[a.path] = _page(f"{a.title}_{region.name}人民政府", body, meta=meta)
    return pages


def _gkmlpt_pages(region: RegionSite, arts: list[Article]) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    tree = [
        {
            "id": 1,
            "name": "法定主动公开内容",
            "children": [
                {"id": int(GKMLPT_FINAL_CATEGORY), "name": "部门决算", "children": []},
                {"id": int(GKMLPT_BUDGET_CATEGORY), "name": "部门预算", "children": []},
            ],
        },
        {"id": 2, "name": "政策解读", "jump_url": "http://www.gov.cn/zhengce/"},
    ]
    config = (
        "window._CONFIG = {SID:'" + str(region.sid) + "', SERVICE_AREA_ID: 1, IS_SEARCH: false, "
        "TREE:" + json.dumps(tree, ensure_ascii=False) + ", ROOT_URL: '" + SELF_ORIGIN + region.base + "'};"
    )
    pages[f"{region.base}/gkmlpt/index"] = _page(
        f"{region.name}政府信息公开",
        f'<div id="app"></div><script>{config}</script><script src="/gkmlpt/js/app.js"></script>',
    )
    pages[f"{region.base}/gkmlpt/config.json"] = json.dumps({"sid": region.sid}).encode()
    for cat in (GKMLPT_FINAL_CATEGORY, GKMLPT_BUDGET_CATEGORY):
        listed = [a for a in arts if a.category == cat]
        per_page = max(1, min(20, math.ceil(len(listed) / 2)))
        total = max(1, math.ceil(len(listed) / per_page))
        for i in range(total):
            chunk = listed[i * per_page : (i + 1) * per_page]
            reply = {
                "classify": {
                    "id": int(cat),
                    "name": "部门决算" if cat == GKMLPT_FINAL_CATEGORY else "部门预算",
                    "post_count": len(listed),
                },
                "articles": [_gkmlpt_article(region, a) for a in chunk],
            }
            pages[f"{region.base}/gkmlpt/api/all/{cat}/page_{i + 1}.json"] = json.dumps(
                reply, ensure_ascii=False, indent=1
            ).encode()
    for a in arts:
        links = "".join(f'<li><a href="{x.path}">{html.escape(x.text)}</a></li>' for x in a.attachments)
        detail = json.dumps(
            {"title": a.title, "content": f"<p>{a.title}，详见附件。</p>"}, ensure_ascii=False
        )
        body = (
            f"<script>window._CONFIG = {{DETAIL: {detail}}};</script>"
            f'<h1>{html.escape(a.title)}</h1><div class="article-content"><p>{html.escape(a.title)}，详见附件。</p></div>'
            f'<div class="attachments"><ul>{links}</ul></div>'
        )
        pages[a.path] = _page(a.title, body)
    return pages


def _gkmlpt_article(region: RegionSite, a: Article) -> dict[str, Any]:
    day = date.fromisoformat(a.date)
    post_id = int(a.id.split("_")[1])
    return {
        "id": post_id,
        "title": a.title,
        "url": SELF_ORIGIN + a.path,
        "date": int(_ts(day)),
        "created_at": f"{a.date} 10:00:00",
        "publisher": f"{region.name}财政局",
        "document_number": "",
        "attachment": (
            [
                {
                    "id": int(re.sub(r"\D", "", x.path.rsplit("/", 1)[1]) or 0),
                    "name": x.text,
                    "url": SELF_ORIGIN + x.path,
                }
                for x in a.attachments
            ]
            if a.api_lists_attachments
            else []
        ),
    }


def _jiangsu_pages(region: RegionSite, arts: list[Article]) -> dict[str, bytes]:
    """The Jiangsu platform's replies, one JSON file per (endpoint, form) the server maps POSTs onto."""
    pages: dict[str, bytes] = {}
    api = f"{region.base}/front/api/"
    by_year: dict[int, dict[int, str]] = {}
    for a in arts:
        by_year.setdefault(int(a.meta["year"]), {})[int(a.meta["dept_iid"])] = a.meta["department"]
        tpl = {"uuid": a.meta["uuid"], "name": a.title, "date": a.meta["year"], "groupid": a.meta["dept_iid"]}
        items = {"budgetTemplates": [tpl], "total": 1, "page_num": 1}
        pages[f"{api}items_{a.meta['dept_iid']}_{a.meta['year']}_2.json"] = _json(items)
        files = [
            {"iid": int(x.path.rsplit("=", 1)[1]), "t_oldname": x.text, "t_uploaddate": a.date}
            for x in a.attachments
        ]
        pages[f"{api}files_{a.meta['uuid']}.json"] = _json(files)
    for year, depts in by_year.items():
        reply = [
            {"iid": iid, "name": name, "pid": int(region.sid or 0), "dtype": 1}
            for iid, name in sorted(depts.items())
        ]
        pages[f"{api}departments_{region.sid}_{year}_2.json"] = _json(reply)
    pages[f"{region.base}/front/index.html"] = _page(
        f"{region.name}预决算公开统一平台",
        '<div id="department"><ul></ul></div><div id="contentTitle"></div>',
    )
    return pages


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _read_manifest(corpus_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("documents") or data.get("reports") or []
    return list(data)


# -- sources file ------------------------------------------------------------------------------------------------


def sources_yaml(
    regions: list[RegionSite], base_url: str = "${PORTAL_URL}", years: Sequence[int] = ()
) -> str:
    """The sources entries that crawl the given portal regions (one per region; region config = the region)."""
    host = "127.0.0.1"
    out = []
    for r in regions:
        region = (
            f"{{province: {r.province}}}"
            if r.province == "中央"
            else (
                "{"
                + ", ".join(
                    f"{k}: {v}"
                    for k, v in (("province", r.province), ("city", r.city), ("county", r.county))
                    if v
                )
                + "}"
            )
        )
        if r.family == "trs_static":
            out.append(
                f"  - id: portal-{r.slug}\n"
                f"    name: {r.name} 部门决算 (sample portal, TRS-style)\n"
                f"    family: trs_static\n"
                f"    region: {region}\n"
                f'    start_urls: ["{base_url}{r.listing_dir}index.html"]\n'
                f'    allowed_hosts: ["{host}"]\n'
                f'    listing: {{links: "ul.list li a"}}\n'
                f'    detail: {{attachments: "div.attachments a"}}\n'
            )
        elif r.api == "jiangsu":
            out.append(
                f"  - id: portal-{r.slug}\n"
                f"    name: {r.name} 部门决算 (sample portal, Jiangsu platform form-POST JSON API)\n"
                f"    family: json_api\n"
                f"    region: {region}\n"
                f'    api: {{style: jiangsu, base_url: "{base_url}{r.base}", region_ids: ["{r.sid}"], '
                f'years: [{", ".join(map(str, years))}], typeid: "2"}}\n'
                f'    allowed_hosts: ["{host}"]\n'
            )
        else:
            out.append(
                f"  - id: portal-{r.slug}\n"
                f"    name: {r.name} 部门决算 (sample portal, gkmlpt JSON API)\n"
                f"    family: json_api\n"
                f"    region: {region}\n"
                f'    api: {{style: gkmlpt, base_url: "{base_url}{r.base}", category_name: 决算}}\n'
                f'    allowed_hosts: ["{host}"]\n'
                f'    detail: {{attachments: "div.attachments a"}}\n'
            )
    return "".join(out)
