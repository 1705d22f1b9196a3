-- casework_words turned ASCII punctuation into spaces with translate(),
-- which looks each character up in its list one at a time: on 30,000
-- emails (27 MB) it took 9 s where to_tsvector itself took 2.4 s, most of
-- the cost of indexing a message as it is stored. A regular expression
-- over the same 32 characters (! to /, : to @, [ to `, { to ~) gives the
-- same text (checked on all of them) in 1.3 s. The words are the same, so
-- the stored search columns stay as they are.
CREATE OR REPLACE FUNCTION casework_words(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT regexp_replace(
        CASE WHEN octet_length(t) = char_length(t) THEN lower(t)
             ELSE regexp_replace(normalize(lower(t), NFD), '[\u0300-\u036f]', '', 'g') END,
        '[!-/:-@[-`{-~]', ' ', 'g')
$$;

-- A search of words that many rows share reads newest first and stops at
-- its page's end. Records kept with files (notes, calls, meetings, visits)
-- are few among millions of emails, and notes few among the history's
-- entries: read by the primary key, finding a page of them meant passing
-- every email or entry in between. These indexes hold only them.
CREATE INDEX correspondence_records ON correspondence (id)
    WHERE channel IN ('note', 'call', 'meeting', 'visit');
CREATE INDEX timeline_notes ON timeline (id)
    WHERE kind IN ('note', 'call', 'meeting', 'visit');
