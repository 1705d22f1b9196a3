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
