"""Stable keys for dimensions: region paths, department identity across years, clean subject names.

A department prints its name differently over the years (with or without the region prefix, with full-width or
half-width brackets); the key keeps one identity per department within its region, so year-over-year comparisons
join on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from juesuan.model import Region

_SPACE_RE = re.compile(r"\s+")
_SUFFIXES = ("省", "市", "自治区", "自治州", "地区", "盟", "县", "区", "自治县", "旗")


def normalise_text(text: str) -> str:
    """NFKC (full-width brackets and digits to half-width) and no whitespace."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def region_id(region: Region) -> str:
    """`province|city|county`, with empty parts for the levels that do not apply."""
    return "|".join(normalise_text(p or "") for p in (region.province, region.city, region.county))


def _short_forms(name: str) -> list[str]:
    forms = [name]
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
            break
    return forms


def department_name_key(name: str, region: Region) -> str:
    """The department's name without its region prefix: 株洲市荷塘区产业服务中心 → 产业服务中心.

    Strips each level's printed name (or its short form without 省/市/区…) from the front, as long as something
    remains; the region itself is part of the department key, so nothing is lost.
    """
    key = normalise_text(name)
    parts = [normalise_text(p) for p in (region.province, region.city, region.county) if p and p != "中央"]
    changed = True
    while changed:
        changed = False
        for part in parts:
            for form in _short_forms(part):
                if form and key.startswith(form) and len(key) > len(form):
                    key = key[len(form) :]
                    changed = True
    return key


def department_id(region_key: str, name_key: str) -> str:
    """Short stable hash of (region, name key)."""
    return hashlib.sha256(f"{region_key}#{name_key}".encode()).hexdigest()[:16]
