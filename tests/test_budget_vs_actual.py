"""mart.budget_vs_actual exact on a factory corpus holding a final account and a budget for the same departments
and years, the budgets in the plain styles and in the real budgets' layouts (a block per unit under the
department's row, with its own block, under a 合计 only; crossed and annotated economic codes; 西安's tables by
unit code). The truth is each budget's `department_plan` (from the factory's spec, never the parser) against the
final account's truth file."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from expectations.engine import check_report
from juesuan.budgets.factory import REAL_LAYOUT_PAIRS, STYLES, generate_pairs
from juesuan.factory.tables import THREE_PUBLIC_ITEMS
from juesuan.model import read_gold_csv
from juesuan.parsing import parse_report

#: Parses 14 factory documents and publishes a warehouse once for the module: about 14 s at nice 15.
pytestmark = pytest.mark.slow

Key = tuple[str, str, str, str, str]  # department, table kind, subject code, line item, measure
#: The 三公 items both documents print a column for (blank is 0); others (会议费, 培训费) only where printed.
THREE_PUBLIC_COLUMNS = frozenset(THREE_PUBLIC_ITEMS)
#: The final account's compared columns (the 基本支出 table's 合计 is `amount`).
COMPARED = {(k, m) for k in ("expenditure", "general_budget") for m in ("total", "basic", "project")} | {
    ("basic_expenditure", "amount")
}
#: The blocks under a 合计 only, in 万元 as well (REAL_LAYOUT_PAIRS prints them in 元, exact): the units' figures,
#: each rounded to 0.01 万元 on its own, add up a few cents off the 合计 (深圳's are 0.03 万元 off).
ROUNDED_TOTAL_BLOCKS = ("beijing_word2010", ("unit_blocks_total",))
VARIANTS = (*((style, ()) for style in STYLES), *REAL_LAYOUT_PAIRS, ROUNDED_TOTAL_BLOCKS)


@pytest.fixture(scope="module")
def bva(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import duckdb

    from warehouse.store import Warehouse

    out = tmp_path_factory.mktemp("bva_pairs")
    pairs = generate_pairs(out, departments=len(VARIANTS), years=(2024,), variants=VARIANTS)
    with Warehouse(out / "wh") as wh:
        for fin, bud in pairs:
            for name in (fin["file"], bud["file"]):
                report = parse_report(out / name)
                wh.load_document(
                    report,
                    check_report(report, runner="duckdb"),
                    source=name,
                    raw_sha256=report.source.sha256,
                )
        published = wh.publish().path
    con = duckdb.connect(str(published), read_only=True)
    yield out, pairs, con
    con.close()


def _actual_cells(truth_file: Path) -> dict[tuple[str, str, str, str], Decimal]:
    """The final account's compared cells, keyed and named as the mart does."""
    out = {}
    for c in read_gold_csv(truth_file):
        kind, m = c.table_kind, c.measure
        coded_or_total = bool(c.subject_code) or c.line_item == "total"
        if kind == "three_public" and m.startswith("actual."):
            m = m.removeprefix("actual.")
        elif not coded_or_total or (kind, m) not in COMPARED:
            continue
        out[(kind, c.subject_code, "" if c.subject_code else c.line_item, m)] = c.amount_yuan
    # the 基本支出 table of a final account prints 人员经费合计 and 公用经费合计 (often no 合计): their sum is its 合计
    halves = [
        c.amount_yuan
        for c in read_gold_csv(truth_file)
        if c.table_kind == "basic_expenditure" and c.line_item in ("personnel_total", "public_total")
    ]
    if len(halves) == 2:
        out.setdefault(("basic_expenditure", "", "total", "amount"), sum(halves, Decimal(0)))
    return out


def _plan_cells(plan_file: Path) -> dict[tuple[str, str, str, str], Decimal]:
    return {
        (c.table_kind, c.subject_code, c.line_item, c.measure): c.amount_yuan
        for c in read_gold_csv(plan_file)
    }


