-- The rule catalogue each document was checked against, so a catalogue change re-checks exactly the documents
-- judged by an older one (`juesuan recheck`, the Dagster catalogue sensor). NULL for failed documents (no rules ran)
-- and for documents staged before this column existed (they are re-checked once).
ALTER TABLE core.documents ADD COLUMN catalogue_version VARCHAR;
COMMENT ON COLUMN core.documents.catalogue_version IS 'expectations.catalogue_version() (hash of the rule files) the rule results were computed with; NULL when no rules ran (failed documents).';
