-- Letters printed recently, newest first, for printing again.
CREATE INDEX correspondence_printed ON correspondence(office_id, printed_at, id)
    WHERE channel = 'letter' AND printed_at IS NOT NULL;
