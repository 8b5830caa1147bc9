-- mart.budget_vs_actual, restated (as 009 restated mart.documents): the budget side is the department's own
-- figure for each code, whatever layout the budget prints it in.
--
-- 007 paired the budget's cells with the final account's by (table, code, line item, measure). Real budgets key
-- their rows otherwise, and then the plan by code was missing or wrong:
--
-- 1. Per-unit blocks (深圳 prints 支出总表 and 一般公共预算支出表 as a block per budget unit: the unit's row, then its
--    codes, the same codes again in the next unit's block; the parser keys each block's coded rows `unit:<name>`).
--    The department's figure for a code is its own block where one is printed, otherwise the sum over the units'
--    blocks, but only where the blocks are shown to partition the department (see `block_plan` below). The
--    department's 合计 is the table's 合计 row, or, where none is printed, the department's own row.
-- 2. Two economic classifications (烟台 crosses 部门经济分类 × 政府经济分类, a row per pair of codes; 西安 prints the
--    政府经济分类 款 beside each 款): the rows keyed `gov_economic:<code>` are summed per 部门经济分类 code. The
--    政府经济分类 code is an annotation of the same amount, never a second figure.
-- 3. A table a budget prints without codes (西安's 支出总表 by fund source, a row per unit) sets its 合计 against
--    the final account, and no code: the budget is NULL there, not 0.
-- 4. The 三公 table printed per unit (深圳: a block of rows per unit and a column per item × fund source; 西安: a
--    row per unit with 会议费 and 培训费): the department's row (the one without a unit key), the fund sources
--    summed; 会议费 / 培训费 are compared only where the final account prints them.
-- 5. A column printed only in parts (西安's 一般公共预算支出表 prints 基本支出 as 人员经费 and 公用经费, no 基本支出
--    column): the parts summed, where the whole is not printed on that row.
--
-- The budget side is its own view, mart.budget_plan (the department's plan by code from every current budget,
-- with or without a final account beside it); how each figure was read is a column (budget_basis), so an analyst
-- can tell a printed cell from a sum, and the dashboard links a printed cell to its box.

CREATE VIEW mart.budget_plan AS
WITH printed_cells AS (  -- the compared cells of current budgets, measures named as the final account's
    SELECT
        d.department_id,
        d.year,
        f.document_sha256,
        f.table_kind,
        f.row_no,
        f.scheme,
        f.subject_code,
        f.line_item,
        f.amount_yuan,
        f.row_label,
        -- half the printed unit: how far a figure printed in 万元 (2 decimals) may be from its yuan
        CASE f.unit WHEN '万元' THEN 50 ELSE 0.005 END::DECIMAL(20, 3) AS half_unit,
        CASE
            WHEN f.table_kind = 'basic_expenditure' THEN 'amount'
            WHEN f.table_kind = 'three_public' THEN regexp_extract(f.measure, '^budget\.([a-z_]+)', 1)
            WHEN f.measure IN ('basic.personnel', 'basic.public') THEN 'basic'
            ELSE f.measure
        END AS measure,
        -- a part of a column: 西安 prints 基本支出 as 人员经费 and 公用经费 only; 深圳 / 广州 each 三公 item per fund
        (
            f.measure IN ('basic.personnel', 'basic.public')
            OR regexp_matches(f.measure, '^budget\.[a-z_]+\.(general_budget|gov_fund|state_capital)$')
        ) AS is_part
    FROM core.facts AS f
    INNER JOIN core.current_published_budgets AS d USING (document_sha256)
    WHERE
        (
            f.table_kind IN ('expenditure', 'general_budget')
            AND f.measure IN ('total', 'basic', 'project', 'basic.personnel', 'basic.public')
        )
        OR (f.table_kind = 'basic_expenditure' AND f.measure IN ('total', 'amount'))
        OR (
            f.table_kind = 'three_public'
            AND regexp_matches(f.measure, '^budget\.[a-z_]+(\.(general_budget|gov_fund|state_capital))?$')
        )
),

budget_cells AS (  -- one figure per row and measure: the column as printed, else the sum of its parts
    SELECT
        department_id,
        year,
        document_sha256,
        table_kind,
        row_no,
        scheme,
        subject_code,
        line_item,
        row_label,
        half_unit,
        measure,
        coalesce(sum(amount_yuan) FILTER (WHERE NOT is_part), sum(amount_yuan)) AS amount_yuan,
        coalesce(nullif(count(*) FILTER (WHERE NOT is_part), 0), count(*)) AS n_cells,
        bool_and(is_part) AS summed_parts
    FROM printed_cells
    GROUP BY ALL
),

unit_rows AS (  -- a unit's own row (or a group of units'), on the table's main measure
    SELECT
        document_sha256,
        table_kind,
        row_no,
        line_item,
        amount_yuan,
        half_unit
    FROM budget_cells
    WHERE
        table_kind <> 'three_public' AND subject_code IS NULL AND measure IN ('total', 'amount')
        AND (line_item LIKE 'unit:%' OR line_item LIKE 'unit_group:%')
),

