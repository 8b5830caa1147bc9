-- Dimensions of the star schema. Keys are text built from the data itself (region path, department name key,
-- subject code), so the same report loaded into two warehouses gets the same keys.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE core.regions (
    region_id VARCHAR PRIMARY KEY,
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    adcode VARCHAR
);
COMMENT ON TABLE core.regions IS 'Administrative regions as a province / city / county hierarchy (中央 for central departments).';
COMMENT ON COLUMN core.regions.region_id IS 'Key: province|city|county with empty parts for levels that do not apply.';
COMMENT ON COLUMN core.regions.province IS 'Province-level name (省/自治区/直辖市), or 中央 for central departments.';
COMMENT ON COLUMN core.regions.city IS 'Prefecture-level name (市/州/盟), NULL for provincial and central departments.';
COMMENT ON COLUMN core.regions.county IS 'County-level name (县/区/县级市), NULL above county level.';
COMMENT ON COLUMN core.regions.adcode IS 'Administrative division code of the most specific level, where known.';

CREATE TABLE core.departments (
    department_id VARCHAR PRIMARY KEY,
    region_id VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,
    display_name VARCHAR
);
COMMENT ON TABLE core.departments IS 'Departments with an identity that is stable across years within their region.';
COMMENT ON COLUMN core.departments.department_id IS 'Key: hash of region_id and name_key; the same department in another year gets the same id.';
COMMENT ON COLUMN core.departments.region_id IS 'The region the department belongs to (core.regions).';
COMMENT ON COLUMN core.departments.name_key IS 'Normalised name: region prefix, spaces and bracket width differences removed (aliases applied).';
COMMENT ON COLUMN core.departments.display_name IS 'The name printed in the most recent year loaded.';

CREATE TABLE core.department_aliases (
    region_id VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,
    canonical_name_key VARCHAR NOT NULL,
    PRIMARY KEY (region_id, name_key)
);
COMMENT ON TABLE core.department_aliases IS 'Curated renames (e.g. 卫生和计划生育委员会 → 卫生健康委员会) so a renamed department keeps one identity.';
COMMENT ON COLUMN core.department_aliases.name_key IS 'Normalised old name as it would be derived from a report.';
COMMENT ON COLUMN core.department_aliases.canonical_name_key IS 'Normalised name whose identity the old name joins.';

CREATE TABLE core.department_names (
    department_id VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    printed_name VARCHAR NOT NULL,
    PRIMARY KEY (department_id, year, printed_name)
);
COMMENT ON TABLE core.department_names IS 'Department names exactly as printed, per year (derived from current documents).';

CREATE TABLE core.years (
    year INTEGER PRIMARY KEY
);
COMMENT ON TABLE core.years IS 'Report years (年度) present in the warehouse.';

CREATE TABLE core.subjects (
    scheme VARCHAR NOT NULL CHECK (scheme IN ('function', 'economic')),
    code VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    parent_code VARCHAR,
    class_code VARCHAR NOT NULL,
    display_name VARCHAR,
    PRIMARY KEY (scheme, code)
);
COMMENT ON TABLE core.subjects IS 'Subject codes: function classification (支出功能分类, 3/5/7 digits) and economic classification (部门支出经济分类, 3/5 digits).';
COMMENT ON COLUMN core.subjects.scheme IS 'function (支出功能分类) or economic (部门支出经济分类).';
COMMENT ON COLUMN core.subjects.code IS 'The code: 3 digits 类, 5 digits 款, 7 digits 项. The code is the key; names vary by year.';
COMMENT ON COLUMN core.subjects.level IS '类, 款 or 项.';
COMMENT ON COLUMN core.subjects.parent_code IS 'The 类 of a 款, the 款 of a 项; NULL for a 类.';
COMMENT ON COLUMN core.subjects.class_code IS 'The 3-digit 类 the code belongs to.';
COMMENT ON COLUMN core.subjects.display_name IS 'Name chosen for display: the most frequent printed name of the latest year it was printed.';

CREATE TABLE core.subject_names (
    scheme VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    printed_name VARCHAR NOT NULL,
    occurrences INTEGER NOT NULL,
    PRIMARY KEY (scheme, code, year, printed_name)
);
COMMENT ON TABLE core.subject_names IS 'Every name printed for a subject code in a year (e.g. 210 医疗卫生与计划生育支出 → 卫生健康支出), with how many cells carried it.';

CREATE TABLE core.table_kinds (
    table_kind VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    scheme VARCHAR
);
COMMENT ON TABLE core.table_kinds IS 'The public tables of a final account (DOMAIN.md section 2) with their canonical Chinese titles.';
COMMENT ON COLUMN core.table_kinds.scheme IS 'The classification of the coded rows of this table (function or economic).';

CREATE TABLE core.measures (
    table_kind VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (table_kind, measure)
);
COMMENT ON TABLE core.measures IS 'Measure keys (columns) of each table kind with their Chinese labels.';

CREATE TABLE core.line_items (
    line_item VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL
);
COMMENT ON TABLE core.line_items IS 'Keys of uncoded rows (summary lines, totals, footers) with their Chinese labels.';
