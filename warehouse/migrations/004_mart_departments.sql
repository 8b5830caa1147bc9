-- The department dimension for analysts: one row per stable department identity, with every name it printed.
CREATE VIEW mart.departments AS
SELECT
    dep.department_id,
    dep.display_name AS department,
    r.province,
    r.city,
    r.county,
    r.adcode,
    list(DISTINCT n.year ORDER BY n.year) FILTER (WHERE n.year IS NOT NULL) AS years,
    list(DISTINCT n.printed_name ORDER BY n.printed_name) FILTER (WHERE n.printed_name IS NOT NULL) AS printed_names
FROM core.departments AS dep
JOIN core.regions AS r USING (region_id)
LEFT JOIN core.department_names AS n USING (department_id)
GROUP BY ALL;
COMMENT ON VIEW mart.departments IS 'Every department identity (stable across years within its region) with the years it reported and every name it printed.';
COMMENT ON COLUMN mart.departments.years IS 'Years with a current (not superseded) readable report.';
COMMENT ON COLUMN mart.departments.printed_names IS 'Every name printed on those reports (prefix and bracket variants included).';
