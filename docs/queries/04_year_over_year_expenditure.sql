-- Departments whose total expenditure changed most against the previous year.
SELECT
    province,
    city,
    county,
    department,
    year,
    previous_value AS previous_expenditure,
    value AS expenditure,
    change,
    change_pct
FROM mart.year_over_year
WHERE metric = 'expenditure_total'
ORDER BY abs(change_pct) DESC NULLS LAST, department
LIMIT 20;
