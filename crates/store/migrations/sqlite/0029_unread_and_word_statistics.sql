-- Unread incoming mail, by case: what a caseworker's "new replies" count
-- and list read. (On PostgreSQL this migration also keeps finer statistics
-- of the words searched; FTS5 needs none.)
CREATE INDEX correspondence_unread ON correspondence (case_id)
    WHERE unread = TRUE AND direction = 'in';
