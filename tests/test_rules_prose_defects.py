"""Factory reports with a defect of each wording class (PROSE_DEFECT_KINDS): each is found by the rule that names it
at its location and nowhere else, warning only (never blocking), and the clean reports of the same corpus raise no
such finding.

The corpus is 30 reports (about 30 s of CPU; 75-120 s wall on 2 shared cores, more under load): every one of the 25 kinds (24 defects and one clean
variant, zero_base_stated) needs a report of its own, and the five clean reports beside them are the false-alarm
check of the same rules. Some kinds need a report that has what they change (a fund table with rows, an item list),
so the seed is one under which every kind lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expectations import blocking, check_report

pytestmark = pytest.mark.slow

#: findings a defect brings with it besides its own (a 0 or tiny 年初预算 also breaks the items' budget sum)
CONSEQUENCES = {
    "completion_zero_budget": {"narrative_list_sums"},
    "implausible_rate": {"narrative_list_sums"},
    "amount_on_empty_fund": {"narrative_amounts"},  # the amount is also compared with the blank table's 0
    "three_public_part_off": {"narrative_amounts", "narrative_percentages"},  # and with the 三公 table
}


@pytest.fixture(scope="module")
def prose_corpus(tmp_path_factory: pytest.TempPathFactory):
    from juesuan.factory import PROSE_DEFECT_KINDS, generate_corpus
    from juesuan.parsing import parse_report

    out: Path = tmp_path_factory.mktemp("prose_defects")
    generate_corpus(
        out,
        seed=1,
        regions=5,
        departments_per_region=6,
        years=(2024,),
        defect_rate=0.84,
        defect_kinds=PROSE_DEFECT_KINDS,
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [(e, check_report(parse_report(out / e["file"]), runner="duckdb")) for e in manifest]


def test_every_wording_defect_is_found_where_injected(prose_corpus):
    from juesuan.factory import PROSE_DEFECT_KINDS

    seen = set()
    for entry, results in prose_corpus:
        name = f"{entry['doc_id']} ({entry['template']})"
        assert not [
            r for r in results if r.outcome in ("execution_error", "parse_error", "insufficient_data")
        ], name
        assert not blocking(results), name
        fails = {(r.rule_id, r.table_kind, r.line_item or "") for r in results if r.outcome == "fail"}
        allowed = {"naming_consistency"}
        for d in entry["defects"]:
            seen.add(d["kind"])
            if not d["measure"]:
                continue  # a clean case (zero_base_stated): nothing may be reported, the last assertion checks
            assert (d["measure"], d["table_kind"], d["line_item"]) in fails, (name, d, fails)
            # and nowhere else: the rule's other findings in this report are at the same place (a fund table's
            # broken 项 also breaks its 款, 类 and 合计 rows)
            elsewhere = {
                (r.table_kind, r.line_item, r.subject_code)
                for r in results
                if r.outcome == "fail" and r.rule_id == d["measure"]
                if not (r.table_kind == d["table_kind"] and (r.line_item or "") == d["line_item"])
                if not (d["subject_code"] and d["subject_code"].startswith(r.subject_code or "-"))
            }
            assert not elsewhere or d["kind"] in CONSEQUENCES, (name, d, elsewhere)
            assert all(r.severity == "warning" for r in results if r.rule_id == d["measure"]), name
            allowed |= {d["measure"]} | CONSEQUENCES.get(d["kind"], set())
        assert {f[0] for f in fails} <= allowed, (name, fails)
    assert seen == set(PROSE_DEFECT_KINDS)
