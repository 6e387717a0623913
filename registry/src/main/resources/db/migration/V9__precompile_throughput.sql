-- Precompile throughput (issue 14). Portable SQL (H2 and PostgreSQL). Times are epoch milliseconds (UTC).

-- The verified dependency cache (precompile's DependencyCache): key -> entry, a blob in the precompiled store.
-- Shared by every worker that sees this database and those blobs.
CREATE TABLE precompile_dependency_cache (
    cache_key    CHAR(64)     NOT NULL PRIMARY KEY,
    label        VARCHAR(300) NOT NULL,   -- "syn 2.0.100", for operators
    entry_sha256 CHAR(64)     NOT NULL,
    entry_size   BIGINT       NOT NULL,
    stored_at    BIGINT       NOT NULL
);

-- Build order: jobs consumers asked for (view download, why, API request) first, then by priority
-- (dependent crates x (downloads + 1), set when the version is planned), then the rest.
ALTER TABLE precompile_jobs ADD COLUMN requested_at BIGINT;
ALTER TABLE precompile_jobs ADD COLUMN priority DOUBLE PRECISION NOT NULL DEFAULT 0;
-- What a running job is doing now (its worker's latest step), for the operator.
ALTER TABLE precompile_jobs ADD COLUMN phase VARCHAR(500);
ALTER TABLE precompile_jobs ADD COLUMN phase_at BIGINT;
