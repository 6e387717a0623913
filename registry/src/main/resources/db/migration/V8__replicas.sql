-- State every `serve` replica must share (they run behind one load balancer on one database). Portable SQL (H2 and PostgreSQL).

-- Failed sign-ins per throttle key (the login, or "token", with the client address; stored as its sha256), so that a
-- guesser gets the same backoff whichever replica the balancer sends each try to. Rows older than the throttle's
-- forget time are deleted as new failures come in.
CREATE TABLE web_login_failures (
    key_hash        CHAR(64) NOT NULL PRIMARY KEY,
    failures        INT      NOT NULL,
    last_failure_at BIGINT   NOT NULL
);

-- The index's change history: one row per publish, yank or unyank, numbered without gaps in commit order (a change
-- takes the next number from index_change_counter inside its own transaction, whose row lock orders the commits).
-- Planners on every replica poll the newest number to wake on changes made anywhere, and every replica derives the
-- same git index commits from these rows: the version's index line and yanked state after the change, who made it
-- and when.
CREATE TABLE index_changes (
    seq        BIGINT           NOT NULL PRIMARY KEY,
    kind       VARCHAR(16)      NOT NULL,   -- PUBLISHED, YANKED, UNYANKED
    crate_name VARCHAR(64)      NOT NULL,
    num        VARCHAR(128)     NOT NULL,
    index_line VARCHAR(1000000) NOT NULL,   -- as versions.index_line (yanked false)
    yanked     BOOLEAN          NOT NULL,
    actor      VARCHAR(64)      NOT NULL,
    changed_at BIGINT           NOT NULL
);

CREATE TABLE index_change_counter (
    id       INT    NOT NULL PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

-- The versions published before this migration become the first changes, in publication order, as they read now.
INSERT INTO index_changes (seq, kind, crate_name, num, index_line, yanked, actor, changed_at)
SELECT ROW_NUMBER() OVER (ORDER BY v.id), 'PUBLISHED', c.name, v.num, v.index_line, v.yanked,
       COALESCE(u.login, 'sandcrate'), v.created_at
FROM versions v JOIN crates c ON c.id = v.crate_id LEFT JOIN users u ON u.id = v.published_by;

INSERT INTO index_change_counter (id, last_seq) SELECT 1, COUNT(*) FROM versions;
