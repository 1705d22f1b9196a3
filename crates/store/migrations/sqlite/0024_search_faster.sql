-- Nothing changes on SQLite: FTS5's unicode61 tokeniser splits words
-- itself and FTS5 reads newest first by itself. (On PostgreSQL this
-- migration makes casework_words faster and adds indexes for reading
-- records and notes newest first.)
SELECT 1;