unit_totals AS (
    SELECT
        document_sha256,
        table_kind,
        sum(amount_yuan) AS all_units,
        count(*) AS n_units,
        sum(half_unit) AS rounding  -- the most the printed unit rows' rounding can add up to
    FROM unit_rows
    GROUP BY document_sha256, table_kind
),

table_totals AS (  -- the table's printed 合计, on its main measure
    SELECT
        document_sha256,
        table_kind,
        amount_yuan AS total_yuan,
        half_unit
    FROM budget_cells
    WHERE table_kind <> 'three_public' AND line_item = 'total' AND measure IN ('total', 'amount')
),

department_rows AS (
    -- the department's own row among the unit rows: the only one, or the one equal to the sum of all the others
    -- (深圳 prints the department's row above its units' blocks; 西安 a group row above its units), within the
    -- rounding of the printed figures (深圳's 万元: the department's row is 0.03 万元 off the sum of 21 units);
    -- the first printed where two qualify (two rows, the department and its one unit, equal); and where the table
    -- prints a 合计, one equal to it (a lone unit row under a 合计 it does not make up is a unit, not the department)
    SELECT
        u.document_sha256,
        u.table_kind,
        arg_min(u.line_item, u.row_no) AS department_line
    FROM unit_rows AS u
    INNER JOIN unit_totals AS t USING (document_sha256, table_kind)
    LEFT JOIN table_totals AS tt USING (document_sha256, table_kind)
    WHERE
        (t.n_units = 1 OR abs(u.amount_yuan * 2 - t.all_units) <= t.rounding)
        AND (tt.total_yuan IS NULL OR abs(u.amount_yuan - tt.total_yuan) <= u.half_unit + tt.half_unit)
    GROUP BY u.document_sha256, u.table_kind
),

blocked_tables AS (  -- tables whose coded rows are keyed by a unit's block
    SELECT DISTINCT
        document_sha256,
        table_kind
    FROM budget_cells
    WHERE subject_code IS NOT NULL AND (line_item LIKE 'unit:%' OR line_item LIKE 'unit_group:%')
),

total_partitions AS (  -- the printed 合计 equals the sum of the unit rows, within their rounding
    SELECT
        tt.document_sha256,
        tt.table_kind,
        abs(tt.total_yuan - ut.all_units) <= ut.rounding + tt.half_unit AS partitions
    FROM table_totals AS tt
    INNER JOIN unit_totals AS ut USING (document_sha256, table_kind)
),

block_plan AS (
    -- how a blocked table gives the department's figure by code, decided from its own figures, in this order:
    -- sum_of_unit_blocks when the printed 合计 equals the sum of the unit rows (the blocks partition it);
    --   "equals" here and above: within the rounding of the printed figures (half a printed unit each);
    -- department_block when the department's row is identified (above) and its block prints codes;
    -- sum_of_unit_blocks when the department's row is identified and prints no codes: it equals the sum of the
    --   other unit rows, so their blocks partition it;
    -- otherwise (blocks not shown to partition the department) no figure by code: NULL.
    SELECT
        b.document_sha256,
        b.table_kind,
        CASE WHEN NOT coalesce(tp.partitions, FALSE) THEN dr.department_line END AS department_line,
        CASE
            WHEN tp.partitions THEN 'sum_of_unit_blocks'
            WHEN
                dr.department_line IS NOT NULL
                AND EXISTS (
                    SELECT 1 FROM budget_cells AS c
                    WHERE
                        c.document_sha256 = b.document_sha256 AND c.table_kind = b.table_kind
                        AND c.subject_code IS NOT NULL AND c.line_item = dr.department_line
                )
                THEN 'department_block'
            WHEN dr.department_line IS NOT NULL THEN 'sum_of_unit_blocks'
        END AS shape
    FROM blocked_tables AS b
    LEFT JOIN department_rows AS dr USING (document_sha256, table_kind)
    LEFT JOIN total_partitions AS tp USING (document_sha256, table_kind)
),

