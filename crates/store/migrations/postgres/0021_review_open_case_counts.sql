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

-- Cases written or removed a statement at a time (a bulk load adds each
-- day's count once); a case changed, one at a time.
CREATE FUNCTION cases_open_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
        SELECT office_id, opened_at / 86400000, COALESCE(assignee_id, 0), sensitive, COUNT(*)
        FROM new_rows WHERE status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent') GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = open_case_counts.n + EXCLUDED.n;
    ELSE
        INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
        SELECT office_id, opened_at / 86400000, COALESCE(assignee_id, 0), sensitive, -COUNT(*)
        FROM old_rows WHERE status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent') GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = open_case_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_open_inserted AFTER INSERT ON cases
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_open_counted();
CREATE TRIGGER cases_open_deleted AFTER DELETE ON cases
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_open_counted();

CREATE FUNCTION case_open_moved() RETURNS trigger AS $$
BEGIN
    INSERT INTO open_case_counts (office_id, day, assignee_id, sensitive, n)
    SELECT office_id, day, assignee_id, sensitive, SUM(delta) FROM (
        SELECT OLD.office_id, OLD.opened_at / 86400000 AS day, COALESCE(OLD.assignee_id, 0) AS assignee_id,
               OLD.sensitive, -1 AS delta WHERE OLD.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
        UNION ALL
        SELECT NEW.office_id, NEW.opened_at / 86400000, COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1
        WHERE NEW.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ) q GROUP BY office_id, day, assignee_id, sensitive HAVING SUM(delta) <> 0
    ON CONFLICT (office_id, day, assignee_id, sensitive) DO UPDATE SET n = open_case_counts.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_open_moved AFTER UPDATE OF office_id, status, assignee_id, sensitive, opened_at ON cases
FOR EACH ROW WHEN (OLD.office_id IS DISTINCT FROM NEW.office_id OR OLD.status IS DISTINCT FROM NEW.status
                   OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.sensitive IS DISTINCT FROM NEW.sensitive
                   OR OLD.opened_at IS DISTINCT FROM NEW.opened_at)
EXECUTE FUNCTION case_open_moved();

-- What a reader who may not see every case counts without reading rows:
-- a period's enquiries with their case (the slowest agencies), and one
-- person's open tasks with their office and case (their overdue tasks).
DROP INDEX enquiries_sent_on;
CREATE INDEX enquiries_sent_on ON enquiries(office_id, sent_on, agency_id, answered_on, case_id);
DROP INDEX tasks_open;
CREATE INDEX tasks_open ON tasks(assignee_id, due_on, id, office_id, case_id) WHERE done_at IS NULL;
