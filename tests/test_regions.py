"""Region from a department name, against the real administrative-division list."""

from __future__ import annotations

import pytest

from juesuan.model import Region
from juesuan.regions import RegionError, adcodes_path, region_from_config, resolve_region


def _tuple(r: Region) -> tuple[str | None, str | None, str | None, str | None]:
    return (r.province, r.city, r.county, r.adcode)


def test_division_list_is_the_real_one() -> None:
    lines = adcodes_path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("adcode,name")
    assert len(lines) > 3000  # every province, city and county, not a hand-typed handful


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # municipality: the city level is the municipality itself
        ("上海市普陀区财政局", ("上海市", "上海市", "普陀区", "310107")),
        ("上海普陀区财政局", ("上海市", "上海市", "普陀区", "310107")),
        ("重庆市渝中区教育委员会", ("重庆市", "重庆市", "渝中区", "500103")),
        ("北京市政务服务和数据管理局", ("北京市", "北京市", None, "110000")),
        # full and short forms
        ("湖南省株洲市荷塘区产业服务中心", ("湖南省", "株洲市", "荷塘区", "430202")),
        ("株洲市荷塘区产业服务中心", ("湖南省", "株洲市", "荷塘区", "430202")),
        ("荷塘区产业服务中心", ("湖南省", "株洲市", "荷塘区", "430202")),  # unique in the country
        ("湖南株洲荷塘区产业服务中心", ("湖南省", "株洲市", "荷塘区", "430202")),
        ("江苏省高级人民法院", ("江苏省", None, None, "320000")),
        ("深圳市财政局（本级）", ("广东省", "深圳市", None, "440300")),
        ("湘西州财政局", ("湖南省", "湘西土家族苗族自治州", None, "433100")),
        # autonomous regions and prefectures, full and short
        ("广西壮族自治区南宁市青秀区教育局", ("广西壮族自治区", "南宁市", "青秀区", "450103")),
        ("新疆乌鲁木齐市天山区财政局", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102")),
        ("恩施州财政局", ("湖北省", "恩施土家族苗族自治州", None, "422800")),
        ("阿拉善盟财政局", ("内蒙古自治区", "阿拉善盟", None, "152900")),
        ("上海市浦东新区财政局", ("上海市", "上海市", "浦东新区", "310115")),
        # a city named like its province's short name: the longer match wins
        ("吉林市财政局", ("吉林省", "吉林市", None, "220200")),
        ("吉林省财政厅", ("吉林省", None, None, "220000")),
        # county-level city directly under the province (no prefecture)
        ("仙桃市财政局", ("湖北省", None, "仙桃市", "429004")),
        # ambiguous county disambiguated by its city
        ("舟山市普陀区财政局", ("浙江省", "舟山市", "普陀区", "330903")),
        # party organ prefixes precede the region
        ("中共株洲市荷塘区委员会组织部", ("湖南省", "株洲市", "荷塘区", "430202")),
        ("中国共产党上海市委员会", ("上海市", "上海市", None, "310000")),
    ],
)
def test_resolve_region_from_name(name: str, expected: tuple) -> None:
    assert _tuple(resolve_region(name)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "国家信访局",
        "财政部",
        "海关总署",
        "中共中央办公厅",
        "全国妇联",
        "中国科学技术协会委员会",
        "共青团中央",
    ],
)
def test_central_departments(name: str) -> None:
    r = resolve_region(name)
    assert r.is_central
    assert (r.city, r.county, r.adcode) == (None, None, None)


def test_ambiguous_county_alone_is_not_guessed() -> None:
    # 普陀区 exists in 上海 and in 舟山 (浙江): nothing is shared, so nothing is claimed
    assert _tuple(resolve_region("普陀区财政局")) == (None, None, None, None)
    assert _tuple(resolve_region("某某单位")) == (None, None, None, None)


def test_hint_disambiguates_and_wins() -> None:
    assert _tuple(resolve_region("普陀区财政局", hint=Region(province="上海市"))) == (
        "上海市",
        "上海市",
        "普陀区",
        "310107",
    )
    assert _tuple(resolve_region("普陀区财政局", hint=Region(province="浙江省"))) == (
        "浙江省",
        "舟山市",
        "普陀区",
        "330903",
    )
    assert resolve_region("荷塘区产业服务中心", hint=Region("湖南省", "株洲市")).adcode == "430202"
    # configuration wins over a contradicting name
    assert _tuple(resolve_region("株洲市荷塘区产业服务中心", hint=Region("湖南省", "湘潭市"))) == (
        "湖南省",
        "湘潭市",
        None,
        "430300",
    )
    assert resolve_region("上海市普陀区财政局", hint=Region(province="中央")).is_central
    # an unverifiable hint is still kept as configured
    assert resolve_region("x", hint=Region(province="火星")).province == "火星"


def test_region_from_config_validates_and_fills_codes() -> None:
    assert _tuple(region_from_config("上海", None, "普陀区")) == ("上海市", "上海市", "普陀区", "310107")
    assert _tuple(region_from_config("浙江省", "舟山市", "普陀区")) == (
        "浙江省",
        "舟山市",
        "普陀区",
        "330903",
    )
    assert _tuple(region_from_config("湖南省", "株洲", None)) == ("湖南省", "株洲市", None, "430200")
    assert _tuple(region_from_config(None, "株洲市", "荷塘区")) == ("湖南省", "株洲市", "荷塘区", "430202")
    assert region_from_config("中央").is_central
    with pytest.raises(RegionError, match="not in 上海市"):
        region_from_config("上海市", None, "荷塘区")
    with pytest.raises(RegionError, match="city '上海市' is not in 湖南省"):
        region_from_config("湖南省", "上海市", None)
    with pytest.raises(RegionError, match="unknown province"):
        region_from_config("火星")
    with pytest.raises(RegionError, match="no city/county"):
        region_from_config("中央", "北京市")


def test_region_index_is_not_walked_by_the_garbage_collector():
    """The name index (about 18,000 names) holds tuples of code strings, which the collector stops tracking:
    as sets they were walked by every full collection of a long parse (12 ms each, several per budget)."""
    import gc

    from juesuan.regions import _index

    idx = _index()
    gc.collect()
    values = [codes for table in idx.names.values() for codes in table.values()]
    assert len(values) > 10_000
    assert not any(gc.is_tracked(codes) for codes in values)