coded_plan AS (  -- the department's figure per code and measure
    SELECT
        c.department_id,
        c.year,
        c.document_sha256,
        c.table_kind,
        c.scheme,
        c.subject_code,
        NULL::VARCHAR AS line_item,
        c.measure,
        -- a code printed unkeyed is the figure; otherwise the sum of its keyed rows (blocks or 政府经济分类 pairs)
        coalesce(
            sum(c.amount_yuan) FILTER (WHERE c.line_item IS NULL), sum(c.amount_yuan)
        ) AS amount_yuan,
        arg_min(c.row_label, c.row_no) AS row_label,
        CASE
            WHEN count(*) FILTER (WHERE c.line_item IS NULL) > 0 AND bool_or(c.summed_parts) THEN 'sum_of_columns'
            WHEN count(*) FILTER (WHERE c.line_item IS NULL) > 0 THEN 'printed'
            WHEN any_value(bp.shape) = 'department_block' THEN 'department_block'
            WHEN any_value(bp.shape) = 'sum_of_unit_blocks' AND count(*) = 1 THEN 'unit_block'
            WHEN any_value(bp.shape) = 'sum_of_unit_blocks' THEN 'sum_of_unit_blocks'
            WHEN count(*) > 1 THEN 'sum_of_economic_pairs'
            WHEN bool_or(c.summed_parts) THEN 'sum_of_columns'
            ELSE 'printed'
        END AS budget_basis,
        CASE WHEN count(*) = 1 THEN any_value(c.line_item) END AS budget_line_item,
        coalesce(sum(c.n_cells) FILTER (WHERE c.line_item IS NULL), sum(c.n_cells)) AS printed_cells
    FROM budget_cells AS c
    LEFT JOIN block_plan AS bp USING (document_sha256, table_kind)
    WHERE
        c.table_kind <> 'three_public' AND c.subject_code IS NOT NULL
        AND (
            c.line_item IS NULL
            OR c.line_item LIKE 'gov_economic:%'
            OR (bp.shape = 'department_block' AND c.line_item = bp.department_line)
            OR (
                bp.shape = 'sum_of_unit_blocks' AND c.line_item LIKE 'unit:%'
                AND c.line_item IS DISTINCT FROM bp.department_line
            )
        )
    GROUP BY ALL
),

total_plan AS (  -- the department's 合计: the printed 合计 row, else the department's own row
    SELECT
        c.department_id,
        c.year,
        c.document_sha256,
        c.table_kind,
        NULL::VARCHAR AS scheme,
        NULL::VARCHAR AS subject_code,
        'total' AS line_item,
        c.measure,
        c.amount_yuan,
        c.row_label,
        CASE
            WHEN c.summed_parts THEN 'sum_of_columns'
            WHEN c.line_item = 'total' THEN 'printed'
            ELSE 'department_row'
        END AS budget_basis,
        c.line_item AS budget_line_item,
        c.n_cells AS printed_cells
    FROM budget_cells AS c
    LEFT JOIN department_rows AS dr USING (document_sha256, table_kind)
    WHERE
        c.table_kind <> 'three_public' AND c.subject_code IS NULL
        AND (
            c.line_item = 'total'
            OR (
                c.line_item = dr.department_line
                AND NOT EXISTS (
                    SELECT 1 FROM table_totals AS tt
                    WHERE tt.document_sha256 = c.document_sha256 AND tt.table_kind = c.table_kind
                )
            )
        )
),

