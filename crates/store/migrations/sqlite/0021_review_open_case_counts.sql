-- Open cases (new, open, or awaiting someone) by the UTC day they were
-- opened, caseworker (0: nobody's) and sensitivity, kept by the triggers
-- below: each caseworker's open cases and the office's open cases by age
-- in the weekly review, without reading the cases.
CREATE TABLE open_case_counts (
    office_id    BIGINT NOT NULL,
    day          BIGINT NOT NULL,    -- days since 1970-01-01 (UTC) of opening
    assignee_id  BIGINT NOT NULL,
    sensitive    BOOLEAN NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (office_id, day, assignee_id, sensitive)
);
INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
SELECT office_id, opened_at / 86400000, COALESCE(assignee_id, 0), sensitive, COUNT(*)
FROM cases WHERE status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER case_open_counted AFTER INSERT ON cases
WHEN NEW.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
BEGIN
    INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
    SELECT NEW.office_id, NEW.opened_at / 86400000, COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_open_uncounted AFTER DELETE ON cases
WHEN OLD.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
BEGIN
    INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
    SELECT OLD.office_id, OLD.opened_at / 86400000, COALESCE(OLD.assignee_id, 0), OLD.sensitive, -1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_open_moved AFTER UPDATE OF office_id, status, assignee_id, sensitive, opened_at ON cases
WHEN OLD.office_id <> NEW.office_id OR OLD.status <> NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id
    OR OLD.sensitive <> NEW.sensitive OR OLD.opened_at <> NEW.opened_at
BEGIN
    INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
    SELECT OLD.office_id, OLD.opened_at / 86400000, COALESCE(OLD.assignee_id, 0), OLD.sensitive, -1
    WHERE OLD.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
    INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
    SELECT NEW.office_id, NEW.opened_at / 86400000, COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1
    WHERE NEW.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;

-- What a reader who may not see every case counts without reading rows:
-- a period's enquiries with their case (the slowest agencies), and one
-- person's open tasks with their office and case (their overdue tasks).
DROP INDEX enquiries_sent_on;
CREATE INDEX enquiries_sent_on ON enquiries(office_id, sent_on, agency_id, answered_on, case_id);
DROP INDEX tasks_open;
CREATE INDEX tasks_open ON tasks(assignee_id, due_on, id, office_id, case_id) WHERE done_at IS NULL;
