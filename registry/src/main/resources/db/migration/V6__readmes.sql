-- Readmes rendered once per version (at publish or import, or at the first view of a version published before this
-- table existed), never on a page view. A render that failed or ran out of its budget is stored too: html is then
-- the readme as escaped plain text and failure says why. path is null when the version has no readme.
CREATE TABLE readmes (
    version_id  BIGINT        NOT NULL PRIMARY KEY REFERENCES versions (id),
    path        VARCHAR(512),
    html        TEXT,
    failure     VARCHAR(1024),
    rendered_at BIGINT        NOT NULL
);
