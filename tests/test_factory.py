"""The report factory: determinism, a readable Chinese text layer holding every truth value, the identities of
DOMAIN.md section 4 on clean truth, labelled defects that break theirs, and the seed rendered from its gold."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pdfplumber
import pytest
from factory_identities import check

from juesuan.cli import main as cli_main
from juesuan.factory import (
    DEFECT_KINDS,
    TEMPLATES,
    format_for,
    generate_corpus,
    plan_corpus,
    render_from_gold,
    seed_repeats_from_findings,
)
from juesuan.factory.spec import WAN
from juesuan.model import GOLD_CSV_HEADER, read_gold_csv

SMALL = {"seed": 7, "regions": 2, "departments_per_region": 3, "years": (2023, 2024)}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("factory") / "corpus"
    generate_corpus(out, **SMALL)
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def texts(corpus: tuple[Path, list[dict]]) -> dict[str, list[str]]:
    out, manifest = corpus
    result = {}
    for e in manifest:
        with pdfplumber.open(out / e["file"]) as pdf:
            result[e["doc_id"]] = [p.extract_text() or "" for p in pdf.pages]
    return result


def _printed(value_yuan: Decimal, unit: str) -> Decimal:
    return value_yuan if unit == "元" else (value_yuan / WAN).quantize(Decimal("0.01"))


def test_small_corpus_covers_templates_defects_and_units(corpus: tuple[Path, list[dict]]) -> None:
    out, manifest = corpus
    assert len(manifest) == 12
    assert {e["template"] for e in manifest} == set(TEMPLATES)
    assert {d["kind"] for e in manifest for d in e["defects"]} == set(DEFECT_KINDS)
    assert any("元" in e["units"].values() for e in manifest)
    for e in manifest:
        assert (
            (out / e["file"]).exists()
            and (out / e["truth_file"]).exists()
            and (out / e["narrative_file"]).exists()
        )
        assert e["province"] and e["department"]
        if e["province"] != "中央":
            assert e["department"].startswith(e["city"] + e["county"]) or e["department"].startswith(
                e["county"]
            )
        assert set(e["units"]) == set(e["table_pages"])
    with (out / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["doc_id"] for r in rows] == [e["doc_id"] for e in manifest]


def test_truth_csv_header_and_keys(corpus: tuple[Path, list[dict]]) -> None:
    out, manifest = corpus
    for e in manifest:
        text = (out / e["truth_file"]).read_text(encoding="utf-8")
        assert text.splitlines()[0] == ",".join(GOLD_CSV_HEADER)
        cells = read_gold_csv(out / e["truth_file"])
        assert len(cells) == e["cells"] > 50
        keys = [c.key for c in cells]
        assert len(keys) == len(set(keys)), f"{e['doc_id']}: duplicate truth keys"
        qinghai = e["template"] == "qinghai2016"
        assert ("state_capital" in e["units"]) is not qinghai
        lines = {c.line_item for c in cells if c.table_kind == "summary"}
        if qinghai:
            assert "income.fiscal" in lines and "income.use_business_fund" in lines


def test_default_corpus_plan_covers_everything() -> None:
    plans = plan_corpus(20261127, 3, 10, (2023, 2024), TEMPLATES, 0.15)
    assert len(plans) == 60
    assert {p.template for p in plans} == set(TEMPLATES)
    assert {p.defect for p in plans if p.defect} == set(DEFECT_KINDS)
    assert 4 <= sum(1 for p in plans if p.defect) <= 15
    assert any(p.unit_mode != "wan" for p in plans)
    assert len({p.place.province for p in plans}) == 3


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    kwargs = {"seed": 11, "regions": 1, "departments_per_region": 2, "years": (2024,)}
    a, b = tmp_path / "a", tmp_path / "b"
    generate_corpus(a, **kwargs)
    generate_corpus(b, **kwargs)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert any(n.endswith(".pdf") for n in names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = tmp_path / "c"
    generate_corpus(c, **{**kwargs, "seed": 12})
    assert (a / "manifest.json").read_bytes() != (c / "manifest.json").read_bytes()


def test_text_layer_is_chinese_and_holds_every_truth_value(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    out, manifest = corpus
    for e in manifest:
        pages = texts[e["doc_id"]]
        full = "\n".join(pages)
        assert "(cid:" not in full
        assert e["department"] in full and "部门决算" in full
        assert re.search(r"编制人数 ?\d+ ?人，实有人数 ?\d+ ?人", full.replace("\n", ""))
        fmt = format_for(e["template"])
        for kind, page_nos in e["table_pages"].items():
            table_text = "\n".join(pages[p - 1] for p in page_nos)
            assert f"单位：{e['units'][kind]}" in table_text
            tokens = Counter(table_text.split())
            wanted = Counter(
                fmt(_printed(c.amount_yuan, e["units"][kind]), kind=kind)
                for c in read_gold_csv(out / e["truth_file"])
                if c.table_kind == kind
            )
            missing = {v: n for v, n in wanted.items() if tokens[v] < n}
            assert not missing, f"{e['doc_id']} {kind}: printed values missing from text layer: {missing}"


def test_tables_span_pages_with_repeated_headers(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    _, manifest = corpus
    spans = [(e, k, p) for e in manifest for k, p in e["table_pages"].items() if len(p) > 1]
    assert spans, "no table spans pages in the small corpus"
    repeated = 0
    for e, kind, pages in spans:
        if e["template"] == "shanghai2024" and kind in ("income", "expenditure"):
            cont = texts[e["doc_id"]][pages[1] - 1]
            repeated += "科目名称" in cont
    assert any(e["template"] == "shanghai2024" for e, _, _ in spans)
    assert repeated or not any(
        e["template"] == "shanghai2024" and k in ("income", "expenditure") for e, k, _ in spans
    )


def test_clean_truth_satisfies_identities(corpus: tuple[Path, list[dict]]) -> None:
    out, manifest = corpus
    clean = [
        e
        for e in manifest
        if not e["defects"] or e["defects"][0]["kind"] in ("repeated_rows", "narrative_mismatch")
    ]
    assert clean
    for e in clean:
        violations = check(read_gold_csv(out / e["truth_file"]), e["units"])
        assert not violations, f"{e['doc_id']}: " + "; ".join(map(str, violations[:5]))


def test_printed_sums_miss_printed_totals_by_rounding(corpus: tuple[Path, list[dict]]) -> None:
    """Like real reports, independently rounded parts do not always add up to their printed total."""
    out, manifest = corpus
    notes = []
    for e in manifest:
        if e["defects"]:
            continue
        strict = check(read_gold_csv(out / e["truth_file"]), e["units"], strict=True)
        notes += [v for v in strict if v.actual != v.expected]
    assert len(notes) >= 5
    assert all(abs(v.actual - v.expected) <= 500 for v in notes)


def test_labelled_defects_break_their_identities(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    out, manifest = corpus
    seen = set()
    for e in manifest:
        for d in e["defects"]:
            seen.add(d["kind"])
            cells = read_gold_csv(out / e["truth_file"])
            violations = check(cells, e["units"])
            names = {v.identity for v in violations}
            if d["kind"] == "leaf_typo":
                assert any(
                    v.identity == "hierarchy" and v.table_kind == d["table_kind"] for v in violations
                ), d
                assert any(v.key == d["subject_code"] for v in violations)
            elif d["kind"] == "cross_table_mismatch":
                assert any(n.startswith("cross_") for n in names), (d, names)
                assert not any(n in ("hierarchy", "row_sum", "total_classes") for n in names), names
            elif d["kind"] == "repeated_rows":
                assert not violations  # the repeats are not in the truth
                table_pages = e["table_pages"][d["table_kind"]]
                text = "\n".join(texts[e["doc_id"]][p - 1] for p in table_pages)
                assert text.count(f"\n{d['subject_code']} ") >= 2 or text.count(d["subject_code"]) >= 2
            elif d["kind"] == "narrative_mismatch":
                assert not violations
                wrong = re.search(r"states \S+ ([\d.]+) 万元", d["description"]).group(1)
                full = "".join("".join(texts[e["doc_id"]]).split())
                stated = [Decimal(x.replace(",", "")) for x in re.findall(r"([\d,]+\.?\d*)万元", full)]
                assert Decimal(wrong) in stated
            elif d["kind"] == "narrative_growth_rate":
                assert not violations  # a rate printed in the prose; the tables are untouched
    assert seen == set(DEFECT_KINDS)


def test_narrative_truth_restates_the_tables(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    out, manifest = corpus
    for e in manifest:
        full = "".join("".join(texts[e["doc_id"]]).split())
        truth = {(c.table_kind, c.subject_code or c.line_item, c.measure): c.amount_yuan for c in read_gold_csv(out / e["truth_file"])}  # fmt: skip
        with (out / e["narrative_file"]).open(encoding="utf-8") as fh:
            facts = list(csv.DictReader(fh))
        assert len(facts) > 20
        wrong = [d for d in e["defects"] if d["kind"] == "narrative_mismatch"]
        mismatched = 0
        for f in facts:
            assert f["text"] in full, f
            if not f["table_kind"] or f["kind"] != "amount" or f["change"]:
                continue
            key = (f["table_kind"], f["subject_code"] or f["line_item"], f["measure"])
            unit = e["units"][f["table_kind"]]
            table = _printed(truth.get(key, Decimal(0)), unit)
            table_wan = table if unit == "万元" else (table / WAN).quantize(Decimal("0.01"))
            if Decimal(f["value"]) != table_wan:
                mismatched += 1
                assert wrong and wrong[0]["table_kind"] == f["table_kind"], (e["doc_id"], f)
        assert mismatched == len(wrong), (e["doc_id"], mismatched, wrong)


def _rate(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_growth_statements_reproduce_except_the_labelled_wrong_base(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    """增加 X 万元，增长 Y%: X = 本年数 − 上年数 with 本年数 the table's cell, Y = X ÷ 上年数 to 0.01 — except the one
    narrative_growth_rate defect, printed as X ÷ 本年数 (the seed's wrong base) with the right rate beside it."""
    out, manifest = corpus
    growth_seen = 0
    for e in manifest:
        truth = {(c.table_kind, c.subject_code or c.line_item, c.measure): c.amount_yuan for c in read_gold_csv(out / e["truth_file"])}  # fmt: skip
        with (out / e["narrative_file"]).open(encoding="utf-8") as fh:
            changes = [f for f in csv.DictReader(fh) if f["change"]]
        assert changes, e["doc_id"]
        defects = [d for d in e["defects"] if d["kind"] == "narrative_growth_rate"]
        wrong = []
        for amount, rate in zip(changes[::2], changes[1::2], strict=True):
            assert (amount["kind"], rate["kind"]) == ("amount", "percent"), (amount, rate)
            key = (amount["table_kind"], amount["subject_code"] or amount["line_item"], amount["measure"])
            assert key == (rate["table_kind"], rate["subject_code"] or rate["line_item"], rate["measure"])
            unit = e["units"][key[0]]
            cur = _printed(truth.get(key, Decimal(0)), unit)
            cur = cur if unit == "万元" else (cur / WAN).quantize(Decimal("0.01"))
            prior, diff = Decimal(amount["prior"]), Decimal(amount["value"])
            assert abs(cur - prior) == diff and (cur > prior) == (amount["change"] == "increase"), (
                e["doc_id"],
                amount,
            )
            assert not amount["correct"]
            if rate["correct"]:
                wrong.append((key, rate))
                assert Decimal(rate["correct"]) == _rate(diff, prior)
                assert Decimal(rate["value"]) == _rate(diff, cur) != Decimal(rate["correct"])
            else:
                assert Decimal(rate["value"]) == _rate(diff, prior), (e["doc_id"], rate)
        assert len(wrong) == len(defects) <= 1, (e["doc_id"], wrong, defects)
        for d in defects:
            growth_seen += 1
            (key, rate) = wrong[0]
            assert key == (d["table_kind"], d["subject_code"] or d["line_item"], d["measure"])
            assert f"{rate['value']}%" in d["description"] and f"{rate['correct']}%" in d["description"]
            full = "".join("".join(texts[e["doc_id"]]).split())
            assert f"增长{rate['text']}" in full or f"下降{rate['text']}" in full
        # the growth defect breaks no table identity
        if defects:
            assert not check(read_gold_csv(out / e["truth_file"]), e["units"])
    assert growth_seen


def test_performance_annex_restates_totals_after_the_glossary(corpus, texts) -> None:  # type: ignore[no-untyped-def]
    out, manifest = corpus
    for e in manifest:
        pages = texts[e["doc_id"]]
        annex = [
            i
            for i, p in enumerate(pages)
            if "部门整体支出绩效自评报告" in p and "第五部分" in p and "目录" not in p
        ]
        glossary = [i for i, p in enumerate(pages) if "名词解释" in p and "目录" not in p]
        assert annex and glossary and annex[0] > glossary[-1], e["doc_id"]
        table_pages = {p for ps in e["table_pages"].values() for p in ps}
        assert annex[0] + 1 not in table_pages
        with (out / e["narrative_file"]).open(encoding="utf-8") as fh:
            facts = [f for f in csv.DictReader(fh) if f["section"] == "绩效自评"]
        assert {f["label"] for f in facts} == {"本年支出合计", "基本支出", "项目支出", "“三公”经费决算"}
        text = "".join(pages[annex[0]].split())
        assert all(f["text"] in text and f["table_kind"] and not f["change"] for f in facts)


def test_seed_rendered_from_gold(seed_dir: Path, tmp_path: Path) -> None:
    gold = seed_dir / "hetang-industrial-service-center-2020.gold.csv"
    repeats = seed_repeats_from_findings(seed_dir / "hetang-industrial-service-center-2020.findings.md")
    assert repeats == {"general_budget": ["201", "20103"]}
    pdf = tmp_path / "seed.pdf"
    spec = render_from_gold(gold, pdf, repeated=repeats)
    gold_cells = read_gold_csv(gold)
    truth = read_gold_csv(spec.truth_csv().splitlines())
    assert Counter(truth) == Counter(gold_cells)
    with pdfplumber.open(pdf) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "(cid:" not in text and "株洲市荷塘区产业服务中心" in text
    tokens = Counter(text.split())
    fmt = format_for("hunan2020")
    wanted = Counter(
        fmt((c.amount_yuan / WAN).quantize(Decimal("0.01")), kind=c.table_kind) for c in gold_cells
    )
    assert not {v: n for v, n in wanted.items() if tokens[v] < n}
    assert tokens["268.47"] >= 4  # 201 printed in 01/02/03/04/05 and once more as a repeated tail row
    assert "行次" in text and "栏次" in text and "故本表无数据" in text


def test_sample_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli_main(
        ["sample", "--out", str(tmp_path / "s"), "--regions", "1", "--departments", "1", "--years", "2024"]
    )
    assert rc == 0
    said = capsys.readouterr().out
    assert "1 reports" in said and str(tmp_path / "s") in said and "pages" in said
    assert (tmp_path / "s" / "manifest.csv").exists()
    assert cli_main(["sample", "--out", str(tmp_path / "t"), "--templates", "nope"]) == 1


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from juesuan.factory import FactoryError, render

    monkeypatch.setattr(render, "_registered", False)
    monkeypatch.setenv("JUESUAN_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    with pytest.raises(FactoryError, match="fonts-wqy-zenhei"):
        generate_corpus(tmp_path / "x", regions=1, departments_per_region=1, years=(2024,))


@pytest.mark.slow
def test_default_corpus(tmp_path: Path) -> None:
    """`make run`'s corpus: 3 regions x 10 departments x 2 years, every template and defect, clean truth exact."""
    entries = generate_corpus(tmp_path)
    assert len(entries) == 60 and len({e.department for e in entries}) == 30
    assert {e.template for e in entries} == set(TEMPLATES)
    assert {d["kind"] for e in entries for d in e.defects} == set(DEFECT_KINDS)
    assert any(len(p) > 1 for e in entries for p in e.table_pages.values())
    for e in entries:
        kinds = {d["kind"] for d in e.defects}
        violations = check(read_gold_csv(tmp_path / e.truth_file), e.units)
        if kinds & {"leaf_typo", "cross_table_mismatch"}:
            assert violations, e.doc_id
        else:
            assert not violations, f"{e.doc_id}: " + "; ".join(map(str, violations[:5]))
