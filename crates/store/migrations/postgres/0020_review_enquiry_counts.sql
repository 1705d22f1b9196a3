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

-- The statement's cases are share-locked first (as for the mail counts),
-- so that a case given to someone else at the same moment and this change
-- see each other's work.
CREATE FUNCTION enquiries_open_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM old_rows) ORDER BY id FOR SHARE;
        INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
        SELECT e.office_id, e.due_on, COALESCE(c.assignee_id, 0), c.sensitive, -COUNT(*)
        FROM old_rows e JOIN cases c ON c.id = e.case_id
        WHERE e.answered_on IS NULL AND e.escalated_to IS NULL
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = open_enquiry_counts.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM new_rows) ORDER BY id FOR SHARE;
        INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
        SELECT e.office_id, e.due_on, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*)
        FROM new_rows e JOIN cases c ON c.id = e.case_id
        WHERE e.answered_on IS NULL AND e.escalated_to IS NULL
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = open_enquiry_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER enquiries_open_inserted AFTER INSERT ON enquiries
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enquiries_open_counted();
CREATE TRIGGER enquiries_open_deleted AFTER DELETE ON enquiries
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION enquiries_open_counted();
CREATE TRIGGER enquiries_open_updated AFTER UPDATE ON enquiries
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enquiries_open_counted();

-- A case given to someone else, or made sensitive or not, takes its
-- waiting enquiries' counts with it.
CREATE FUNCTION case_enquiries_moved() RETURNS trigger AS $$
BEGIN
    INSERT INTO open_enquiry_counts (office_id, due_on, assignee_id, sensitive, n)
    SELECT e.office_id, e.due_on, a.assignee_id, a.sensitive, SUM(a.sign)
    FROM enquiries e CROSS JOIN (VALUES (COALESCE(OLD.assignee_id, 0), OLD.sensitive, -1),
                                        (COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1)) AS a (assignee_id, sensitive, sign)
    WHERE e.case_id = NEW.id AND e.answered_on IS NULL AND e.escalated_to IS NULL
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (office_id, due_on, assignee_id, sensitive) DO UPDATE SET n = open_enquiry_counts.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_enquiries_moved AFTER UPDATE OF assignee_id, sensitive ON cases
FOR EACH ROW WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.sensitive IS DISTINCT FROM NEW.sensitive)
EXECUTE FUNCTION case_enquiries_moved();

-- The sensitive cases of an office with their caseworker: what a reader
-- who may not see every case leaves out, read as one small set.
CREATE INDEX cases_sensitive_of ON cases(office_id, assignee_id, id) WHERE sensitive = TRUE;
-- One caseworker's first replies and resolutions in a period (the medians
-- of their review).
CREATE INDEX cases_first_response_by ON cases(office_id, assignee_id, first_response_at, opened_at, sensitive)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX cases_resolved_by ON cases(office_id, assignee_id, resolved_at, opened_at, sensitive)
    WHERE resolved_at IS NOT NULL;
