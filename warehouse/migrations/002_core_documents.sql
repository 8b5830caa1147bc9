-- Documents (one per raw file, keyed by sha256) and the per-document facts: cells, headcount, narrative,
-- rule results and parse problems.

CREATE TABLE core.documents (
    document_sha256 VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    source_url VARCHAR,
    raw_path VARCHAR,
    byte_size BIGINT,
    fetched_at TIMESTAMP,
    loaded_at TIMESTAMP NOT NULL,
    page_count INTEGER,
    producer VARCHAR,
    creator VARCHAR,
    parser_version VARCHAR,
    report_kind VARCHAR,
    department_id VARCHAR,
    department_name VARCHAR,
    region_id VARCHAR,
    region_hint VARCHAR,
    year INTEGER,
    status VARCHAR NOT NULL CHECK (status IN ('published', 'quarantined', 'failed')),
    failure_code VARCHAR,
    failure_reason VARCHAR,
    failing_rule_ids VARCHAR[] NOT NULL,
    warning_rule_ids VARCHAR[] NOT NULL,
    has_warnings BOOLEAN NOT NULL,
    superseded_by VARCHAR
);
COMMENT ON TABLE core.documents IS 'Every file ingested, keyed by the sha256 of its bytes, with its outcome. Loading the same bytes twice changes nothing.';
COMMENT ON COLUMN core.documents.document_sha256 IS 'sha256 of the raw file (hex).';
COMMENT ON COLUMN core.documents.source IS 'Where the file came from: URL, or the path it was ingested from.';
COMMENT ON COLUMN core.documents.source_url IS 'The URL when the file was crawled.';
COMMENT ON COLUMN core.documents.raw_path IS 'Where the immutable raw copy is kept (used to re-derive the document after a parser upgrade).';
COMMENT ON COLUMN core.documents.fetched_at IS 'When the file was fetched (or its modification time when ingested from a folder).';
COMMENT ON COLUMN core.documents.loaded_at IS 'When this version of the document was (re-)derived into the warehouse.';
COMMENT ON COLUMN core.documents.page_count IS 'Pages in the file.';
COMMENT ON COLUMN core.documents.producer IS 'PDF producer (WPS, ONLYOFFICE, Excel…).';
COMMENT ON COLUMN core.documents.parser_version IS 'Version of the parser that derived the facts (juesuan.parsing.PARSER_VERSION).';
COMMENT ON COLUMN core.documents.department_name IS 'Department name as printed in this document.';
COMMENT ON COLUMN core.documents.region_hint IS 'Region given by the operator (--region) or the source configuration, as province|city|county; NULL when the region was read from the document.';
COMMENT ON COLUMN core.documents.status IS 'published: passed every error-severity rule; quarantined: an error-severity rule failed (kept, never in mart amounts); failed: could not be parsed.';
COMMENT ON COLUMN core.documents.failure_code IS 'Machine key of the outcome that kept the document out of mart (the parser''s refusal code such as not_pdf or budget; parser_crash; rule_failure; unverifiable; check_error).';
COMMENT ON COLUMN core.documents.failure_reason IS 'One line a person can act on: why the document failed or was quarantined.';
COMMENT ON COLUMN core.documents.failing_rule_ids IS 'Error-severity rules that failed (quarantine reasons).';
COMMENT ON COLUMN core.documents.warning_rule_ids IS 'Warning-severity rules that failed (published with a flag).';
COMMENT ON COLUMN core.documents.has_warnings IS 'True when a warning-severity rule failed.';
COMMENT ON COLUMN core.documents.superseded_by IS 'sha256 of the newer version of the same department-year (or same source) that replaced this one; NULL for the current version.';

CREATE TABLE core.document_sources (
    document_sha256 VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    PRIMARY KEY (document_sha256, source)
);
COMMENT ON TABLE core.document_sources IS 'Every place the same bytes were seen (one document may be found at several paths or URLs).';

CREATE TABLE core.document_tables (
    document_sha256 VARCHAR NOT NULL,
    table_kind VARCHAR NOT NULL,
    title VARCHAR,
    unit VARCHAR,
    status VARCHAR NOT NULL,
    pages INTEGER[],
    note VARCHAR,
    row_count INTEGER NOT NULL,
    repeated_row_count INTEGER NOT NULL,
    PRIMARY KEY (document_sha256, table_kind)
);
COMMENT ON TABLE core.document_tables IS 'The public tables found in each document with their status (parsed, empty, absent, parse_error), unit and pages.';
COMMENT ON COLUMN core.document_tables.note IS 'Note printed in an empty table (e.g. 本单位无政府性基金预算财政拨款收入…故本表无数据).';
COMMENT ON COLUMN core.document_tables.repeated_row_count IS 'Rows printed twice (e.g. repeated at a page break), dropped and never summed.';

