-- The analyst interface. Every view reads only current (not superseded) documents whose status is published,
-- except mart.documents, mart.rule_results and mart.parse_problems, which show every document so a quarantined
-- or failed report is visible with its reasons.
CREATE SCHEMA IF NOT EXISTS mart;

-- round(a / b, 2) exactly, half away from zero, without going through DOUBLE (DuckDB divides DECIMAL as DOUBLE).
CREATE MACRO core.div_round2(a, b) AS
    CASE
        WHEN b IS NULL OR b = 0 OR a IS NULL THEN NULL
        ELSE CAST(
            sign(CAST(a * 100 AS HUGEINT)) * sign(CAST(b * 100 AS HUGEINT))
            * ((2 * abs(CAST(a * 100 AS HUGEINT)) * 100 + abs(CAST(b * 100 AS HUGEINT)))
               // (2 * abs(CAST(b * 100 AS HUGEINT))))
            AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(3, 2))
    END;

CREATE VIEW core.current_published AS
    SELECT * FROM core.documents WHERE status = 'published' AND superseded_by IS NULL;
COMMENT ON VIEW core.current_published IS 'Documents whose amounts are in mart: published and not superseded.';

CREATE VIEW mart.report_amounts AS
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
    m.label AS measure_label,
    li.label AS line_item_label,
    d.department_name AS department_printed,
    f.department_id,
    r.adcode,
    d.has_warnings
FROM core.facts AS f
JOIN core.current_published AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id
LEFT JOIN core.subjects AS s ON s.scheme = f.scheme AND s.code = f.subject_code
LEFT JOIN core.measures AS m ON m.table_kind = f.table_kind AND m.measure = f.measure
LEFT JOIN core.line_items AS li ON li.line_item = f.line_item;
COMMENT ON VIEW mart.report_amounts IS 'One row per printed cell of every published, current report. Filter on table_kind (and measure) before summing: the same money is printed in several tables.';
COMMENT ON COLUMN mart.report_amounts.year IS 'Report year (年度).';
COMMENT ON COLUMN mart.report_amounts.province IS 'Province, or 中央 for central departments.';
COMMENT ON COLUMN mart.report_amounts.city IS 'City (prefecture level), NULL above it.';
COMMENT ON COLUMN mart.report_amounts.county IS 'County / district, NULL above it.';
COMMENT ON COLUMN mart.report_amounts.department IS 'Department display name (stable across years; see department_id).';
COMMENT ON COLUMN mart.report_amounts.table_kind IS 'Which public table (summary, income, expenditure, appropriation_summary, general_budget, basic_expenditure, three_public, gov_fund, state_capital).';
COMMENT ON COLUMN mart.report_amounts.subject_code IS 'Function or economic code of the row (3/5/7 digits); NULL for uncoded rows.';
COMMENT ON COLUMN mart.report_amounts.subject_name IS 'Display name of subject_code (names vary by year; row_label has the printed one).';
COMMENT ON COLUMN mart.report_amounts.line_item IS 'Key of an uncoded row (income.total, expenditure.total, total, personnel_total, …).';
COMMENT ON COLUMN mart.report_amounts.measure IS 'Column of the table (total, basic, project, amount, actual.reception, …).';
COMMENT ON COLUMN mart.report_amounts.amount_yuan IS 'Amount in yuan, DECIMAL(20,2).';
COMMENT ON COLUMN mart.report_amounts.published_value IS 'Value as printed, in unit.';
COMMENT ON COLUMN mart.report_amounts.unit IS 'Printed unit of the table: 万元 or 元.';
COMMENT ON COLUMN mart.report_amounts.page IS 'Page the cell was printed on.';
COMMENT ON COLUMN mart.report_amounts.document_sha256 IS 'The document the cell came from (mart.documents).';
COMMENT ON COLUMN mart.report_amounts.row_label IS 'Row label exactly as printed.';
COMMENT ON COLUMN mart.report_amounts.scheme IS 'function or economic classification of subject_code.';
COMMENT ON COLUMN mart.report_amounts.subject_level IS '类, 款 or 项.';
COMMENT ON COLUMN mart.report_amounts.department_printed IS 'Department name as printed in this report.';
COMMENT ON COLUMN mart.report_amounts.department_id IS 'Stable department key across years.';
COMMENT ON COLUMN mart.report_amounts.has_warnings IS 'The report was published with warning-severity rule failures.';

CREATE VIEW mart.documents AS
SELECT
    d.document_sha256,
    coalesce(dep.display_name, d.department_name) AS department,
    r.province,
    r.city,
    r.county,
    d.year,
    d.status,
    d.failing_rule_ids,
    d.source,
    d.page_count,
    d.warning_rule_ids,
    d.has_warnings,
    d.failure_code,
    d.failure_reason,
    d.superseded_by,
    d.superseded_by IS NULL AS is_current,
    d.department_name AS department_printed,
    d.department_id,
    d.source_url,
    d.raw_path,
    d.fetched_at,
    d.loaded_at,
    d.producer,
    d.parser_version
FROM core.documents AS d
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id;
COMMENT ON VIEW mart.documents IS 'Every document ingested with its outcome: published, quarantined (with the failing rule ids) or failed (with the reason).';
COMMENT ON COLUMN mart.documents.status IS 'published, quarantined or failed.';
COMMENT ON COLUMN mart.documents.failing_rule_ids IS 'Error-severity rules that failed: why the document is quarantined.';
COMMENT ON COLUMN mart.documents.warning_rule_ids IS 'Warning-severity rules that failed; the document is still published.';
COMMENT ON COLUMN mart.documents.failure_reason IS 'Why the document failed to parse or was quarantined, in one line.';
COMMENT ON COLUMN mart.documents.is_current IS 'False for an older version replaced by a newer file for the same department-year or source.';

CREATE VIEW mart.rule_results AS
SELECT d.document_sha256, coalesce(dep.display_name, d.department_name) AS department, d.year, d.status,
       rr.rule_id, rr.severity, rr.outcome, rr.table_kind, rr.subject_code, rr.line_item, rr.measure,
       rr.expected, rr.actual, rr.difference, rr.tolerance, rr.within_rounding, rr.message
FROM core.rule_results AS rr
JOIN core.documents AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id;
COMMENT ON VIEW mart.rule_results IS 'Every rule outcome of every document, including quarantined ones (to see why).';

CREATE VIEW mart.parse_problems AS
SELECT d.document_sha256, coalesce(dep.display_name, d.department_name) AS department, d.year, d.status,
       p.code, p.severity, p.table_kind, p.page, p.message
FROM core.parse_problems AS p
JOIN core.documents AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id;
COMMENT ON VIEW mart.parse_problems IS 'What the parser reported while reading each document.';

CREATE VIEW mart.narrative_facts AS
SELECT d.document_sha256, dep.display_name AS department, d.year, n.seq, n.kind, n.value, n.text, n.label,
       n.unit, n.sentence, n.page
FROM core.narrative_facts AS n
JOIN core.current_published AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id;
COMMENT ON VIEW mart.narrative_facts IS 'Numbers restated in the prose of published reports, with their sentence.';

CREATE VIEW mart.subject_names AS
SELECT s.scheme, s.code, s.level, s.parent_code, s.display_name, n.year, n.printed_name, n.occurrences
FROM core.subjects AS s
LEFT JOIN core.subject_names AS n USING (scheme, code);
COMMENT ON VIEW mart.subject_names IS 'Subject codes with every name printed for them, per year, and the display name chosen.';

CREATE VIEW mart.department_year AS
WITH f AS (
    SELECT f.* FROM core.facts AS f JOIN core.current_published USING (document_sha256)
),
per_doc AS (
    SELECT
        document_sha256,
        max(amount_yuan) FILTER (WHERE table_kind = 'summary' AND line_item = 'income.total') AS s_income_total,
        max(amount_yuan) FILTER (WHERE table_kind = 'income' AND line_item = 'total' AND measure = 'total') AS i_income_total,
        max(amount_yuan) FILTER (WHERE table_kind = 'income' AND line_item = 'total' AND measure = 'fiscal_appropriation') AS i_fiscal,
        sum(amount_yuan) FILTER (WHERE table_kind = 'summary' AND line_item IN ('income.general_budget', 'income.gov_fund', 'income.state_capital', 'income.fiscal')) AS s_fiscal,
        max(amount_yuan) FILTER (WHERE table_kind = 'summary' AND line_item = 'expenditure.total') AS s_expenditure_total,
        max(amount_yuan) FILTER (WHERE table_kind = 'expenditure' AND line_item = 'total' AND measure = 'total') AS e_total,
        max(amount_yuan) FILTER (WHERE table_kind = 'expenditure' AND line_item = 'total' AND measure = 'basic') AS e_basic,
        max(amount_yuan) FILTER (WHERE table_kind = 'expenditure' AND line_item = 'total' AND measure = 'project') AS e_project,
        max(amount_yuan) FILTER (WHERE table_kind = 'appropriation_summary' AND line_item = 'expenditure.total' AND measure = 'total') AS a_expenditure,
        max(amount_yuan) FILTER (WHERE table_kind = 'general_budget' AND line_item = 'total' AND measure = 'total') AS g_total,
        max(amount_yuan) FILTER (WHERE table_kind = 'general_budget' AND line_item = 'total' AND measure = 'basic') AS g_basic,
        max(amount_yuan) FILTER (WHERE table_kind = 'general_budget' AND line_item = 'total' AND measure = 'project') AS g_project,
        max(amount_yuan) FILTER (WHERE table_kind = 'basic_expenditure' AND line_item = 'personnel_total') AS b_personnel,
        max(amount_yuan) FILTER (WHERE table_kind = 'basic_expenditure' AND line_item = 'public_total') AS b_public,
        sum(amount_yuan) FILTER (WHERE table_kind = 'basic_expenditure' AND length(subject_code) = 3 AND subject_code IN ('301', '303')) AS b_personnel_classes,
        sum(amount_yuan) FILTER (WHERE table_kind = 'basic_expenditure' AND length(subject_code) = 3 AND subject_code NOT IN ('301', '303')) AS b_public_classes,
        max(amount_yuan) FILTER (WHERE table_kind = 'three_public' AND measure = 'budget.total') AS tp_budget,
        max(amount_yuan) FILTER (WHERE table_kind = 'three_public' AND measure = 'actual.total') AS tp_actual,
        max(amount_yuan) FILTER (WHERE table_kind = 'three_public' AND measure = 'actual.overseas') AS tp_overseas,
        max(amount_yuan) FILTER (WHERE table_kind = 'three_public' AND measure = 'actual.vehicle_total') AS tp_vehicle,
        max(amount_yuan) FILTER (WHERE table_kind = 'three_public' AND measure = 'actual.reception') AS tp_reception
    FROM f
    GROUP BY document_sha256
)
SELECT
    d.year,
    r.province,
    r.city,
    r.county,
    dep.display_name AS department,
    d.department_id,
    d.document_sha256,
    d.has_warnings,
    coalesce(p.s_income_total, p.i_income_total) AS income_total,
    CAST(coalesce(p.i_fiscal, p.s_fiscal) AS DECIMAL(20, 2)) AS fiscal_appropriation_income,
    coalesce(p.s_expenditure_total, p.e_total) AS expenditure_total,
    p.e_basic AS basic_expenditure,
    p.e_project AS project_expenditure,
    p.a_expenditure AS appropriation_expenditure,
    p.g_total AS general_budget_expenditure,
    p.g_basic AS general_budget_basic,
    p.g_project AS general_budget_project,
    CAST(coalesce(p.b_personnel, p.b_personnel_classes) AS DECIMAL(20, 2)) AS personnel_expenditure,
    CAST(coalesce(p.b_public, p.b_public_classes) AS DECIMAL(20, 2)) AS public_expenditure,
    p.tp_budget AS three_public_budget,
    p.tp_actual AS three_public_actual,
    CAST(p.tp_actual - p.tp_budget AS DECIMAL(20, 2)) AS three_public_actual_minus_budget,
    p.tp_overseas AS three_public_overseas_actual,
    p.tp_vehicle AS three_public_vehicle_actual,
    p.tp_reception AS three_public_reception_actual,
    h.authorized AS headcount_authorized,
    h.actual AS headcount_actual,
    CAST(core.div_round2(coalesce(p.s_expenditure_total, p.e_total), h.actual) AS DECIMAL(20, 2)) AS expenditure_per_head,
    CAST(core.div_round2(p.e_basic, h.actual) AS DECIMAL(20, 2)) AS basic_expenditure_per_head,
    CAST(core.div_round2(coalesce(p.b_personnel, p.b_personnel_classes), h.actual) AS DECIMAL(20, 2)) AS personnel_expenditure_per_head,
    CAST(core.div_round2(coalesce(p.b_public, p.b_public_classes), h.actual) AS DECIMAL(20, 2)) AS public_expenditure_per_head
FROM core.current_published AS d
LEFT JOIN per_doc AS p USING (document_sha256)
LEFT JOIN core.headcount AS h USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id;
COMMENT ON VIEW mart.department_year IS 'One row per department and year: the headline figures of its published report, and per-head figures.';
COMMENT ON COLUMN mart.department_year.income_total IS '本年收入合计 (summary table, else the income table 合计).';
COMMENT ON COLUMN mart.department_year.fiscal_appropriation_income IS '财政拨款收入 (income table 合计, else the summary appropriation lines).';
COMMENT ON COLUMN mart.department_year.expenditure_total IS '本年支出合计 (summary table, else the expenditure table 合计).';
COMMENT ON COLUMN mart.department_year.basic_expenditure IS '基本支出, expenditure table 合计.';
COMMENT ON COLUMN mart.department_year.project_expenditure IS '项目支出, expenditure table 合计.';
COMMENT ON COLUMN mart.department_year.appropriation_expenditure IS 'Fiscal appropriation expenditure: 财政拨款收入支出决算总表 本年支出合计.';
COMMENT ON COLUMN mart.department_year.general_budget_expenditure IS '一般公共预算财政拨款支出 合计.';
COMMENT ON COLUMN mart.department_year.personnel_expenditure IS '人员经费 of basic expenditure (footer, else economic classes 301 + 303).';
COMMENT ON COLUMN mart.department_year.public_expenditure IS '公用经费 of basic expenditure (footer, else the other economic classes).';
COMMENT ON COLUMN mart.department_year.three_public_budget IS '“三公”经费 budget (预算数) total.';
COMMENT ON COLUMN mart.department_year.three_public_actual IS '“三公”经费 actual (决算数) total.';
COMMENT ON COLUMN mart.department_year.headcount_actual IS '实有人数 stated in the report.';
COMMENT ON COLUMN mart.department_year.expenditure_per_head IS 'expenditure_total / headcount_actual, rounded to the cent exactly.';
COMMENT ON COLUMN mart.department_year.basic_expenditure_per_head IS 'basic_expenditure / headcount_actual.';
COMMENT ON COLUMN mart.department_year.personnel_expenditure_per_head IS 'personnel_expenditure / headcount_actual.';

CREATE VIEW mart.expenditure_by_function AS
WITH rows AS (
    SELECT
        f.document_sha256,
        f.subject_code,
        max(amount_yuan) FILTER (WHERE measure = 'total') AS total,
        max(amount_yuan) FILTER (WHERE measure = 'basic') AS basic,
        max(amount_yuan) FILTER (WHERE measure = 'project') AS project,
        max(amount_yuan) FILTER (WHERE measure = 'remit_superior') AS remit_superior,
        max(amount_yuan) FILTER (WHERE measure = 'operating') AS operating,
        max(amount_yuan) FILTER (WHERE measure = 'affiliated_subsidy') AS affiliated_subsidy
    FROM core.facts AS f
    JOIN core.current_published USING (document_sha256)
    WHERE f.table_kind = 'expenditure' AND f.scheme = 'function'
    GROUP BY f.document_sha256, f.subject_code
),
leaves AS (
    SELECT * FROM rows AS a
    WHERE NOT EXISTS (
        SELECT 1 FROM rows AS b
        WHERE b.document_sha256 = a.document_sha256
          AND length(b.subject_code) > length(a.subject_code)
          AND starts_with(b.subject_code, a.subject_code)
    )
)
SELECT
    d.year,
    r.province,
    r.city,
    r.county,
    dep.display_name AS department,
    d.department_id,
    left(l.subject_code, 3) AS class_code,
    c.display_name AS class_name,
    CASE WHEN length(l.subject_code) >= 5 THEN left(l.subject_code, 5) END AS kuan_code,
    k.display_name AS kuan_name,
    CASE WHEN length(l.subject_code) = 7 THEN l.subject_code END AS xiang_code,
    x.display_name AS xiang_name,
    CASE length(l.subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' ELSE '项' END AS leaf_level,
    l.total,
    l.basic,
    l.project,
    l.remit_superior,
    l.operating,
    l.affiliated_subsidy,
    l.document_sha256
FROM leaves AS l
JOIN core.current_published AS d USING (document_sha256)
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id
LEFT JOIN core.subjects AS c ON c.scheme = 'function' AND c.code = left(l.subject_code, 3)
LEFT JOIN core.subjects AS k ON k.scheme = 'function' AND k.code = left(l.subject_code, 5) AND length(l.subject_code) >= 5
LEFT JOIN core.subjects AS x ON x.scheme = 'function' AND x.code = l.subject_code AND length(l.subject_code) = 7;
COMMENT ON VIEW mart.expenditure_by_function IS 'Expenditure table (支出决算表) by function, leaf rows only, with 类 / 款 / 项 as columns: GROUP BY any level and SUM never double counts a parent and its children.';
COMMENT ON COLUMN mart.expenditure_by_function.class_code IS '类 code (3 digits).';
COMMENT ON COLUMN mart.expenditure_by_function.kuan_code IS '款 code (5 digits), NULL when the leaf is a 类.';
COMMENT ON COLUMN mart.expenditure_by_function.xiang_code IS '项 code (7 digits), NULL when the leaf is a 类 or 款.';
COMMENT ON COLUMN mart.expenditure_by_function.leaf_level IS 'Level of the printed leaf row (usually 项).';
COMMENT ON COLUMN mart.expenditure_by_function.total IS '本年支出合计 of the leaf, yuan.';

CREATE VIEW mart.region_class_totals AS
SELECT
    d.year,
    r.province,
    r.city,
    r.county,
    f.subject_code AS class_code,
    s.display_name AS class_name,
    count(DISTINCT d.department_id) AS departments,
    CAST(sum(f.amount_yuan) FILTER (WHERE f.measure = 'total') AS DECIMAL(20, 2)) AS total,
    CAST(sum(f.amount_yuan) FILTER (WHERE f.measure = 'basic') AS DECIMAL(20, 2)) AS basic,
    CAST(sum(f.amount_yuan) FILTER (WHERE f.measure = 'project') AS DECIMAL(20, 2)) AS project
FROM core.facts AS f
JOIN core.current_published AS d USING (document_sha256)
LEFT JOIN core.regions AS r ON r.region_id = d.region_id
LEFT JOIN core.subjects AS s ON s.scheme = 'function' AND s.code = f.subject_code
WHERE f.table_kind = 'expenditure' AND f.scheme = 'function' AND length(f.subject_code) = 3
GROUP BY ALL;
COMMENT ON VIEW mart.region_class_totals IS 'Expenditure by function class (类) summed over the departments of each region and year. A department report may consolidate its subordinate units: do not add a unit report to its department''s.';

CREATE VIEW mart.year_over_year AS
WITH m AS (
    UNPIVOT (
        SELECT department_id, department, province, city, county, year,
               CAST(income_total AS DECIMAL(20, 2)) AS income_total,
               CAST(expenditure_total AS DECIMAL(20, 2)) AS expenditure_total,
               CAST(basic_expenditure AS DECIMAL(20, 2)) AS basic_expenditure,
               CAST(project_expenditure AS DECIMAL(20, 2)) AS project_expenditure,
               CAST(fiscal_appropriation_income AS DECIMAL(20, 2)) AS fiscal_appropriation_income,
               CAST(personnel_expenditure AS DECIMAL(20, 2)) AS personnel_expenditure,
               CAST(public_expenditure AS DECIMAL(20, 2)) AS public_expenditure,
               CAST(three_public_actual AS DECIMAL(20, 2)) AS three_public_actual,
               CAST(headcount_actual AS DECIMAL(20, 2)) AS headcount_actual,
               CAST(expenditure_per_head AS DECIMAL(20, 2)) AS expenditure_per_head
        FROM mart.department_year
    )
    ON income_total, expenditure_total, basic_expenditure, project_expenditure, fiscal_appropriation_income,
       personnel_expenditure, public_expenditure, three_public_actual, headcount_actual, expenditure_per_head
    INTO NAME metric VALUE value
),
w AS (
    SELECT *,
           lag(year) OVER (PARTITION BY department_id, metric ORDER BY year) AS prev_year,
           lag(value) OVER (PARTITION BY department_id, metric ORDER BY year) AS prev_value
    FROM m
)
SELECT department_id, department, province, city, county, metric, year, value,
       prev_value AS previous_value,
       CAST(value - prev_value AS DECIMAL(20, 2)) AS change,
       CAST(core.div_round2((value - prev_value) * 100, prev_value) AS DECIMAL(20, 2)) AS change_pct
FROM w
WHERE prev_year = year - 1;
COMMENT ON VIEW mart.year_over_year IS 'Change of each headline figure of mart.department_year against the same department''s previous year (consecutive years only).';
COMMENT ON COLUMN mart.year_over_year.metric IS 'Column of mart.department_year compared.';
COMMENT ON COLUMN mart.year_over_year.change_pct IS 'Change in percent of the previous value, to 0.01, exact.';

CREATE VIEW mart.publication AS SELECT * FROM core.publication;
COMMENT ON VIEW mart.publication IS 'Which publication this file is (generation, time, counts).';
