-- Letters signed by the representative wait for approval before they go
-- out; letters are printed in batches, each remembering when it was printed.

ALTER TABLE correspondence ADD COLUMN approval TEXT NOT NULL DEFAULT '';  -- '', 'awaiting', 'approved'
ALTER TABLE correspondence ADD COLUMN approved_by BIGINT REFERENCES users(id);
ALTER TABLE correspondence ADD COLUMN printed_at BIGINT;
-- A letter's layout (JSON), so that a batch can be printed as one document.
ALTER TABLE correspondence ADD COLUMN layout TEXT;
CREATE INDEX correspondence_to_print ON correspondence(office_id, received_at, id)
    WHERE channel = 'letter' AND printed_at IS NULL;
