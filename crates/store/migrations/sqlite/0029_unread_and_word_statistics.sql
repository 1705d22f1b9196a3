-- Unread incoming mail, by office and case: what a caseworker's "new replies" count
-- and list read. (On PostgreSQL this migration also keeps finer statistics
-- of the words searched; FTS5 needs none.)
CREATE INDEX correspondence_unread ON correspondence (office_id, case_id)
    WHERE unread = TRUE AND direction = 'in';
