-- Per-head basic expenditure of every 教育局 in a province, by year.
-- 基本支出 (expenditure table 合计) divided by 实有人数, exact to the cent.
SELECT
    city,
    county,
    department,
    year,
    basic_expenditure,
    headcount_actual,
    basic_expenditure_per_head
FROM mart.department_year
WHERE province = '上海市'
  AND department LIKE '%教育局'
ORDER BY city, county, department, year;
