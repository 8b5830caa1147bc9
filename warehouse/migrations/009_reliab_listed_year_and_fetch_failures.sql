-- Two kinds of trouble an operator must see in mart.documents, where every other outcome already is:
--
-- 1. A report of another year than its listing says (the portal lists 2023, the file is the 2022 report): the
--    document's own year (cover, title) wins; the year the listing stated is kept in core.documents.listed_year and
--    the disagreement is spelled out in mart.documents.note. Such a document never replaces the report its
--    listing agrees with (see warehouse.store.Warehouse._supersede).
-- 2. A URL that never yielded a document (HTTP 404, a redirect loop, a host outside the source, a body over the
--    size cap, robots.txt…): one row per failure of the latest crawl, status failed, failure_code fetch_<stage>,
--    failure_reason the crawler's reason, document_sha256 NULL (there are no bytes to name it by).
ALTER TABLE core.documents ADD COLUMN listed_year INTEGER;
COMMENT ON COLUMN core.documents.listed_year IS 'The year the source''s listing or article page stated for this file (NULL when it stated none, or the file came from a folder). The document''s own year (core.documents.year) is what the warehouse uses.';

CREATE OR REPLACE VIEW mart.documents AS
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
    d.parser_version,
    d.listed_year,
    CASE
        WHEN d.listed_year IS NOT NULL AND d.year IS NOT NULL AND d.listed_year <> d.year
        THEN 'listed_year_mismatch: the source lists it as ' || d.listed_year || ', the document itself says '
             || d.year || ' (kept as ' || d.year || '; it does not replace the ' || d.listed_year || ' report)'
    END AS note,
    NULL::VARCHAR AS fetch_stage
FROM core.documents AS d
LEFT JOIN core.departments AS dep ON dep.department_id = d.department_id
LEFT JOIN core.regions AS r ON r.region_id = d.region_id
UNION ALL
SELECT
    NULL::VARCHAR AS document_sha256,
    NULL::VARCHAR AS department,
    NULL::VARCHAR AS province,
    NULL::VARCHAR AS city,
    NULL::VARCHAR AS county,
    NULL::INTEGER AS year,
    'failed' AS status,
    []::VARCHAR[] AS failing_rule_ids,
    f.url AS source,
    NULL::INTEGER AS page_count,
    []::VARCHAR[] AS warning_rule_ids,
    false AS has_warnings,
    'fetch_' || f.stage AS failure_code,
    f.reason AS failure_reason,
    NULL::VARCHAR AS superseded_by,
    true AS is_current,
    NULL::VARCHAR AS department_printed,
    NULL::VARCHAR AS department_id,
    f.url AS source_url,
    NULL::VARCHAR AS raw_path,
    f.crawled_at AS fetched_at,
    NULL::TIMESTAMP AS loaded_at,
    NULL::VARCHAR AS producer,
    NULL::VARCHAR AS parser_version,
    NULL::INTEGER AS listed_year,
    'not fetched by source ' || f.source_id || coalesce(' (linked from ' || f.referrer || ')', '') AS note,
    f.stage AS fetch_stage
FROM core.crawl_failures AS f;
COMMENT ON VIEW mart.documents IS 'Every document ingested with its outcome (published, quarantined with the failing rule ids, failed with the reason), and every URL the latest crawl could not fetch or keep (status failed, failure_code fetch_<stage>, document_sha256 NULL). Count documents with WHERE document_sha256 IS NOT NULL.';
COMMENT ON COLUMN mart.documents.document_sha256 IS 'sha256 of the file; NULL for a URL that yielded no file (fetch_stage says where the crawl failed).';
COMMENT ON COLUMN mart.documents.status IS 'published, quarantined or failed.';
COMMENT ON COLUMN mart.documents.failing_rule_ids IS 'Error-severity rules that failed: why the document is quarantined.';
COMMENT ON COLUMN mart.documents.warning_rule_ids IS 'Warning-severity rules that failed; the document is still published.';
COMMENT ON COLUMN mart.documents.failure_code IS 'Machine key of the outcome: the parser''s refusal (not_pdf, encrypted, parse_timeout…), rule_failure, unverifiable, check_error; fetch_attachment, fetch_detail, fetch_listing, fetch_robots, fetch_api, fetch_folder or fetch_limit for a URL that yielded no file.';
COMMENT ON COLUMN mart.documents.failure_reason IS 'Why the document failed to parse, was quarantined or could not be fetched, in one line.';
COMMENT ON COLUMN mart.documents.is_current IS 'False for an older version replaced by a newer file for the same department-year or source.';
COMMENT ON COLUMN mart.documents.listed_year IS 'The year the source''s listing stated for the file; year is the document''s own.';
COMMENT ON COLUMN mart.documents.note IS 'What else an operator should know: a listing year the document contradicts (listed_year_mismatch), or for a URL that yielded no file, the source and the page that linked it.';
COMMENT ON COLUMN mart.documents.fetch_stage IS 'NULL for a document; for a URL that yielded no file, where the crawl failed: robots, listing, detail, attachment, api, folder or limit.';
