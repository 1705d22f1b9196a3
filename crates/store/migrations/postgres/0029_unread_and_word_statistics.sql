-- Unread incoming mail, by office and case: what a caseworker's "new replies" count
-- and list read. Without it, an office with no unread mail left the
-- planner to expect none and read every incoming message through another
-- index (seconds a page at 5,000,000 emails, on every page that shows
-- the count).
CREATE INDEX correspondence_unread ON correspondence (office_id, case_id)
    WHERE unread = TRUE AND direction = 'in';

-- The search chooses how to read each kind from the statistics ANALYZE
-- keeps of its `search` column: the most common words and their shares.
-- At the default target (100) only words in more than about 2% of rows are
-- listed, so a word left out could still be in 100,000 of 5,000,000 emails,
-- and a search cannot tell it from a rare one. Ten times the target lists
-- less common words too (ANALYZE samples 300,000 rows instead of 30,000:
-- 11 s for the four tables of an office with 5,000,000 emails).
ALTER TABLE correspondence ALTER COLUMN search SET STATISTICS 1000;
ALTER TABLE attachments ALTER COLUMN search SET STATISTICS 1000;
ALTER TABLE timeline ALTER COLUMN search SET STATISTICS 1000;
ALTER TABLE cases ALTER COLUMN search SET STATISTICS 1000;
