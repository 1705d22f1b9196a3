-- "No activity for N days": a task to update the constituent when an open
-- case has been quiet that long (nothing filed, written, noted or changed
-- on it), and again every N days it stays quiet. N is the office's (0: off)
-- unless the case's Category value, or its parent, says otherwise (0: never).
ALTER TABLE offices ADD COLUMN quiet_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN quiet_days INTEGER;
-- Up to when quiet cases were looked for (Unix ms): each pass looks only at
-- the cases that became quiet since. NULL: look at every case (after a
-- change of the setting).
ALTER TABLE offices ADD COLUMN quiet_checked_at BIGINT;
-- An enquiry that was escalated to another agency is no longer chased nor
-- counted overdue: the enquiry it was escalated by waits in its place.
ALTER TABLE enquiries ADD COLUMN escalated_to BIGINT REFERENCES enquiries(id);
