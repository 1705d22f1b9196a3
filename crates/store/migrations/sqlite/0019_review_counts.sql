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

-- A message counts under its case's caseworker as the case is now.
CREATE TRIGGER mail_counted AFTER INSERT ON correspondence
BEGIN
    INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
    SELECT NEW.office_id, NEW.received_at / 86400000,
           COALESCE((SELECT assignee_id FROM cases WHERE id = NEW.case_id), 0), NEW.direction,
           CASE WHEN NEW.campaign_id IS NULL THEN NEW.channel ELSE 'campaign' END, NEW.hidden, 1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER mail_uncounted AFTER DELETE ON correspondence
BEGIN
    INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
    SELECT OLD.office_id, OLD.received_at / 86400000,
           COALESCE((SELECT assignee_id FROM cases WHERE id = OLD.case_id), 0), OLD.direction,
           CASE WHEN OLD.campaign_id IS NULL THEN OLD.channel ELSE 'campaign' END, OLD.hidden, -1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER mail_recounted AFTER UPDATE OF office_id, case_id, received_at, direction, channel, campaign_id, hidden
ON correspondence
WHEN OLD.office_id <> NEW.office_id OR OLD.case_id IS NOT NEW.case_id OR OLD.received_at <> NEW.received_at
    OR OLD.direction <> NEW.direction OR OLD.channel <> NEW.channel
    OR (OLD.campaign_id IS NULL) <> (NEW.campaign_id IS NULL) OR OLD.hidden <> NEW.hidden
BEGIN
    INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
    SELECT OLD.office_id, OLD.received_at / 86400000,
           COALESCE((SELECT assignee_id FROM cases WHERE id = OLD.case_id), 0), OLD.direction,
           CASE WHEN OLD.campaign_id IS NULL THEN OLD.channel ELSE 'campaign' END, OLD.hidden, -1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = n + excluded.n;
    INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
    SELECT NEW.office_id, NEW.received_at / 86400000,
           COALESCE((SELECT assignee_id FROM cases WHERE id = NEW.case_id), 0), NEW.direction,
           CASE WHEN NEW.campaign_id IS NULL THEN NEW.channel ELSE 'campaign' END, NEW.hidden, 1 WHERE TRUE
    ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = n + excluded.n;
END;

-- A case given to someone else takes its messages' counts and its values'
-- open counts with it; a case closed or reopened, or made sensitive or
-- not, moves its values' open counts.
CREATE TRIGGER case_mail_reassigned AFTER UPDATE OF assignee_id ON cases
WHEN OLD.assignee_id IS NOT NEW.assignee_id
BEGIN
    INSERT INTO mail_day_counts (office_id, day, assignee_id, direction, key, hidden, n)
    SELECT m.office_id, m.received_at / 86400000, a.assignee_id, m.direction,
           CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, a.sign * COUNT(*)
    FROM correspondence m CROSS JOIN (SELECT COALESCE(OLD.assignee_id, 0) AS assignee_id, -1 AS sign
                                      UNION ALL SELECT COALESCE(NEW.assignee_id, 0), 1) a
    WHERE m.case_id = NEW.id
    GROUP BY 1, 2, 3, 4, 5, 6, a.sign
    ON CONFLICT (office_id, day, assignee_id, direction, key, hidden) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_open_recounted AFTER UPDATE OF status, assignee_id, sensitive ON cases
WHEN OLD.status <> NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.sensitive <> NEW.sensitive
BEGIN
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT OLD.office_id, ct.tag_id, COALESCE(OLD.assignee_id, 0), OLD.sensitive, -1 FROM case_tags ct
    WHERE ct.case_id = OLD.id AND OLD.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT NEW.office_id, ct.tag_id, COALESCE(NEW.assignee_id, 0), NEW.sensitive, 1 FROM case_tags ct
    WHERE ct.case_id = NEW.id AND NEW.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_tag_open_counted AFTER INSERT ON case_tags
BEGIN
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT c.office_id, NEW.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, 1 FROM cases c
    WHERE c.id = NEW.case_id AND c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_tag_open_uncounted AFTER DELETE ON case_tags
BEGIN
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT c.office_id, OLD.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, -1 FROM cases c
    WHERE c.id = OLD.case_id AND c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_tag_open_recounted AFTER UPDATE OF case_id, tag_id ON case_tags
WHEN OLD.case_id <> NEW.case_id OR OLD.tag_id <> NEW.tag_id
BEGIN
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT c.office_id, OLD.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, -1 FROM cases c
    WHERE c.id = OLD.case_id AND c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
    INSERT INTO open_tag_counts (office_id, tag_id, assignee_id, sensitive, n)
    SELECT c.office_id, NEW.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, 1 FROM cases c
    WHERE c.id = NEW.case_id AND c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent')
    ON CONFLICT (office_id, tag_id, assignee_id, sensitive) DO UPDATE SET n = n + excluded.n;
END;

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