def _absent(cells: dict, tables: set[str], key: tuple[str, str, str, str]) -> Decimal | None:
    """What a document that does not print `key` says there: 0 where it has a column for it (it prints the
    measure in that table, by code for a coded row, in a 合计 row for the 合计; the six 三公 items always), else
    None."""
    kind, code, _, measure = key
    if kind not in tables:
        return None
    if code:  # a coded row: only where the document prints that table's measure by code
        return Decimal(0) if any(k[0] == kind and k[1] and k[3] == measure for k in cells) else None
    printed = any(k[0] == kind and k[3] == measure for k in cells)  # it has a column for the measure
    if kind == "three_public":
        return Decimal(0) if measure in THREE_PUBLIC_COLUMNS or printed else None
    has_total = any(k[0] == kind and k[2] == "total" for k in cells)  # it prints a 合计
    return Decimal(0) if printed and has_total else None


def _expected(out: Path, pairs: list) -> dict[Key, tuple]:
    expected: dict[Key, tuple] = {}
    for fin, bud in pairs:
        dept = fin["department"]
        a, b = _actual_cells(out / fin["truth_file"]), _plan_cells(out / bud["plan_file"])
        a_tables = {c.table_kind for c in read_gold_csv(out / fin["truth_file"])}
        b_tables = {c.table_kind for c in read_gold_csv(out / bud["truth_file"])}
        for key in set(a) | set(b):
            bv = b[key] if key in b else _absent(b, b_tables, key)
            av = a[key] if key in a else _absent(a, a_tables, key)
            diff = av - bv if av is not None and bv is not None else None
            rate = (av * 100 / bv).quantize(Decimal("0.01"), ROUND_HALF_UP) if bv and av is not None else None
            expected[(dept, *key)] = (bv, av, diff, rate)
    return expected


def test_budget_vs_actual_is_exact(bva) -> None:  # type: ignore[no-untyped-def]
    """Every row of mart.budget_vs_actual (budget_source budget) equals the truth to the cent, none missing or
    extra, whatever layout the budget prints; the README's query runs on it."""
    out, pairs, con = bva
    docs = con.execute(
        "SELECT report_kind, status, count(*) FROM mart.documents_by_kind GROUP BY ALL"
    ).fetchall()
    assert sorted(docs) == [("budget", "published", len(pairs)), ("final_account", "published", len(pairs))]
    rows = con.execute(
        """SELECT department, table_kind, coalesce(subject_code, ''), coalesce(line_item, ''), measure,
                  budget_yuan, actual_yuan, difference_yuan, execution_rate_pct
           FROM mart.budget_vs_actual WHERE budget_source = 'budget'"""
    ).fetchall()
    got = {r[:5]: r[5:] for r in rows}
    assert len(got) == len(rows), "one row per department, table, code, line item and measure"
    expected = _expected(out, pairs)
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    assert not missing and not extra, (sorted(missing)[:5], sorted(extra)[:5])
    mismatched = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert not mismatched, (len(mismatched), sorted(mismatched.items())[:5])
    for r in rows:  # DECIMAL throughout, never float
        assert all(v is None or isinstance(v, Decimal) for v in r[5:]), r
    by_dept = {fin["department"]: bud for fin, bud in pairs}
    for dept, bud in by_dept.items():  # every department has its plan by function code in both tables
        for kind in ("expenditure", "general_budget"):
            plan = [k for k in _plan_cells(out / bud["plan_file"]) if k[0] == kind and k[1]]
            coded = [k for k in got if k[0] == dept and k[1] == kind and k[2] and got[k][0] is not None]
            assert len(coded) >= len(plan) > 0 or (not plan and bud["variant"] == "xian_word2010"), (
                dept,
                kind,
            )
    print(f"\n{len(rows)} rows, {len(pairs)} department-years, every one equal to the truth")
    # the README's query runs as written on it
    root = Path(__file__).resolve().parent.parent
    query = (root / "docs" / "queries" / "budgets" / "budget_vs_actual_by_function.sql").read_text(
        encoding="utf-8"
    )
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert query.strip() in readme.split("## Budgets", 1)[1]
    shown = con.execute(query).fetchall()
    assert {r[0] for r in shown} == set(by_dept), (
        "every department of the corpus, whatever its budget's layout"
    )
    # the 年初预算数 a final account prints itself (三公) sits beside its actual
    printed = con.execute(
        """SELECT count(*) FROM mart.budget_vs_actual
           WHERE budget_source = 'final_account' AND budget_yuan IS NOT NULL AND actual_yuan IS NOT NULL"""
    ).fetchone()[0]
    assert printed == sum(
        c.table_kind == "three_public" and c.measure.startswith("budget.")
        for fin, _ in pairs
        for c in read_gold_csv(out / fin["truth_file"])
    )


