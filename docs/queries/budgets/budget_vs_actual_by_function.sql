-- Plan vs spend: 一般公共预算 budget against actual per department, year and function class (类), lowest execution first.
SELECT
    department,
    year,
    subject_code,
    subject_name,
    budget_yuan,
    actual_yuan,
    difference_yuan,
    execution_rate_pct
FROM mart.budget_vs_actual
WHERE budget_source = 'budget'
  AND table_kind = 'general_budget'
  AND measure = 'total'
  AND subject_level = '类'
ORDER BY execution_rate_pct NULLS LAST, department, year, subject_code;
