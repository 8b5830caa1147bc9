-- “三公”经费: actual against budget per department-year, highest execution rate first.
SELECT
    province,
    city,
    county,
    department,
    year,
    three_public_budget,
    three_public_actual,
    three_public_actual_minus_budget,
    core.div_round2(three_public_actual * 100, three_public_budget) AS actual_pct_of_budget
FROM mart.department_year
WHERE three_public_budget > 0
ORDER BY actual_pct_of_budget DESC, department, year;
