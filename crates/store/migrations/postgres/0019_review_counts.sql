-- Counts the weekly review reads instead of its rows, kept by the triggers
-- below in the transaction of every change (as Trends keeps its day
-- counts), so that the review of a large office adds up a few hundred
-- rows, not hundreds of thousands of index entries.
--
-- Mail by the UTC day it arrived (or was sent), the caseworker its case is
-- assigned to (0: no case, or nobody's), direction, channel ('campaign' for
-- a copy in a campaign) and whether hidden (highly sensitive, or on a
-- sensitive case). The reader's scope selects rows: everything, what is not
-- hidden, or that and what is hidden on their own cases.
CREATE TABLE mail_day_counts (
    office_id    BIGINT NOT NULL,
    day          BIGINT NOT NULL,    -- days since 1970-01-01 (UTC)
    assignee_id  BIGINT NOT NULL,
    direction    TEXT NOT NULL,
    key          TEXT NOT NULL,      -- the channel, or 'campaign'
    hidden       BOOLEAN NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (office_id, day, assignee_id, direction, key, hidden)
);
INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
SELECT m.office_id, m.received_at / 86400000, COALESCE(c.assignee_id, 0), m.direction,
       CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, COUNT(*)
FROM correspondence m LEFT JOIN cases c ON c.id = m.case_id
GROUP BY 1, 2, 3, 4, 5, 6;

-- Open cases (new, open, or awaiting someone) per value, caseworker and
-- sensitivity.
CREATE TABLE open_tag_counts (
    office_id    BIGINT NOT NULL,
    tag_id       BIGINT NOT NULL,
    assignee_id  BIGINT NOT NULL,    -- 0: nobody's
    sensitive    BOOLEAN NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (office_id, tag_id, assignee_id, sensitive)
);
INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
SELECT c.office_id, ct.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*)
FROM case_tags ct JOIN cases c ON c.id = ct.case_id
WHERE c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
GROUP BY 1, 2, 3, 4;

-- A message counts under its case's caseworker as the case is now. The
-- statement's cases are share-locked first, so that a case given to
-- someone else (or closed) at the same moment waits for this transaction,
-- or this one for it, and then reads what it left: no count goes astray.
-- Whether an update moved a message to another count.
CREATE FUNCTION mail_moved(o correspondence, n correspondence) RETURNS boolean AS $$
    SELECT o.office_id <> n.office_id OR o.case_id IS DISTINCT FROM n.case_id OR o.received_at <> n.received_at
        OR o.direction <> n.direction OR o.channel <> n.channel
        OR (o.campaign_id IS NULL) <> (n.campaign_id IS NULL) OR o.hidden <> n.hidden;
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION mail_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM new_rows) ORDER BY id FOR SHARE;
        INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
        SELECT m.office_id, m.received_at / 86400000, COALESCE(c.assignee_id, 0), m.direction,
               CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, COUNT(*)
        FROM new_rows m LEFT JOIN cases c ON c.id = m.case_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = mail_day_counts.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM old_rows) ORDER BY id FOR SHARE;
        INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
        SELECT m.office_id, m.received_at / 86400000, COALESCE(c.assignee_id, 0), m.direction,
               CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, -COUNT(*)
        FROM old_rows m LEFT JOIN cases c ON c.id = m.case_id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = mail_day_counts.n + EXCLUDED.n;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE mail_moved(o, n)) THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM cases WHERE id IN (SELECT o.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE mail_moved(o, n)
                                          UNION SELECT n.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE mail_moved(o, n))
        ORDER BY id FOR SHARE;
        INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
        SELECT office_id, day, assignee_id, direction, key, hidden, SUM(delta) FROM (
            SELECT m.office_id, m.received_at / 86400000 AS day, COALESCE(c.assignee_id, 0) AS assignee_id, m.direction,
                   CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END AS key, m.hidden, -1 AS delta
            FROM old_rows m JOIN new_rows n ON n.id = m.id LEFT JOIN cases c ON c.id = m.case_id WHERE mail_moved(m, n)
            UNION ALL
            SELECT m.office_id, m.received_at / 86400000, COALESCE(c.assignee_id, 0), m.direction,
                   CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, 1
            FROM new_rows m JOIN old_rows o ON o.id = m.id LEFT JOIN cases c ON c.id = m.case_id WHERE mail_moved(o, m)
        ) q GROUP BY office_id, day, assignee_id, direction, key, hidden HAVING SUM(delta) <> 0
        ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = mail_day_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mail_counted AFTER INSERT ON correspondence
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mail_counted();
CREATE TRIGGER mail_uncounted AFTER DELETE ON correspondence
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mail_counted();
CREATE TRIGGER mail_recounted AFTER UPDATE ON correspondence
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mail_counted();

