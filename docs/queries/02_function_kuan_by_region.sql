-- Expenditure by function 款 for each region and year, summed over departments.
-- mart.expenditure_by_function holds leaf rows only, so grouping at any level never double counts.
SELECT
    province,
    city,
    county,
    year,
    class_code,
    class_name,
    kuan_code,
    kuan_name,
    count(DISTINCT department_id) AS departments,
    sum(total) AS total_yuan,
    sum(basic) AS basic_yuan,
    sum(project) AS project_yuan
FROM mart.expenditure_by_function
WHERE kuan_code IS NOT NULL
GROUP BY ALL
ORDER BY province, city, county, year, total_yuan DESC;
