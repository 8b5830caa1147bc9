-- Personnel (人员经费) vs public (公用经费) funding of basic expenditure, per department-year,
-- with the personnel share and the personnel cost per head.
SELECT
    province,
    city,
    county,
    department,
    year,
    personnel_expenditure,
    public_expenditure,
    core.div_round2(personnel_expenditure * 100, personnel_expenditure + public_expenditure) AS personnel_pct,
    headcount_actual,
    personnel_expenditure_per_head
FROM mart.department_year
WHERE personnel_expenditure IS NOT NULL
ORDER BY personnel_pct DESC, department, year;
