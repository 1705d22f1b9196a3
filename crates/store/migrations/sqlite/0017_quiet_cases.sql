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

-- Agency turnaround reads its counts from these, not from the tables: the
-- enquiries sent in a period (with whether and when answered), those
-- overdue now, and the chase tasks waiting.
-- (They replace enquiries_agency and enquiries_open, whose columns they
-- begin with.)
DROP INDEX enquiries_agency;
DROP INDEX enquiries_open;
CREATE INDEX enquiries_sent ON enquiries(office_id, agency_id, sent_on, answered_on);
CREATE INDEX enquiries_overdue ON enquiries(office_id, due_on, agency_id, escalated_to)
    WHERE answered_on IS NULL;
CREATE INDEX tasks_chases ON tasks(office_id, enquiry_id)
    WHERE done_at IS NULL AND kind IN ('chase', 'escalate');

-- Open tasks in the order my day lists them (due date, then the oldest):
-- read from the index in that order, a list stops at its first rows.
DROP INDEX tasks_open;
DROP INDEX tasks_office_open;
CREATE INDEX tasks_open ON tasks(assignee_id, due_on, id) WHERE done_at IS NULL;
CREATE INDEX tasks_office_open ON tasks(office_id, due_on, id) WHERE done_at IS NULL;
