-- Why an admin allowed or denied a crate or version (issue 13): for instance the call-site evidence that a macro's
-- shim expands differently from the native macro or fails where it succeeds. Shown with the entry (admin API and
-- page) and as the reason a denied version is served from source (precompile report, sandcrate-runtime why).
ALTER TABLE precompile_policy ADD COLUMN reason VARCHAR(2000);
