-- The office's logo for its letterhead (a key in the blob store).
ALTER TABLE offices ADD COLUMN letterhead_logo TEXT;
