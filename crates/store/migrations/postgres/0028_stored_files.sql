-- Files kept in the database (messages' originals, attachments, letters,
-- logos), for installations whose app servers share one PostgreSQL
-- database: every server reads the same files, they are written in the
-- same transaction as the records that name them, and one pg_dump holds
-- them. Addressed by the SHA-256 of their content, as in the folder.
CREATE TABLE stored_files (
    key        TEXT PRIMARY KEY,        -- SHA-256 of the content, hex
    size       BIGINT NOT NULL,
    stored_at  BIGINT NOT NULL
);

-- The content in pieces of at most 1 MiB, so that no value is too large
-- to read or write in one go.
CREATE TABLE stored_file_chunks (
    key   TEXT NOT NULL REFERENCES stored_files(key),
    seq   INTEGER NOT NULL,
    data  BYTEA NOT NULL,
    PRIMARY KEY (key, seq)
);

-- A restore (pg_restore) computes the search columns with an empty
-- search_path: casework_doc names casework_words by its schema, so that
-- it is found there too. (Still a plain SQL function, inlined as before.)
DO $$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION casework_doc(t text) RETURNS tsvector '
        'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS '
        '$f$ SELECT to_tsvector(''simple''::regconfig, %I.casework_words(t)) $f$',
        current_schema());
END
$$;
