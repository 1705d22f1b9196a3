-- Full-text search over cases, correspondence, the text of attachments and
-- notes (issue 16). Each index is an FTS5 table without its
-- own copy of the text (contentless, rows deletable), its rowid the indexed
-- row's id, kept by the triggers below in the transaction of every change.
-- Words are lower-cased and lose their accents (remove_diacritics 2), as
-- PostgreSQL's casework_words does and as Rust's search::fold reads a query.
-- At most the first 100,000 characters of a body are indexed.

ALTER TABLE attachments ADD COLUMN text TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE case_fts USING fts5(
    reference, title, summary,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO case_fts (rowid, reference, title, summary)
SELECT id, reference, title, summary FROM cases;
CREATE TRIGGER case_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_fts (rowid, reference, title, summary)
    VALUES (NEW.id, NEW.reference, NEW.title, NEW.summary);
END;
CREATE TRIGGER case_fts_update AFTER UPDATE OF reference, title, summary ON cases BEGIN
    DELETE FROM case_fts WHERE rowid = OLD.id;
    INSERT INTO case_fts (rowid, reference, title, summary)
    VALUES (NEW.id, NEW.reference, NEW.title, NEW.summary);
END;
CREATE TRIGGER case_fts_delete AFTER DELETE ON cases BEGIN
    DELETE FROM case_fts WHERE rowid = OLD.id;
END;

CREATE VIRTUAL TABLE correspondence_fts USING fts5(
    subject, people, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO correspondence_fts (rowid, subject, people, body)
SELECT id, subject, from_name || ' ' || from_address || ' ' || to_addresses, substr(body_text, 1, 100000)
FROM correspondence;
CREATE TRIGGER correspondence_fts_insert AFTER INSERT ON correspondence BEGIN
    INSERT INTO correspondence_fts (rowid, subject, people, body)
    VALUES (NEW.id, NEW.subject, NEW.from_name || ' ' || NEW.from_address || ' ' || NEW.to_addresses,
            substr(NEW.body_text, 1, 100000));
END;
CREATE TRIGGER correspondence_fts_update
AFTER UPDATE OF subject, from_name, from_address, to_addresses, body_text ON correspondence BEGIN
    DELETE FROM correspondence_fts WHERE rowid = OLD.id;
    INSERT INTO correspondence_fts (rowid, subject, people, body)
    VALUES (NEW.id, NEW.subject, NEW.from_name || ' ' || NEW.from_address || ' ' || NEW.to_addresses,
            substr(NEW.body_text, 1, 100000));
END;
CREATE TRIGGER correspondence_fts_delete AFTER DELETE ON correspondence BEGIN
    DELETE FROM correspondence_fts WHERE rowid = OLD.id;
END;

CREATE VIRTUAL TABLE attachment_fts USING fts5(
    filename, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER attachment_fts_insert AFTER INSERT ON attachments BEGIN
    INSERT INTO attachment_fts (rowid, filename, body)
    VALUES (NEW.id, NEW.filename, substr(NEW.text, 1, 100000));
END;
CREATE TRIGGER attachment_fts_update AFTER UPDATE OF filename, text ON attachments BEGIN
    DELETE FROM attachment_fts WHERE rowid = OLD.id;
    INSERT INTO attachment_fts (rowid, filename, body)
    VALUES (NEW.id, NEW.filename, substr(NEW.text, 1, 100000));
END;
CREATE TRIGGER attachment_fts_delete AFTER DELETE ON attachments BEGIN
    DELETE FROM attachment_fts WHERE rowid = OLD.id;
END;
INSERT INTO attachment_fts (rowid, filename, body) SELECT id, filename, '' FROM attachments;

-- Notes, calls, meetings and visits written on a case or on a person's own
-- record (files kept with one are correspondence, indexed above). The
-- timeline is append-only, so only new entries need indexing.
CREATE VIRTUAL TABLE note_fts USING fts5(
    body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO note_fts (rowid, body)
SELECT id, substr(body, 1, 100000) FROM timeline WHERE kind IN ('note', 'call', 'meeting', 'visit');
CREATE TRIGGER note_fts_insert AFTER INSERT ON timeline
WHEN NEW.kind IN ('note', 'call', 'meeting', 'visit') BEGIN
    INSERT INTO note_fts (rowid, body) VALUES (NEW.id, substr(NEW.body, 1, 100000));
END;

-- Which version of the constituents' search terms is stored; the store
-- rebuilds them (in Rust, where they are made) when its own is newer.
CREATE TABLE search_versions (
    name     TEXT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO search_versions (name, version) VALUES ('constituent_terms', 1);
