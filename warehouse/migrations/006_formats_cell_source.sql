-- Reports published as workbooks and HTML articles: a cell's provenance there is a sheet and cell address, or
-- an HTML table's position and row/column, instead of a page box; each document records the format it came in.
ALTER TABLE core.facts ADD COLUMN sheet VARCHAR;
ALTER TABLE core.facts ADD COLUMN table_index INTEGER;
ALTER TABLE core.facts ADD COLUMN cell_address VARCHAR;
COMMENT ON COLUMN core.facts.sheet IS 'Worksheet of the cell when the report is a workbook (.xlsx/.xls); NULL otherwise.';
COMMENT ON COLUMN core.facts.table_index IS 'Position (1-based) of the <table> in the page when the report is an HTML article; NULL otherwise.';
COMMENT ON COLUMN core.facts.cell_address IS 'A1 address in the sheet (merged ranges by their top-left cell), or R<row>C<col> in the HTML table; NULL for PDFs.';
ALTER TABLE core.documents ADD COLUMN source_format VARCHAR;
COMMENT ON COLUMN core.documents.source_format IS 'What the file is, from its content: pdf, xlsx, xls or html (NULL when it could not be parsed).';

CREATE OR REPLACE VIEW mart.report_amounts AS
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
    d.has_warnings,
    f.sheet,
    f.table_index,
    f.cell_address,
    d.source_format,
    d.source_url
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
COMMENT ON COLUMN mart.report_amounts.page IS 'Page the cell was printed on (a PDF); for a workbook the sheet''s position, for an HTML page the table''s.';
COMMENT ON COLUMN mart.report_amounts.document_sha256 IS 'The document the cell came from (mart.documents).';
COMMENT ON COLUMN mart.report_amounts.row_label IS 'Row label exactly as printed.';
COMMENT ON COLUMN mart.report_amounts.scheme IS 'function or economic classification of subject_code.';
COMMENT ON COLUMN mart.report_amounts.subject_level IS '类, 款 or 项.';
COMMENT ON COLUMN mart.report_amounts.department_printed IS 'Department name as printed in this report.';
COMMENT ON COLUMN mart.report_amounts.department_id IS 'Stable department key across years.';
COMMENT ON COLUMN mart.report_amounts.has_warnings IS 'The report was published with warning-severity rule failures.';
COMMENT ON COLUMN mart.report_amounts.sheet IS 'Worksheet the cell is on, for a report published as a workbook (.xlsx/.xls); NULL otherwise.';
COMMENT ON COLUMN mart.report_amounts.table_index IS 'Position (1-based) of the <table> in the page, for a report published as an HTML article; NULL otherwise.';
COMMENT ON COLUMN mart.report_amounts.cell_address IS 'Where the cell is: A1 address in its sheet (a merged range by its top-left cell), or R<row>C<col> in its HTML table; NULL for PDFs (page and bbox instead).';
COMMENT ON COLUMN mart.report_amounts.source_format IS 'What the report was published as: pdf, xlsx, xls or html.';
COMMENT ON COLUMN mart.report_amounts.source_url IS 'URL the document was fetched from (the HTML page itself for an inline report); NULL for files ingested from a folder.';