three_public_plan AS (  -- the department's 三公 row (no unit key)
    SELECT
        department_id,
        year,
        document_sha256,
        table_kind,
        NULL::VARCHAR AS scheme,
        NULL::VARCHAR AS subject_code,
        NULL::VARCHAR AS line_item,
        measure,
        amount_yuan,
        row_label,
        CASE WHEN summed_parts THEN 'sum_of_columns' ELSE 'printed' END AS budget_basis,
        NULL::VARCHAR AS budget_line_item,
        n_cells AS printed_cells
    FROM budget_cells
    WHERE table_kind = 'three_public' AND line_item IS NULL
)

SELECT
    p.year,
    r.province,
    r.city,
    r.county,
    dep.display_name AS department,
    p.department_id,
    p.table_kind,
    p.scheme,
    p.subject_code,
    s.display_name AS subject_name,
    s.level AS subject_level,
    p.line_item,
    p.measure,
    p.amount_yuan,
    p.budget_basis,
    p.budget_line_item,
    p.printed_cells,
    p.row_label,
    p.document_sha256
FROM (
    SELECT * FROM coded_plan
    UNION ALL
    SELECT * FROM total_plan
    UNION ALL
    SELECT * FROM three_public_plan
) AS p
LEFT JOIN core.departments AS dep ON p.department_id = dep.department_id
LEFT JOIN core.regions AS r ON dep.region_id = r.region_id
LEFT JOIN core.subjects AS s ON p.scheme = s.scheme AND p.subject_code = s.code;

COMMENT ON VIEW mart.budget_plan IS 'The department''s own 本年预算数 per table, subject code and measure, from every published, current budget (部门预算), whatever its layout: the budget side of mart.budget_vs_actual. A table printed per budget unit gives the department''s figure from its own block, or summed over the units'' blocks where they partition it (the 合计 equals the sum of the units, or the department''s row does); a 部门经济分类 code printed under several 政府经济分类 codes is summed once; the 三公 department row, fund sources summed. Measures named as the final account''s (amount for the 基本支出 table).';
COMMENT ON COLUMN mart.budget_plan.amount_yuan IS 'The department''s budgeted amount in yuan (DECIMAL, exact).';
COMMENT ON COLUMN mart.budget_plan.line_item IS 'total for the table''s 合计; NULL for a coded row and for the 三公 items.';
COMMENT ON COLUMN mart.budget_plan.budget_basis IS 'How the figure was read: printed, department_block, department_row, unit_block, sum_of_unit_blocks, sum_of_economic_pairs or sum_of_columns (see mart.budget_vs_actual.budget_basis).';
COMMENT ON COLUMN mart.budget_plan.printed_cells IS 'How many printed cells the figure is (1, or the cells summed): a sum of figures printed in 万元 carries up to half a 万元 cent of rounding per cell.';
COMMENT ON COLUMN mart.budget_plan.budget_line_item IS 'The printed key of the cell where the figure is one cell (unit:<name>, gov_economic:<code>, total); NULL for a sum or an unkeyed row.';

-- Whether a document that does not print a row says 0 there (one rule for both sides of budget vs actual): it read
-- the table (parsed or printed empty) and has a column for the figure: the measure printed in that table, by code for
-- a coded row, in a 合计 row for the 合计, or one of the six 三公 items whose columns both documents print.
CREATE MACRO core.blank_is_zero(status, measure_printed, has_total, by_code, table_kind, subject_code, measure) AS
    status IN ('parsed', 'empty')
    AND (
        status = 'empty'
        OR (subject_code IS NULL AND measure_printed AND (has_total OR table_kind = 'three_public'))
        OR (subject_code IS NOT NULL AND by_code)
        OR (
            table_kind = 'three_public'
            AND measure IN ('total', 'overseas', 'reception', 'vehicle_total', 'vehicle_purchase', 'vehicle_operation')
        )
    );

CREATE OR REPLACE VIEW mart.budget_vs_actual AS
WITH b AS (
    SELECT
        department_id,
        year,
        document_sha256,
        table_kind,
        scheme,
        subject_code,
        line_item,
        measure,
        amount_yuan,
        row_label,
        budget_basis,
        budget_line_item
    FROM mart.budget_plan
),

