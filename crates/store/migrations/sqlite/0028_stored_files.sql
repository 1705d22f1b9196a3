-- Files kept in the database (messages' originals, attachments, letters,
-- logos), for installations whose app servers share one PostgreSQL
-- database: every server reads the same files, they are written in the
-- same transaction as the records that name them, and one pg_dump holds
-- them. Addressed by the SHA-256 of their content, as in the folder.
CREATE TABLE stored_files (
    key        TEXT PRIMARY KEY,        -- SHA-256 of the content, hex
    size       INTEGER NOT NULL,
    stored_at  INTEGER NOT NULL
);

-- The content in pieces of at most 1 MiB, so that no value is too large
-- to read or write in one go.
CREATE TABLE stored_file_chunks (
    key   TEXT NOT NULL REFERENCES stored_files(key),
    seq   INTEGER NOT NULL,
    data  BLOB NOT NULL,
    PRIMARY KEY (key, seq)
);

-- Each backup made with `casework backup`, so that the status page can say
-- when the last one was made (and that one is due).
CREATE TABLE backups (
    id         INTEGER PRIMARY KEY,
    made_at    INTEGER NOT NULL,
    database   TEXT NOT NULL,      -- sqlite or postgres
    files      INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    damaged    INTEGER NOT NULL      -- files left out as damaged
);
