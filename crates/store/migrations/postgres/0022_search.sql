-- Full-text search over cases, correspondence, the text of attachments and
-- notes (issue 16). Each searched table keeps a `search`
-- column computed from its text (so it changes in the transaction of every
-- change) with a GIN index. casework_words lower-cases, drops accents and
-- turns ASCII punctuation into spaces, so the `simple` parser splits text
-- into the same words SQLite's unicode61 tokeniser does. At most the first
-- 100,000 characters of a body are indexed, as on SQLite.

-- Text that is all ASCII (most mail) has no accents to drop: it skips the
-- decomposition, which costs more than the rest of indexing.
CREATE FUNCTION casework_words(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT translate(
        CASE WHEN octet_length(t) = char_length(t) THEN lower(t)
             ELSE regexp_replace(normalize(lower(t), NFD), '[\u0300-\u036f]', '', 'g') END,
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
        '                                ')
$$;

CREATE FUNCTION casework_doc(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT to_tsvector('simple'::regconfig, casework_words(t))
$$;

ALTER TABLE attachments ADD COLUMN text TEXT NOT NULL DEFAULT '';

ALTER TABLE cases ADD COLUMN search tsvector
    GENERATED ALWAYS AS (casework_doc(reference || ' ' || title || ' ' || summary)) STORED;
CREATE INDEX cases_search ON cases USING gin (search);

ALTER TABLE correspondence ADD COLUMN search tsvector
    GENERATED ALWAYS AS (casework_doc(subject || ' ' || from_name || ' ' || from_address || ' '
        || to_addresses || ' ' || left(body_text, 100000))) STORED;
CREATE INDEX correspondence_search ON correspondence USING gin (search);

ALTER TABLE attachments ADD COLUMN search tsvector
    GENERATED ALWAYS AS (casework_doc(filename || ' ' || left(text, 100000))) STORED;
CREATE INDEX attachments_search ON attachments USING gin (search);

-- Notes, calls, meetings and visits written on a case or a person's record.
ALTER TABLE timeline ADD COLUMN search tsvector
    GENERATED ALWAYS AS (CASE WHEN kind IN ('note', 'call', 'meeting', 'visit')
        THEN casework_doc(left(body, 100000)) END) STORED;
CREATE INDEX timeline_search ON timeline USING gin (search)
    WHERE kind IN ('note', 'call', 'meeting', 'visit');

CREATE TABLE search_versions (
    name     TEXT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO search_versions (name, version) VALUES ('constituent_terms', 1);
