-- Notes, calls, meetings and visits kept with files are correspondence, but
-- few beside the mail: one index over all correspondence made a common word
-- read every email that has it to find the few records that do. Mail and
-- records get an index each; a search names the same channels.
DROP INDEX correspondence_search;
CREATE INDEX correspondence_search ON correspondence USING gin (search)
    WHERE channel NOT IN ('note', 'call', 'meeting', 'visit');
CREATE INDEX correspondence_record_search ON correspondence USING gin (search)
    WHERE channel IN ('note', 'call', 'meeting', 'visit');
