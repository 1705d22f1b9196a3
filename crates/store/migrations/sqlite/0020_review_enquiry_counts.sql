-- Enquiries waiting for a reply (not answered, not escalated) by the day
-- their reply is due, their case's caseworker (0: nobody's) and whether the
-- case is sensitive, kept by the triggers below: the review's overdue and
-- due-within-a-week counts for the office or one caseworker, under any
-- reader's scope, without reading the enquiries.
CREATE TABLE open_enquiry_counts (
    office_id    BIGINT NOT NULL,
    due_on       TEXT NOT NULL,
    assignee_id  BIGINT NOT NULL,
    sensitive    BOOLEAN NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (office_id, due_on, assignee_id, sensitive)
);
INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
SELECT e.office_id, e.due_on, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*)
FROM enquiries e JOIN cases c ON c.id = e.case_id
WHERE e.answered_on IS NULL AND e.escalated_to IS NULL
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER enquiry_open_counted AFTER INSERT ON enquiries
WHEN NEW.answered_on IS NULL AND NEW.escalated_to IS NULL
BEGIN
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT NEW.office_id, NEW.due_on, COALESCE(c.assignee_id, 0), c.sensitive, 1 FROM cases c WHERE c.id = NEW.case_id
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER enquiry_open_uncounted AFTER DELETE ON enquiries
WHEN OLD.answered_on IS NULL AND OLD.escalated_to IS NULL
BEGIN
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT OLD.office_id, OLD.due_on, COALESCE(c.assignee_id, 0), c.sensitive, -1 FROM cases c WHERE c.id = OLD.case_id
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER enquiry_open_recounted AFTER UPDATE OF office_id, case_id, due_on, answered_on, escalated_to ON enquiries
WHEN OLD.office_id <> NEW.office_id OR OLD.case_id <> NEW.case_id OR OLD.due_on <> NEW.due_on
    OR (OLD.answered_on IS NULL) <> (NEW.answered_on IS NULL) OR (OLD.escalated_to IS NULL) <> (NEW.escalated_to IS NULL)
BEGIN
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT OLD.office_id, OLD.due_on, COALESCE(c.assignee_id, 0), c.sensitive, -1 FROM cases c
    WHERE c.id = OLD.case_id AND OLD.answered_on IS NULL AND OLD.escalated_to IS NULL
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT NEW.office_id, NEW.due_on, COALESCE(c.assignee_id, 0), c.sensitive, 1 FROM cases c
    WHERE c.id = NEW.case_id AND NEW.answered_on IS NULL AND NEW.escalated_to IS NULL
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
-- A case given to someone else, or made sensitive or not, takes its
-- waiting enquiries' counts with it.
CREATE TRIGGER case_enquiries_moved AFTER UPDATE OF assignee_id, sensitive ON cases
WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.sensitive <> NEW.sensitive
BEGIN
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT e.office_id, e.due_on, a.assignee_id, a.sensitive, a.sign * COUNT(*)
    FROM enquiries e CROSS JOIN (SELECT COALESCE(OLD.assignee_id, 0) AS assignee_id, OLD.sensitive AS sensitive, -1 AS sign
                                 UNION ALL SELECT COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1) a
    WHERE e.case_id = NEW.id AND e.answered_on IS NULL AND e.escalated_to IS NULL
    GROUP BY 1, 2, 3, 4, a.sign
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;

-- The sensitive cases of an office with their caseworker: what a reader
-- who may not see every case leaves out, read as one small set.
CREATE INDEX cases_sensitive_of ON cases(office_id, assignee_id, id) WHERE sensitive = TRUE;
-- One caseworker's first replies and resolutions in a period (the medians
-- of their review).
CREATE INDEX cases_first_response_by ON cases(office_id, assignee_id, first_response_at, opened_at, sensitive)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX cases_resolved_by ON cases(office_id, assignee_id, resolved_at, opened_at, sensitive)
    WHERE resolved_at IS NOT NULL;