def test_budget_basis_says_how_each_figure_was_read(bva) -> None:  # type: ignore[no-untyped-def]
    """Each layout family is read the way it must be: its own block, a sum over the units' blocks, the pairs of
    economic codes summed, the 三公 fund sources summed; a printed cell keeps its key for the source link."""
    con = bva[2]
    basis = dict(
        con.execute(
            """SELECT budget_basis, count(*) FROM mart.budget_vs_actual
               WHERE budget_source = 'budget' AND budget_yuan IS NOT NULL GROUP BY ALL"""
        ).fetchall()
    )
    assert {
        "printed",
        "department_block",
        "department_row",
        "sum_of_unit_blocks",
        "sum_of_economic_pairs",
        "sum_of_columns",
    } <= set(basis), basis
    keyed = con.execute(
        """SELECT count(*) FROM mart.budget_vs_actual
           WHERE budget_basis = 'department_block' AND budget_line_item NOT LIKE 'unit:%'"""
    ).fetchone()[0]
    assert keyed == 0


def test_a_budget_printed_only_per_unit_gives_the_department_plan_by_code(bva) -> None:  # type: ignore[no-untyped-def]
    """深圳's layout: the department's row, then a block per unit and no department block. Every function code
    of the department's plan is in the mart, summed over the units' blocks, equal to the plan."""
    out, pairs, con = bva
    fin, bud = next((f, b) for f, b in pairs if b["layouts"] == ["unit_blocks"])
    plan = {k: v for k, v in _plan_cells(out / bud["plan_file"]).items() if k[0] == "general_budget" and k[1]}
    rows = con.execute(
        """SELECT subject_code, measure, budget_yuan, budget_basis FROM mart.budget_vs_actual
           WHERE budget_source = 'budget' AND table_kind = 'general_budget' AND subject_code IS NOT NULL
             AND department = ?""",
        [fin["department"]],
    ).fetchall()
    got = {(c, m): v for c, m, v, _ in rows if (c, m) in {(k[1], k[3]) for k in plan}}
    assert got == {(k[1], k[3]): v for k, v in plan.items()}
    assert {b for *_, b in rows if b} <= {"sum_of_unit_blocks", "unit_block"}
    assert any(b == "sum_of_unit_blocks" for *_, b in rows)
    total = con.execute(
        """SELECT budget_yuan, budget_basis FROM mart.budget_vs_actual
           WHERE budget_source = 'budget' AND table_kind = 'general_budget' AND line_item = 'total'
             AND measure = 'total' AND department = ?""",
        [fin["department"]],
    ).fetchone()
    assert total[1] == "department_row"
    # the classes summed over the units' blocks: each unit's figure rounded to 0.01 万元 on its own, so within
    # half a printed unit per summed cell of the department's row, as 深圳's are (not always equal to it)
    (cells,) = con.execute(
        """SELECT sum(printed_cells) FROM mart.budget_plan
           WHERE table_kind = 'general_budget' AND measure = 'total' AND subject_level = '类' AND department = ?""",
        [fin["department"]],
    ).fetchone()
    classes = sum(v for k, v in plan.items() if len(k[1]) == 3 and k[3] == "total")
    assert abs(total[0] - classes) <= (cells + 1) * 50, (total[0], classes, cells)


