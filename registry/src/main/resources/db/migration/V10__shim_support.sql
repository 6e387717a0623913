-- The shims' support crate (issue 11): since this migration every shim depends on one crate, sandcrate-shim, that holds
-- the code all shims share, so a consumer's build compiles it once instead of once per shim. The precompiled view
-- serves each version it ever put into a shim, as stored then (a version names its contents; lockfiles pin its
-- checksum). The bytes live beside the shims in data/precompiled/shims/ (content-addressed by cksum).
CREATE TABLE precompiled_shim_support (
    num        VARCHAR(128) NOT NULL PRIMARY KEY,
    cksum      CHAR(64)     NOT NULL,   -- sha256 of the .crate = its blob key
    size       BIGINT       NOT NULL,
    created_at BIGINT       NOT NULL
);