a_printed AS (
    SELECT
        d.department_id,
        d.year,
        f.document_sha256,
        f.table_kind,
        f.scheme,
        f.subject_code,
        f.line_item,
        f.amount_yuan,
        f.row_label,
        CASE
            WHEN f.table_kind = 'three_public' THEN regexp_replace(f.measure, '^actual\.', '')
            ELSE f.measure
        END AS measure
    FROM core.facts AS f
    INNER JOIN core.current_published AS d USING (document_sha256)
    WHERE
        (
            f.table_kind IN ('expenditure', 'general_budget') AND f.measure IN ('total', 'basic', 'project')
            AND (f.subject_code IS NOT NULL OR f.line_item = 'total')
        )
        OR (
            f.table_kind = 'basic_expenditure' AND f.measure = 'amount'
            AND (f.subject_code IS NOT NULL OR f.line_item = 'total')
        )
        OR (f.table_kind = 'three_public' AND f.measure LIKE 'actual.%')
),

a AS (
    SELECT * FROM a_printed
    UNION ALL
    -- a final account's 基本支出 table prints 人员经费合计 and 公用经费合计 and often no 合计: their sum is its 合计
    SELECT
        d.department_id,
        d.year,
        f.document_sha256,
        f.table_kind,
        NULL::VARCHAR AS scheme,
        NULL::VARCHAR AS subject_code,
        'total' AS line_item,
        sum(f.amount_yuan) AS amount_yuan,
        '人员经费合计 + 公用经费合计' AS row_label,
        'amount' AS measure
    FROM core.facts AS f
    INNER JOIN core.current_published AS d USING (document_sha256)
    WHERE
        f.table_kind = 'basic_expenditure' AND f.measure = 'amount'
        AND f.line_item IN ('personnel_total', 'public_total')
        AND NOT EXISTS (
            SELECT 1 FROM a_printed AS p
            WHERE
                p.document_sha256 = f.document_sha256 AND p.table_kind = 'basic_expenditure'
                AND p.line_item = 'total'
        )
    GROUP BY d.department_id, d.year, f.document_sha256, f.table_kind
    HAVING count(DISTINCT f.line_item) = 2
),

both_kinds AS (  -- department-years with a current budget and a current final account
    SELECT
        cb.department_id,
        cb.year,
        cb.document_sha256 AS budget_sha,
        ca.document_sha256 AS actual_sha
    FROM core.current_published_budgets AS cb
    INNER JOIN core.current_published AS ca ON cb.department_id = ca.department_id AND cb.year = ca.year
),

printed AS (  -- 年初预算数 printed by the final account itself (三公 预算数)
    SELECT
        d.department_id,
        d.year,
        f.document_sha256,
        f.table_kind,
        f.scheme,
        f.subject_code,
        f.line_item,
        f.amount_yuan,
        f.row_label,
        regexp_replace(f.measure, '^budget\.', '') AS measure
    FROM core.facts AS f
    INNER JOIN core.current_published AS d USING (document_sha256)
    WHERE f.table_kind = 'three_public' AND f.measure LIKE 'budget.%'
),

joined AS (
    SELECT
        b.budget_basis,
        b.budget_line_item,
        b.amount_yuan AS b_yuan,
        a.amount_yuan AS a_yuan,
        coalesce(b.department_id, a.department_id) AS department_id,
        coalesce(b.year, a.year) AS year,
        coalesce(b.table_kind, a.table_kind) AS table_kind,
        coalesce(b.scheme, a.scheme) AS scheme,
        coalesce(b.subject_code, a.subject_code) AS subject_code,
        coalesce(b.line_item, a.line_item) AS line_item,
        coalesce(b.measure, a.measure) AS measure,
        coalesce(a.row_label, b.row_label) AS row_label
    FROM b
    FULL OUTER JOIN a
        ON
            b.department_id = a.department_id AND b.year = a.year AND b.table_kind = a.table_kind
            AND b.measure = a.measure AND b.subject_code IS NOT DISTINCT FROM a.subject_code
            AND b.line_item IS NOT DISTINCT FROM a.line_item
),

