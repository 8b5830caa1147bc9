-- Budgets (部门预算) in the same star as final accounts: core.documents.report_kind says which document a fact
-- comes from (final_account or budget); facts keep their table kind and measure. The final-account views read
-- final accounts only (a department-year now has one current document of each kind); budgets have their own
-- amounts view, and mart.budget_vs_actual sets plan against spend.

CREATE OR REPLACE VIEW core.current_published AS
    SELECT * FROM core.documents
    WHERE status = 'published' AND superseded_by IS NULL AND coalesce(report_kind, 'final_account') <> 'budget';
COMMENT ON VIEW core.current_published IS 'Final accounts whose amounts are in mart: published and not superseded (budgets: core.current_published_budgets).';

CREATE VIEW core.current_published_budgets AS
    SELECT * FROM core.documents
    WHERE status = 'published' AND superseded_by IS NULL AND report_kind = 'budget';
COMMENT ON VIEW core.current_published_budgets IS 'Budgets (部门预算) whose amounts are in mart: published and not superseded.';

CREATE VIEW mart.budget_amounts AS
SELECT
    d.year,
    r.province,
    r.city,
    r.county,
    dep.display_name AS department,
    f.table_kind,
    f.subject_code,
    s.display_name AS subject_name,
    f.line_item,
    f.measure,
    f.amount_yuan,
    f.published_value,
    f.unit,
    f.page,
    f.document_sha256,
    f.row_label,
    f.scheme,
    s.level AS subject_level,
    d.department_name AS department_printed,
    f.department_id,
    r.adcode,
    d.has_warnings
FROM core.facts AS f
JOIN core.current_published_budgets AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id
LEFT JOIN core.subjects AS s ON s.scheme = f.scheme AND s.code = f.subject_code;
COMMENT ON VIEW mart.budget_amounts IS 'One row per printed cell of every published, current budget (部门预算). Measures: total/basic/project… are 本年预算数; prior.* 上年预算数; change.* 增减. Filter on table_kind before summing.';
COMMENT ON COLUMN mart.budget_amounts.measure IS 'Column of the budget table: total, basic, project, amount (本年预算数); prior.* (上年预算数); change.* (增减); budget.* in the 三公 table.';

CREATE VIEW mart.documents_by_kind AS
SELECT d.document_sha256, coalesce(d.report_kind, 'final_account') AS report_kind, d.department_id,
       coalesce(dep.display_name, d.department_name) AS department, d.year, d.status, d.superseded_by IS NULL AS is_current
FROM core.documents AS d
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id;
COMMENT ON VIEW mart.documents_by_kind IS 'Every document with its kind (final_account 决算 or budget 预算): join to mart.documents on document_sha256.';