def test_unit_blocks_not_shown_to_partition_the_department_give_no_plan_by_code(tmp_path: Path) -> None:
    """The sum over the units' blocks is the department's only where the blocks partition it: a budget whose
    合计 is not the sum of its units (here: one unit's block left out of the 一般公共预算支出表) gets no figure by
    code in that table (NULL, not a partial sum), while its other tables and its 合计 still compare."""
    import duckdb

    from warehouse.store import Warehouse

    pairs = generate_pairs(
        tmp_path, departments=1, years=(2024,), variants=(("excel", ("unit_blocks_total",)),)
    )
    ((fin, bud),) = pairs
    reports = {name: parse_report(tmp_path / name) for name in (fin["file"], bud["file"])}
    budget = reports[bud["file"]]
    results = {name: check_report(r, runner="duckdb") for name, r in reports.items()}  # of the whole budget
    table = budget.tables["general_budget"]
    last = [r.line_item for r in table.rows if (r.line_item or "").startswith("unit:")][-1]
    table.rows = [r for r in table.rows if r.line_item != last]
    with Warehouse(tmp_path / "wh") as wh:
        for name, report in reports.items():
            wh.load_document(report, results[name], source=name, raw_sha256=report.source.sha256)
        published = wh.publish().path
    con = duckdb.connect(str(published), read_only=True)
    got = con.execute(
        """SELECT table_kind, subject_code IS NOT NULL, count(*), count(budget_yuan), count(actual_yuan),
                  list(DISTINCT budget_basis ORDER BY budget_basis) FILTER (WHERE budget_basis IS NOT NULL)
           FROM mart.budget_vs_actual WHERE budget_source = 'budget' AND table_kind <> 'three_public'
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    shape = {(k, coded): (n, nb, na, bases) for k, coded, n, nb, na, bases in got}
    n, nb, na, _ = shape[("general_budget", True)]
    assert nb == 0 and na == n > 0, "no figure by code where the blocks do not add up to the 合计"
    assert shape[("general_budget", False)][1:3] == (3, 3), "the 合计 (total, basic, project) still compares"
    n, nb, _, bases = shape[("expenditure", True)]
    assert nb == n and set(bases) <= {"sum_of_unit_blocks", "unit_block"}, shape


def _blocked_figures(truth_file: Path, department: str) -> tuple[dict, dict, dict]:
    """A budget's per-unit tables as printed: the department's figures (its 合计 or own row, its own block's
    codes), the sums of the units' figures and how many units each sums, keyed (table, code, measure), in yuan."""
    own: dict[tuple[str, str, str], Decimal] = {}
    units: dict[tuple[str, str, str], Decimal] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for c in read_gold_csv(truth_file):
        if c.table_kind not in ("expenditure", "general_budget") or c.measure not in (
            "total",
            "basic",
            "project",
        ):
            continue
        key = (c.table_kind, c.subject_code, c.measure)
        if c.line_item in ("total", f"unit:{department}"):
            own[key] = c.amount_yuan
        elif c.line_item.startswith("unit:"):
            units[key] = units.get(key, Decimal(0)) + c.amount_yuan
            counts[key] = counts.get(key, 0) + 1
    return own, units, counts


def test_rounded_unit_blocks_plan_is_the_department_figure_where_printed(bva) -> None:  # type: ignore[no-untyped-def]
    """The per-unit layouts in 万元 round each unit's figure on its own, so the department's printed figures are
    a few cents off the sum of its units' (as 深圳's are), within half a printed unit per figure: the plan is the
    department's printed figure wherever it is printed (its own block, its row, the 合计), never the sum of the
    units; where the department prints no block, the plan by code is the sum of the units' figures. Each layout
    family in 万元 really carries such a gap, or this test says so."""
    out, pairs, con = bva
    families = {"unit_blocks": 0, "unit_blocks_department_block": 0, "unit_blocks_total": 0}
    for fin, bud in pairs:
        layouts = [x for x in bud["layouts"] if x in families]
        if not layouts or bud["units"]["general_budget"] != "万元":
            continue
        dept = fin["department"]
        own, units, counts = _blocked_figures(out / bud["truth_file"], dept)
        gaps = {k: v - units.get(k, Decimal(0)) for k, v in own.items() if v != units.get(k, Decimal(0))}
        families[layouts[0]] += len(gaps)
        # a rounding gap, never a real difference: half a printed 0.01 万元 per figure, the department's and each unit's
        assert all(abs(g) <= 50 * (counts.get(k, 0) + 1) for k, g in gaps.items()), gaps
        plan = {
            (k, c or "", m): (v, basis)
            for k, c, m, v, basis in con.execute(
                """SELECT table_kind, subject_code, measure, budget_yuan, budget_basis FROM mart.budget_vs_actual
                   WHERE budget_source = 'budget' AND department = ? AND budget_yuan IS NOT NULL
                     AND table_kind IN ('expenditure', 'general_budget')""",
                [dept],
            ).fetchall()
        }
        for (
            key,
            value,
        ) in own.items():  # the department's printed figure, where the units add up otherwise too
            assert plan[key][0] == value, (dept, key, plan[key], value, units.get(key))
        for key, value in units.items():  # no department block: the units' sum
            if key[1] and key not in own:
                assert plan[key][0] == value and plan[key][1] in ("sum_of_unit_blocks", "unit_block"), (
                    key,
                    plan[key],
                )
    print(f"\ndepartment figures a few cents off the sum of their units, by layout: {families}")
    assert all(families.values()), families


def test_unit_blocks_partition_the_department_only_within_their_rounding(tmp_path: Path) -> None:
    """The units' blocks are taken as the department's plan by code only where their rows add up to the 合计
    within the rounding of the printed figures: half a printed 0.01 万元 per unit row and for the 合计. A 合计
    as far from the units' sum as that rounding can put it keeps the plan by code (the units' sum); 0.01 万元
    farther, no rounding explains it, and the plan by code is NULL (the 合计 itself still compares)."""
    import duckdb

    from warehouse.store import Warehouse

    ((fin, bud),) = generate_pairs(tmp_path, departments=1, years=(2024,), variants=(ROUNDED_TOTAL_BLOCKS,))
    reports = {name: parse_report(tmp_path / name) for name in (fin["file"], bud["file"])}
    results = {name: check_report(r, runner="duckdb") for name, r in reports.items()}  # before the edit below
    table = reports[bud["file"]].tables["general_budget"]
    assert table.unit == "万元"
    units = [r for r in table.rows if not r.subject_code and (r.line_item or "").startswith("unit:")]
    all_units = sum((r.cell("total").amount_yuan for r in units), Decimal(0))  # type: ignore[union-attr]
    envelope = (len(units) + 1) * 50  # yuan
    total = next(r for r in table.rows if r.line_item == "total").cell("total")
    assert total is not None and abs(total.amount_yuan - all_units) <= envelope
    widest = all_units + envelope // 100 * 100  # the farthest printable 合计 the units' rounding explains
    got = {}
    for case, amount in (("within", widest), ("beyond", widest + 100)):
        total.amount_yuan, total.value = amount, amount / 10000
        total.text = f"{total.value:,.2f}"
        with Warehouse(tmp_path / f"wh-{case}") as wh:
            for name, report in reports.items():
                wh.load_document(report, results[name], source=name, raw_sha256=report.source.sha256)
            published = wh.publish().path
        con = duckdb.connect(str(published), read_only=True)
        got[case] = con.execute(
            """SELECT count(*) FILTER (WHERE subject_code IS NOT NULL),
                      count(budget_yuan) FILTER (WHERE subject_code IS NOT NULL),
                      max(budget_yuan) FILTER (WHERE line_item = 'total' AND measure = 'total')
               FROM mart.budget_vs_actual WHERE budget_source = 'budget' AND table_kind = 'general_budget'"""
        ).fetchone()
        con.close()
    print(
        f"\n{len(units)} units, 合计 {widest - all_units} / {widest + 100 - all_units} yuan off their sum: {got}"
    )
    n, nb, plan_total = got["within"]
    assert nb == n > 0 and plan_total == widest, got
    n, nb, plan_total = got["beyond"]
    assert nb == 0 and n > 0 and plan_total == widest + 100, got
