-- Web UI: passwords for signing in to the browser UI, and browser sessions. Portable SQL (H2 and PostgreSQL).

-- One password per user, set by the operator (`sandcrate passwd`) or by the user on the account page.
-- hash is "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>".
CREATE TABLE user_passwords (
    user_id    BIGINT       NOT NULL PRIMARY KEY REFERENCES users (id),
    hash       VARCHAR(256) NOT NULL,
    updated_at BIGINT       NOT NULL
);

-- Browser sessions: only the sha256 of the cookie value is stored. A session opened with an API token
-- (via_token_id) is limited to that token's scopes and crates and ends when the token is revoked or expires.
CREATE TABLE web_sessions (
    id_hash      CHAR(64)     NOT NULL PRIMARY KEY,
    user_id      BIGINT       NOT NULL REFERENCES users (id),
    csrf_token   VARCHAR(64)  NOT NULL,
    via_token_id BIGINT       REFERENCES api_tokens (id),
    created_at   BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL
);

CREATE INDEX web_sessions_user ON web_sessions (user_id);
