-- The precompiled view (issue 4): one shim .crate per precompiled version, generated once and never changed, since
-- consumers' Cargo.lock files pin its checksum. The bytes live in data/precompiled/shims/ (content-addressed by cksum).
CREATE TABLE precompiled_shims (
    version_id   BIGINT        NOT NULL PRIMARY KEY REFERENCES versions (id),
    crate_name   VARCHAR(64)   NOT NULL,
    num          VARCHAR(128)  NOT NULL,
    cksum        CHAR(64)      NOT NULL,   -- sha256 of the shim .crate = its blob key
    size         BIGINT        NOT NULL,
    feature_sets VARCHAR(4096) NOT NULL,   -- the feature-set keys embedded, comma-separated (e.g. default,default+std)
    artifacts    VARCHAR(4096) NOT NULL,   -- the wasm sha256s embedded, comma-separated, same order
    created_at   BIGINT        NOT NULL
);
