-- What the last crawl could not fetch or keep, with its reason: the network faults of a night (a 404, a body cut
-- short, a timeout, a host outside the source) have no document to hang on, so they get their own table.
CREATE TABLE core.crawl_failures (
    source_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    referrer VARCHAR,
    crawled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, url, stage)
);
COMMENT ON TABLE core.crawl_failures IS 'The failures of the latest crawl loaded into the warehouse: one row per URL that could not be fetched or kept.';
COMMENT ON COLUMN core.crawl_failures.source_id IS 'The source (sources.yaml id) whose crawl failed on this URL.';
COMMENT ON COLUMN core.crawl_failures.url IS 'The URL (credentials redacted), or the folder path for a folder source.';
COMMENT ON COLUMN core.crawl_failures.stage IS 'robots, listing, detail, attachment, api, folder or limit.';
COMMENT ON COLUMN core.crawl_failures.reason IS 'Why, in one line (HTTP 404; truncated: received 1049 of 2098 bytes; timeout …).';
COMMENT ON COLUMN core.crawl_failures.referrer IS 'The page that linked to the URL.';
COMMENT ON COLUMN core.crawl_failures.crawled_at IS 'When that crawl started (UTC).';

CREATE VIEW mart.crawl_failures AS
SELECT source_id, url, stage, reason, referrer, crawled_at
FROM core.crawl_failures;
COMMENT ON VIEW mart.crawl_failures IS 'What the latest crawl could not fetch or keep, and why (the failures that have no document in mart.documents).';
COMMENT ON COLUMN mart.crawl_failures.source_id IS 'The source (sources.yaml id) whose crawl failed on this URL.';
COMMENT ON COLUMN mart.crawl_failures.url IS 'The URL (credentials redacted), or the folder path for a folder source.';
COMMENT ON COLUMN mart.crawl_failures.stage IS 'robots, listing, detail, attachment, api, folder or limit.';
COMMENT ON COLUMN mart.crawl_failures.reason IS 'Why, in one line (HTTP 404; truncated: received 1049 of 2098 bytes; timeout …).';
COMMENT ON COLUMN mart.crawl_failures.referrer IS 'The page that linked to the URL.';
COMMENT ON COLUMN mart.crawl_failures.crawled_at IS 'When that crawl started (UTC).';