-- What a document that does not print a row says there: 0 where it read the table and has a column for the
-- figure (it prints that measure in that table; by code, for a coded row; in a 合计 row, for the 合计; the six 三公
-- items, whose columns both documents print, blank when 0), NULL otherwise: the table absent or unreadable, a table
-- printed without codes (西安's 支出总表 by fund source: no code, no 基本 / 项目 column), a table without a 合计 (and
-- no department's row), 会议费 / 培训费 where the final account has no column.
budget_columns AS (
    SELECT
        document_sha256,
        table_kind,
        measure,
        bool_or(subject_code IS NOT NULL) AS by_code,
        -- the table prints a 合计 (in any column): a 合计 cell it leaves blank is 0, no 合计 at all is no figure
        bool_or(bool_or(line_item = 'total')) OVER (PARTITION BY document_sha256, table_kind) AS has_total
    FROM b
    GROUP BY document_sha256, table_kind, measure
),

actual_columns AS (
    SELECT
        document_sha256,
        table_kind,
        measure,
        bool_or(subject_code IS NOT NULL) AS by_code,
        -- the table prints a 合计 (in any column): a 合计 cell it leaves blank is 0, no 合计 at all is no figure
        bool_or(bool_or(line_item = 'total')) OVER (PARTITION BY document_sha256, table_kind) AS has_total
    FROM a
    GROUP BY document_sha256, table_kind, measure
),

paired AS (
    SELECT
        'budget' AS budget_source,
        j.department_id,
        j.year,
        j.table_kind,
        j.scheme,
        j.subject_code,
        j.line_item,
        j.measure,
        j.row_label,
        k.budget_sha AS budget_document_sha256,
        k.actual_sha AS actual_document_sha256,
        coalesce(
            j.b_yuan,
            CASE WHEN core.blank_is_zero(
                bt.status, bc.measure IS NOT NULL, bc.has_total, bc.by_code, j.table_kind, j.subject_code, j.measure
            ) THEN 0 END
        )::DECIMAL(20, 2) AS budget_yuan,
        coalesce(
            j.a_yuan,
            CASE WHEN core.blank_is_zero(
                atb.status, ac.measure IS NOT NULL, ac.has_total, ac.by_code, j.table_kind, j.subject_code, j.measure
            ) THEN 0 END
        )::DECIMAL(20, 2) AS actual_yuan,
        CASE WHEN j.b_yuan IS NOT NULL THEN coalesce(j.budget_basis, 'printed') END AS budget_basis,
        j.budget_line_item
    FROM joined AS j
    INNER JOIN both_kinds AS k ON j.department_id = k.department_id AND j.year = k.year
    LEFT JOIN core.document_tables AS bt ON k.budget_sha = bt.document_sha256 AND j.table_kind = bt.table_kind
    LEFT JOIN core.document_tables AS atb ON k.actual_sha = atb.document_sha256 AND j.table_kind = atb.table_kind
    LEFT JOIN budget_columns AS bc
        ON k.budget_sha = bc.document_sha256 AND j.table_kind = bc.table_kind AND j.measure = bc.measure
    LEFT JOIN actual_columns AS ac
        ON k.actual_sha = ac.document_sha256 AND j.table_kind = ac.table_kind AND j.measure = ac.measure
    UNION ALL
    SELECT
        'final_account' AS budget_source,
        p.department_id,
        p.year,
        p.table_kind,
        p.scheme,
        p.subject_code,
        p.line_item,
        p.measure,
        p.row_label,
        p.document_sha256 AS budget_document_sha256,
        p.document_sha256 AS actual_document_sha256,
        p.amount_yuan AS budget_yuan,
        coalesce(a.amount_yuan, 0) AS actual_yuan,
        'printed' AS budget_basis,
        p.line_item AS budget_line_item
    FROM printed AS p
    LEFT JOIN a ON p.document_sha256 = a.document_sha256 AND p.table_kind = a.table_kind AND p.measure = a.measure
)

SELECT
    p.year,
    r.province,
    r.city,
    r.county,
    dep.display_name AS department,
    p.department_id,
    p.table_kind,
    p.scheme,
    p.subject_code,
    s.display_name AS subject_name,
    s.level AS subject_level,
    p.line_item,
    p.measure,
    p.budget_yuan,
    p.actual_yuan,
    p.actual_yuan - p.budget_yuan AS difference_yuan,
    core.div_round2(p.actual_yuan * 100, p.budget_yuan) AS execution_rate_pct,
    p.budget_source,
    p.row_label,
    p.budget_document_sha256,
    p.actual_document_sha256,
    p.budget_basis,
    p.budget_line_item
FROM paired AS p
LEFT JOIN core.departments AS dep ON p.department_id = dep.department_id
LEFT JOIN core.regions AS r ON dep.region_id = r.region_id
LEFT JOIN core.subjects AS s ON p.scheme = s.scheme AND p.subject_code = s.code;

COMMENT ON VIEW mart.budget_vs_actual IS 'Plan vs spend per department, year and subject code: the department''s own 本年预算数 in its 部门预算 (budget_source budget) or the 年初预算数 a final account prints itself (budget_source final_account, 三公) against the 决算 actual. Only department-years with both documents (budget_source budget). A budget printed per unit gives the department''s figure by code from its own block, or summed over the units'' blocks where they partition it (budget_basis says which). Filter on table_kind and measure before summing.';
COMMENT ON COLUMN mart.budget_vs_actual.table_kind IS 'expenditure (支出总表, all funds, function codes), general_budget (一般公共预算, function codes), basic_expenditure (一般公共预算基本支出, economic codes: the 部门经济分类) or three_public.';
COMMENT ON COLUMN mart.budget_vs_actual.measure IS 'total, basic or project (function tables); amount (economic); total, overseas, vehicle_total, vehicle_purchase, vehicle_operation, reception, meeting, training, total_all (三公).';
COMMENT ON COLUMN mart.budget_vs_actual.budget_yuan IS 'The department''s budgeted amount in yuan; 0 where the budget read the table and does not print the row; NULL where it does not print that table or has no column for the figure (a table printed without codes, or without 基本 / 项目 columns, as 西安''s 支出总表 by fund source; 三公 会议费 / 培训费).';
COMMENT ON COLUMN mart.budget_vs_actual.actual_yuan IS 'Actual amount (决算数) in yuan; 0 where the final account read the table and does not print the row; NULL where it does not print that table or has no column for the figure (三公 会议费 / 培训费 in most final accounts).';
COMMENT ON COLUMN mart.budget_vs_actual.difference_yuan IS 'actual_yuan - budget_yuan (negative: under-spent; NULL when either is).';
COMMENT ON COLUMN mart.budget_vs_actual.execution_rate_pct IS 'actual / budget × 100, rounded to 0.01 exactly (DECIMAL); NULL when the budget is 0 or missing.';
COMMENT ON COLUMN mart.budget_vs_actual.budget_source IS 'budget: the department''s 部门预算 document; final_account: the 年初预算数 printed in the final account itself.';
COMMENT ON COLUMN mart.budget_vs_actual.budget_document_sha256 IS 'The document the budget figure comes from (the 部门预算, or the final account for budget_source final_account).';
COMMENT ON COLUMN mart.budget_vs_actual.actual_document_sha256 IS 'The final account (决算) the actual figure comes from.';
COMMENT ON COLUMN mart.budget_vs_actual.row_label IS 'Row label as printed (the final account''s when both print the row).';
COMMENT ON COLUMN mart.budget_vs_actual.budget_basis IS 'How the budget figure was read: printed (one cell, the department''s), department_block (the department''s own block of a table printed per unit), department_row (the department''s row above its units: its 合计), unit_block (the one unit block printing the code, the blocks partitioning the department), sum_of_unit_blocks (summed over the units'' blocks, which partition the department: the 合计 equals the sum of the units, or the department''s row does), sum_of_economic_pairs (a 部门经济分类 code printed under several 政府经济分类 codes, summed), sum_of_columns (a column printed only in parts, summed: the 三公 items by fund source (深圳, 广州), 基本支出 as 人员经费 + 公用经费 (西安)); NULL when the budget has no figure.';
COMMENT ON COLUMN mart.budget_vs_actual.budget_line_item IS 'The printed key of the budget''s cell where the figure is one cell (unit:<name> for a unit''s block or row, gov_economic:<code> for a crossed row); NULL for a sum of several cells or an unkeyed row.';
