-- The weekly casework review: the day an office's week starts, what the
-- review counts that the tables did not yet keep, cases raised with the
-- representative, and the reviews an office records with their actions.

-- The day the representative's briefing for the week before is emailed,
-- at the office's digest hour (0: not emailed; 1 = Monday … 7 = Sunday).
-- Each is sent once per representative and week (claimed in `digests`,
-- keyed 'briefing:' and the week's first day).
ALTER TABLE offices ADD COLUMN briefing_day BIGINT NOT NULL DEFAULT 0;
-- The day the office's week starts: 1 = Monday … 7 = Sunday.
ALTER TABLE offices ADD COLUMN week_starts BIGINT NOT NULL DEFAULT 1;

-- When a case stopped needing work by being resolved or closed (not when a
-- resolved case was then closed; cleared when it is reopened), and when the
-- office first wrote on it (its first outgoing correspondence). Kept by the
-- triggers below on every path; times are the case's own (its updated_at),
-- so they follow the application's clock.
ALTER TABLE cases ADD COLUMN resolved_at BIGINT;
ALTER TABLE cases ADD COLUMN first_response_at BIGINT;
-- Existing cases in one pass: a resolved or closed case counts as resolved
-- at its last change of status (or when closed, or last changed). The
-- tags' trigger on cases has nothing to do here (no case's sensitivity
-- changes), and comparing every old row with every new one would take
-- hours on a large office: it is off for the back-fill.
ALTER TABLE cases DISABLE TRIGGER cases_updated;
UPDATE cases c SET
    resolved_at = CASE WHEN c.status IN ('resolved', 'closed') THEN COALESCE(
        (SELECT MAX(t.at) FROM timeline t WHERE t.case_id = c.id AND t.kind = 'status'),
        c.closed_at, c.updated_at) END,
    first_response_at = x.at
    FROM (SELECT k.id, f.at FROM cases k LEFT JOIN
            (SELECT case_id, MIN(received_at) AS at FROM correspondence
             WHERE direction = 'out' AND case_id IS NOT NULL GROUP BY case_id) f ON f.case_id = k.id) x
    WHERE x.id = c.id AND (x.at IS NOT NULL OR c.status IN ('resolved', 'closed'));
ALTER TABLE cases ENABLE TRIGGER cases_updated;

CREATE FUNCTION cases_resolved_at() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> OLD.status THEN
        NEW.resolved_at := CASE
            WHEN NEW.status IN ('resolved', 'closed') AND OLD.status NOT IN ('resolved', 'closed', 'transferred') THEN NEW.updated_at
            WHEN NEW.status IN ('resolved', 'closed', 'transferred') THEN OLD.resolved_at
            ELSE NULL END;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_resolved_at BEFORE UPDATE OF status ON cases
FOR EACH ROW EXECUTE FUNCTION cases_resolved_at();

-- The earliest outgoing message of each case among those written or filed
-- by the statement: nothing changes for a case that already has an
-- earlier one (so an update that moves no message between cases is a
-- no-op, without comparing old rows with new).
CREATE FUNCTION correspondence_first_response() RETURNS trigger AS $$
BEGIN
    UPDATE cases c SET first_response_at = f.at
    FROM (SELECT case_id, MIN(received_at) AS at FROM new_rows
          WHERE direction = 'out' AND case_id IS NOT NULL GROUP BY case_id) f
    WHERE c.id = f.case_id AND (c.first_response_at IS NULL OR c.first_response_at > f.at);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER correspondence_first_response AFTER INSERT ON correspondence
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION correspondence_first_response();
CREATE TRIGGER correspondence_filed_first_response AFTER UPDATE ON correspondence
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION correspondence_first_response();

-- What the review counts, each from its own index, which holds what the
-- count needs (the opening time for the medians; the caseworker and the
-- sensitive flag for one person's review and the reader's scope).
CREATE INDEX cases_resolved ON cases(office_id, resolved_at, opened_at, assignee_id, sensitive)
    WHERE resolved_at IS NOT NULL;
CREATE INDEX cases_closed ON cases(office_id, closed_at, status, assignee_id, sensitive)
    WHERE closed_at IS NOT NULL;
CREATE INDEX cases_first_response ON cases(office_id, first_response_at, opened_at, assignee_id, sensitive)
    WHERE first_response_at IS NOT NULL;
-- Open cases past their review date.
CREATE INDEX cases_review_due ON cases(office_id, status, review_date) WHERE review_date IS NOT NULL;
-- Open cases per caseworker and by age, without reading the cases.
CREATE INDEX cases_workload ON cases(office_id, status, assignee_id, opened_at, sensitive, updated_at, review_date);
-- Enquiries sent in a period, whichever the agency (the slowest agencies).
CREATE INDEX enquiries_sent_on ON enquiries(office_id, sent_on, agency_id, answered_on);
-- Mail in a week by direction, channel and campaign, without reading the
-- messages (it replaces the index on office and arrival alone, which it
-- begins with).
DROP INDEX correspondence_received;
CREATE INDEX correspondence_received ON correspondence(office_id, received_at, direction, channel, campaign_id, hidden);
-- Letters waiting for approval.
CREATE INDEX correspondence_awaiting ON correspondence(office_id, received_at) WHERE approval = 'awaiting';

-- Cases a caseworker raised with the representative, each with the one
-- line they wrote for the briefing.
CREATE TABLE case_flags (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    office_id   BIGINT NOT NULL REFERENCES offices(id),
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    summary     TEXT NOT NULL,
    flagged_by  BIGINT NOT NULL REFERENCES users(id),
    flagged_at  BIGINT NOT NULL
);
CREATE INDEX case_flags_office ON case_flags(office_id, flagged_at);
CREATE INDEX case_flags_case ON case_flags(case_id, flagged_at);

-- A review as it was held: the week, who attended, what was decided, the
-- figures as they stood (JSON), and its actions, each a task on its case.
CREATE TABLE reviews (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    office_id    BIGINT NOT NULL REFERENCES offices(id),
    week_start   TEXT NOT NULL,                 -- YYYY-MM-DD, in the office's time zone
    person_id    BIGINT REFERENCES users(id),   -- a caseworker's own review; NULL: the office's
    attendees    TEXT NOT NULL DEFAULT '',      -- one name a line
    decisions    TEXT NOT NULL DEFAULT '',
    figures      TEXT NOT NULL,
    recorded_by  BIGINT NOT NULL REFERENCES users(id),
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX reviews_office ON reviews(office_id, week_start, id);
CREATE TABLE review_actions (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    review_id  BIGINT NOT NULL REFERENCES reviews(id),
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,                   -- reassign, escalate, review_date, raise
    note       TEXT NOT NULL DEFAULT '',
    task_id    BIGINT NOT NULL REFERENCES tasks(id)
);
CREATE INDEX review_actions_review ON review_actions(review_id, id);