CREATE TABLE core.facts (
    document_sha256 VARCHAR NOT NULL,
    table_kind VARCHAR NOT NULL,
    row_no INTEGER NOT NULL,
    measure VARCHAR NOT NULL,
    department_id VARCHAR,
    year INTEGER,
    scheme VARCHAR,
    subject_code VARCHAR,
    line_item VARCHAR,
    row_label VARCHAR NOT NULL,
    amount_yuan DECIMAL(20, 2) NOT NULL,
    published_value DECIMAL(20, 4) NOT NULL,
    published_text VARCHAR,
    unit VARCHAR NOT NULL,
    page INTEGER,
    bbox DOUBLE[],
    PRIMARY KEY (document_sha256, table_kind, row_no, measure)
);
COMMENT ON TABLE core.facts IS 'One row per printed numeric cell of a public table (printed zeros included, blank cells not).';
COMMENT ON COLUMN core.facts.row_no IS 'Position of the row in its table (0-based), part of the cell key.';
COMMENT ON COLUMN core.facts.scheme IS 'Classification of subject_code: function or economic.';
COMMENT ON COLUMN core.facts.subject_code IS 'Function or economic code of the row; NULL for uncoded rows.';
COMMENT ON COLUMN core.facts.line_item IS 'Key of an uncoded row (income.total, personnel_total, …); NULL for coded rows.';
COMMENT ON COLUMN core.facts.row_label IS 'The row label exactly as printed.';
COMMENT ON COLUMN core.facts.amount_yuan IS 'The amount in yuan, exact (DECIMAL, never float).';
COMMENT ON COLUMN core.facts.published_value IS 'The value as printed, in the table unit.';
COMMENT ON COLUMN core.facts.published_text IS 'The cell text as printed (thousands separators kept).';
COMMENT ON COLUMN core.facts.unit IS 'Unit printed above the table: 万元 or 元.';
COMMENT ON COLUMN core.facts.page IS 'Page (1-based) the cell was printed on.';
COMMENT ON COLUMN core.facts.bbox IS 'Bounding box of the cell on its page (x0, top, x1, bottom, PDF points).';

CREATE TABLE core.headcount (
    document_sha256 VARCHAR PRIMARY KEY,
    department_id VARCHAR,
    year INTEGER,
    authorized INTEGER,
    actual INTEGER
);
COMMENT ON TABLE core.headcount IS 'Headcount per department-year as stated in the 概况 (编制人数 authorized, 实有人数 actual).';

CREATE TABLE core.narrative_facts (
    document_sha256 VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    value DECIMAL(20, 4) NOT NULL,
    text VARCHAR,
    label VARCHAR,
    unit VARCHAR,
    sentence VARCHAR,
    page INTEGER,
    PRIMARY KEY (document_sha256, seq)
);
COMMENT ON TABLE core.narrative_facts IS 'Amounts, percentages and counts restated in the prose (情况说明, self-assessment), with their sentence.';

CREATE TABLE core.rule_results (
    document_sha256 VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    rule_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    table_kind VARCHAR,
    subject_code VARCHAR,
    line_item VARCHAR,
    measure VARCHAR,
    expected DECIMAL(24, 4),
    actual DECIMAL(24, 4),
    difference DECIMAL(24, 4),
    tolerance DECIMAL(24, 4),
    within_rounding BOOLEAN NOT NULL,
    message VARCHAR,
    PRIMARY KEY (document_sha256, seq)
);
COMMENT ON TABLE core.rule_results IS 'Outcome of every rule at every location of every document (pass, fail, not_applicable, insufficient_data, parse_error, execution_error).';
COMMENT ON COLUMN core.rule_results.within_rounding IS 'Passed only thanks to the rounding envelope (a rounding note).';

CREATE TABLE core.parse_problems (
    document_sha256 VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    code VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    table_kind VARCHAR,
    page INTEGER,
    message VARCHAR NOT NULL,
    PRIMARY KEY (document_sha256, seq)
);
COMMENT ON TABLE core.parse_problems IS 'What the parser found wrong while reading a document (repeated rows, unknown headers, pages without text…).';

CREATE TABLE core.publication (
    generation INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    schema_version INTEGER NOT NULL,
    document_count INTEGER NOT NULL,
    amount_count BIGINT NOT NULL
);
COMMENT ON TABLE core.publication IS 'One row in a published file: which publication it is. Empty in staging.';
COMMENT ON COLUMN core.publication.generation IS 'Increases by one with every publish.';