-- A case given to someone else takes its messages' counts and its values'
-- open counts with it; a case closed or reopened, or made sensitive or
-- not, moves its values' open counts.
CREATE FUNCTION case_counts_moved() RETURNS trigger AS $$
BEGIN
    IF OLD.assignee_id IS DISTINCT FROM NEW.assignee_id THEN
        INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
        SELECT m.office_id, m.received_at / 86400000, a.assignee_id, m.direction,
               CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, SUM(a.sign)
        FROM correspondence m CROSS JOIN (VALUES (COALESCE(OLD.assignee_id, 0), -1), (COALESCE(NEW.assignee_id, 0), 1))
             AS a (assignee_id, sign)
        WHERE m.case_id = NEW.id
        GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = mail_day_counts.n + EXCLUDED.n;
    END IF;
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT office_id, tag_id, assignee_id, sensitive, SUM(delta) FROM (
        SELECT OLD.office_id, ct.tag_id, COALESCE(OLD.assignee_id, 0) AS assignee_id, OLD.sensitive, -1 AS delta
        FROM case_tags ct
        WHERE ct.case_id = OLD.id AND OLD.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
        UNION ALL
        SELECT NEW.office_id, ct.tag_id, COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1
        FROM case_tags ct
        WHERE ct.case_id = NEW.id AND NEW.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ) q GROUP BY office_id, tag_id, assignee_id, sensitive HAVING SUM(delta) <> 0
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = open_tag_counts.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_counts_moved AFTER UPDATE OF status, assignee_id, sensitive ON cases
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
                   OR OLD.sensitive IS DISTINCT FROM NEW.sensitive)
EXECUTE FUNCTION case_counts_moved();

-- A value given to or taken from an open case (or moved by a merge).
CREATE FUNCTION case_tags_open_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM old_rows) ORDER BY id FOR SHARE;
        INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
        SELECT c.office_id, x.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, -COUNT(*)
        FROM old_rows x JOIN cases c ON c.id = x.case_id
        WHERE c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = open_tag_counts.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM 1 FROM cases WHERE id IN (SELECT case_id FROM new_rows) ORDER BY id FOR SHARE;
        INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
        SELECT c.office_id, x.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*)
        FROM new_rows x JOIN cases c ON c.id = x.case_id
        WHERE c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = open_tag_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_tags_open_inserted AFTER INSERT ON case_tags
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_tags_open_counted();
CREATE TRIGGER case_tags_open_deleted AFTER DELETE ON case_tags
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_tags_open_counted();
CREATE TRIGGER case_tags_open_updated AFTER UPDATE ON case_tags
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_tags_open_counted();

-- Indexes that hold what the review's remaining counts read, so that no
-- count reads the rows themselves: cases opened in a period with their
-- constituent, caseworker and sensitivity (the new cases by caseworker
-- and by location); each constituent's postcode by id (their location);
-- open tasks by due date with their assignee and case (overdue tasks).
DROP INDEX cases_office_opened;
CREATE INDEX cases_office_opened ON cases(office_id, opened_at, id, constituent_id, assignee_id, sensitive);
CREATE INDEX constituents_postcode_of ON constituents(id, postcode);
DROP INDEX tasks_office_open;
CREATE INDEX tasks_office_open ON tasks(office_id, due_on, id, assignee_id, case_id) WHERE done_at IS NULL;
