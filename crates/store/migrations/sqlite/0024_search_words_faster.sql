-- Nothing changes on SQLite: FTS5's unicode61 tokeniser splits words
-- itself. (On PostgreSQL this migration makes casework_words faster.)
SELECT 1;