-- Plan vs spend. Budget side: the 部门预算's 本年预算数; actual side: the same department-year's 决算数.
-- Compared tables: expenditure (支出总表, all funds, by function), general_budget (一般公共预算 by function: total,
-- basic, project) and basic_expenditure (一般公共预算基本支出 by economic class). Plus the 年初预算数 that final
-- accounts print themselves (the 三公 table's 预算数 columns), with budget_source = 'final_account'.
CREATE VIEW mart.budget_vs_actual AS
WITH b AS (
    SELECT d.department_id, d.year, f.document_sha256, f.table_kind, f.scheme, f.subject_code, f.line_item,
           CASE WHEN f.table_kind = 'basic_expenditure' AND f.measure IN ('total', 'amount') THEN 'amount'
                WHEN f.table_kind = 'three_public' THEN regexp_replace(f.measure, '^budget\.', '')
                ELSE f.measure END AS measure,
           f.amount_yuan, f.row_label
    FROM core.facts AS f JOIN core.current_published_budgets AS d USING (document_sha256)
    WHERE (f.table_kind IN ('expenditure', 'general_budget') AND f.measure IN ('total', 'basic', 'project')
           AND (f.subject_code IS NOT NULL OR f.line_item = 'total'))
       OR (f.table_kind = 'basic_expenditure' AND f.measure IN ('total', 'amount')
           AND (f.subject_code IS NOT NULL OR f.line_item = 'total'))
       OR (f.table_kind = 'three_public' AND f.measure LIKE 'budget.%')
),
a AS (
    SELECT d.department_id, d.year, f.document_sha256, f.table_kind, f.scheme, f.subject_code, f.line_item,
           CASE WHEN f.table_kind = 'three_public' THEN regexp_replace(f.measure, '^actual\.', '')
                ELSE f.measure END AS measure,
           f.amount_yuan, f.row_label
    FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
    WHERE (f.table_kind IN ('expenditure', 'general_budget') AND f.measure IN ('total', 'basic', 'project')
           AND (f.subject_code IS NOT NULL OR f.line_item = 'total'))
       OR (f.table_kind = 'basic_expenditure' AND f.measure = 'amount'
           AND (f.subject_code IS NOT NULL OR f.line_item = 'total'))
       OR (f.table_kind = 'three_public' AND f.measure LIKE 'actual.%')
),
both_kinds AS (  -- department-years with a current budget and a current final account
    SELECT cb.department_id, cb.year, cb.document_sha256 AS budget_sha, ca.document_sha256 AS actual_sha
    FROM core.current_published_budgets AS cb
    JOIN core.current_published AS ca ON ca.department_id = cb.department_id AND ca.year = cb.year
),
printed AS (  -- 年初预算数 printed by the final account itself (三公 预算数)
    SELECT d.department_id, d.year, f.document_sha256, f.table_kind, f.scheme, f.subject_code, f.line_item,
           regexp_replace(f.measure, '^budget\.', '') AS measure, f.amount_yuan, f.row_label
    FROM core.facts AS f JOIN core.current_published AS d USING (document_sha256)
    WHERE f.table_kind = 'three_public' AND f.measure LIKE 'budget.%'
),
joined AS (
    SELECT coalesce(b.department_id, a.department_id) AS department_id, coalesce(b.year, a.year) AS year,
           coalesce(b.table_kind, a.table_kind) AS table_kind, coalesce(b.scheme, a.scheme) AS scheme,
           coalesce(b.subject_code, a.subject_code) AS subject_code, coalesce(b.line_item, a.line_item) AS line_item,
           coalesce(b.measure, a.measure) AS measure, b.amount_yuan AS b_yuan, a.amount_yuan AS a_yuan,
           coalesce(a.row_label, b.row_label) AS row_label
    FROM b
    FULL OUTER JOIN a
      ON a.department_id = b.department_id AND a.year = b.year AND a.table_kind = b.table_kind
     AND a.measure = b.measure AND a.subject_code IS NOT DISTINCT FROM b.subject_code
     AND a.line_item IS NOT DISTINCT FROM b.line_item
),
paired AS (
    -- a row one document does not print is 0 there when that document's table was read (parsed or printed
    -- empty); NULL when the table is absent or unreadable
    SELECT 'budget' AS budget_source, j.department_id, j.year, j.table_kind, j.scheme, j.subject_code,
           j.line_item, j.measure,
           coalesce(j.b_yuan, CASE WHEN bt.status IN ('parsed', 'empty') THEN 0 END)::DECIMAL(20, 2) AS budget_yuan,
           coalesce(j.a_yuan, CASE WHEN atb.status IN ('parsed', 'empty') THEN 0 END)::DECIMAL(20, 2) AS actual_yuan,
           j.row_label, k.budget_sha AS budget_document_sha256, k.actual_sha AS actual_document_sha256
    FROM joined AS j
    JOIN both_kinds AS k ON k.department_id = j.department_id AND k.year = j.year
    LEFT JOIN core.document_tables AS bt ON bt.document_sha256 = k.budget_sha AND bt.table_kind = j.table_kind
    LEFT JOIN core.document_tables AS atb ON atb.document_sha256 = k.actual_sha AND atb.table_kind = j.table_kind
    UNION ALL
    SELECT 'final_account', p.department_id, p.year, p.table_kind, p.scheme, p.subject_code, p.line_item, p.measure,
           p.amount_yuan, coalesce(a.amount_yuan, 0), p.row_label, p.document_sha256, p.document_sha256
    FROM printed AS p
    LEFT JOIN a ON a.document_sha256 = p.document_sha256 AND a.table_kind = p.table_kind AND a.measure = p.measure
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
    p.actual_document_sha256
FROM paired AS p
LEFT JOIN core.departments AS dep ON dep.department_id = p.department_id
LEFT JOIN core.regions AS r ON r.region_id = dep.region_id
LEFT JOIN core.subjects AS s ON s.scheme = p.scheme AND s.code = p.subject_code;
COMMENT ON VIEW mart.budget_vs_actual IS 'Plan vs spend per department, year and subject code: the 部门预算 本年预算数 (budget_source budget) or the 年初预算数 a final account prints itself (budget_source final_account, 三公) against the 决算 actual. Only department-years with both documents (budget_source budget). Filter on table_kind and measure before summing.';
COMMENT ON COLUMN mart.budget_vs_actual.table_kind IS 'expenditure (支出总表, all funds, function codes), general_budget (一般公共预算, function codes), basic_expenditure (一般公共预算基本支出, economic codes) or three_public.';
COMMENT ON COLUMN mart.budget_vs_actual.measure IS 'total, basic or project (function tables); amount (economic); total, overseas, vehicle_total, vehicle_purchase, vehicle_operation, reception (三公).';
COMMENT ON COLUMN mart.budget_vs_actual.budget_yuan IS 'Budgeted amount in yuan (NULL when only the final account prints the row).';
COMMENT ON COLUMN mart.budget_vs_actual.actual_yuan IS 'Actual amount (决算数) in yuan (NULL when only the budget prints the row).';
COMMENT ON COLUMN mart.budget_vs_actual.difference_yuan IS 'actual_yuan - budget_yuan (negative: under-spent).';
COMMENT ON COLUMN mart.budget_vs_actual.execution_rate_pct IS 'actual / budget × 100, rounded to 0.01 exactly (DECIMAL); NULL when the budget is 0 or missing.';
COMMENT ON COLUMN mart.budget_vs_actual.budget_source IS 'budget: the department''s 部门预算 document; final_account: the 年初预算数 printed in the final account itself.';
COMMENT ON COLUMN mart.budget_vs_actual.budget_document_sha256 IS 'The document the budget figure comes from (the 部门预算, or the final account for budget_source final_account).';
COMMENT ON COLUMN mart.budget_vs_actual.actual_document_sha256 IS 'The final account (决算) the actual figure comes from.';
COMMENT ON COLUMN mart.budget_vs_actual.row_label IS 'Row label as printed (the final account''s when both print the row).';
