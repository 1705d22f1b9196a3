-- The tagging framework: dimensions (Category, Urgency, Sensitivity,
-- Transferability, and any an office adds), their values (tags, Category in
-- two levels), aliases that old names still resolve through, and one value
-- per dimension on every case and every piece of correspondence.

-- The office's own level of government ('federal', 'provincial',
-- 'municipal'; '' while not said), which decides what is "ours".
ALTER TABLE offices ADD COLUMN level TEXT NOT NULL DEFAULT '';

-- One row per office once its framework is set up, with the report of what
-- was carried over from the free-text fields (written once, kept).
CREATE TABLE tag_frameworks (
    office_id   BIGINT PRIMARY KEY REFERENCES offices(id),
    starter     TEXT NOT NULL,
    report      TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE tag_dimensions (
    id            INTEGER PRIMARY KEY,
    office_id     BIGINT NOT NULL REFERENCES offices(id),
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- 'standard', 'location', 'free'
    hierarchical  BOOLEAN NOT NULL DEFAULT FALSE,
    required      BOOLEAN NOT NULL DEFAULT FALSE,
    position      BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (office_id, key)
);

CREATE TABLE tags (
    id            INTEGER PRIMARY KEY,
    office_id     BIGINT NOT NULL REFERENCES offices(id),
    dimension_id  BIGINT NOT NULL REFERENCES tag_dimensions(id),
    parent_id     BIGINT REFERENCES tags(id),
    name          TEXT NOT NULL,
    norm          TEXT NOT NULL,             -- the name folded: case, spacing
    effect        TEXT NOT NULL DEFAULT '',  -- 'restricted', 'ours', 'transfer'
    position      BIGINT NOT NULL DEFAULT 0,
    retired_at    BIGINT,
    merged_into   BIGINT REFERENCES tags(id),
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE UNIQUE INDEX tags_unique_name ON tags(dimension_id, COALESCE(parent_id, 0), norm)
    WHERE merged_into IS NULL;
CREATE INDEX tags_office ON tags(office_id, dimension_id);
CREATE INDEX tags_parent ON tags(parent_id) WHERE parent_id IS NOT NULL;

-- Names that resolve to a tag: those of merged tags, and the old free-text
-- values the migration mapped (e.g. urgency "high" → Urgent).
CREATE TABLE tag_aliases (
    id            INTEGER PRIMARY KEY,
    office_id     BIGINT NOT NULL REFERENCES offices(id),
    dimension_id  BIGINT NOT NULL REFERENCES tag_dimensions(id),
    norm          TEXT NOT NULL,
    name          TEXT NOT NULL,
    tag_id        BIGINT NOT NULL REFERENCES tags(id),
    merge_id      BIGINT,
    UNIQUE (dimension_id, norm)
);
CREATE INDEX tag_aliases_tag ON tag_aliases(tag_id);

CREATE TABLE case_tags (
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    tag_id        BIGINT NOT NULL REFERENCES tags(id),
    dimension_id  BIGINT NOT NULL REFERENCES tag_dimensions(id),
    free          BOOLEAN NOT NULL DEFAULT FALSE,
    office_id     BIGINT NOT NULL,
    PRIMARY KEY (case_id, tag_id)
);
CREATE UNIQUE INDEX case_tags_one_per_dimension ON case_tags(case_id, dimension_id) WHERE free = FALSE;
CREATE INDEX case_tags_tag ON case_tags(tag_id, case_id);

CREATE TABLE correspondence_tags (
    correspondence_id  BIGINT NOT NULL REFERENCES correspondence(id),
    tag_id             BIGINT NOT NULL REFERENCES tags(id),
    dimension_id       BIGINT NOT NULL REFERENCES tag_dimensions(id),
    free               BOOLEAN NOT NULL DEFAULT FALSE,
    office_id          BIGINT NOT NULL,
    PRIMARY KEY (correspondence_id, tag_id)
);
CREATE UNIQUE INDEX correspondence_tags_one_per_dimension
    ON correspondence_tags(correspondence_id, dimension_id) WHERE free = FALSE;
CREATE INDEX correspondence_tags_tag ON correspondence_tags(tag_id, correspondence_id);

-- Whether a message's own Sensitivity value is "highly sensitive" (kept
-- with the message so that the visibility rule stays one column).
ALTER TABLE correspondence ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT FALSE;

-- Trends: how many cases and messages carry each value, per day, kept by
-- the triggers below in the transaction of every change: kind 'case' and
-- 'message' for what anyone may see, 'case_hidden' and 'message_hidden' for
-- sensitive cases and hidden messages (highly sensitive, or on a sensitive
-- case), which only some readers count. A row with dimension_id 0 and
-- tag_id 0 counts every item, tagged or not.
ALTER TABLE correspondence ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE correspondence SET hidden = TRUE WHERE case_id IN (SELECT id FROM cases WHERE sensitive = TRUE);
CREATE INDEX cases_sensitive_opened ON cases(office_id, opened_at) WHERE sensitive = TRUE;
CREATE INDEX correspondence_hidden_received ON correspondence(office_id, received_at) WHERE hidden = TRUE;

CREATE TABLE tag_day_counts (
    office_id     BIGINT NOT NULL,
    kind          TEXT NOT NULL,      -- 'case', 'case_hidden', 'message', 'message_hidden'
    dimension_id  BIGINT NOT NULL,
    tag_id        BIGINT NOT NULL,
    day           BIGINT NOT NULL,    -- days since 1970-01-01 of opening or arrival
    n             BIGINT NOT NULL,
    PRIMARY KEY (office_id, kind, dimension_id, day, tag_id)
);
INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
SELECT office_id, CASE WHEN sensitive THEN 'case_hidden' ELSE 'case' END, 0, 0, opened_at / 86400000, COUNT(*)
FROM cases GROUP BY office_id, sensitive, opened_at / 86400000;
INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
SELECT office_id, CASE WHEN hidden THEN 'message_hidden' ELSE 'message' END, 0, 0, received_at / 86400000, COUNT(*)
FROM correspondence GROUP BY office_id, hidden, received_at / 86400000;

-- A message filed on a case takes the case's tags, for the dimensions it
-- has no value in yet, in the transaction that files it: every path that
-- files mail (intake, replies threading back, letters, the outbox, records)
-- gets it without remembering to.
CREATE TRIGGER correspondence_takes_case_tags AFTER INSERT ON correspondence
WHEN NEW.case_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO correspondence_tags (correspondence_id, tag_id, dimension_id, free, office_id)
    SELECT NEW.id, ct.tag_id, ct.dimension_id, ct.free, ct.office_id FROM case_tags ct WHERE ct.case_id = NEW.case_id;
    UPDATE correspondence SET restricted = EXISTS (SELECT 1 FROM correspondence_tags x JOIN tags t ON t.id = x.tag_id
        WHERE x.correspondence_id = NEW.id AND t.effect = 'restricted'),
        hidden = EXISTS (SELECT 1 FROM correspondence_tags x JOIN tags t ON t.id = x.tag_id
        WHERE x.correspondence_id = NEW.id AND t.effect = 'restricted')
        OR EXISTS (SELECT 1 FROM cases hc WHERE hc.id = NEW.case_id AND hc.sensitive = TRUE) WHERE id = NEW.id;
END;
CREATE TRIGGER correspondence_filed_takes_case_tags AFTER UPDATE OF case_id ON correspondence
WHEN NEW.case_id IS NOT NULL AND (OLD.case_id IS NULL OR OLD.case_id <> NEW.case_id)
BEGIN
    INSERT OR IGNORE INTO correspondence_tags (correspondence_id, tag_id, dimension_id, free, office_id)
    SELECT NEW.id, ct.tag_id, ct.dimension_id, ct.free, ct.office_id FROM case_tags ct WHERE ct.case_id = NEW.case_id;
    UPDATE correspondence SET restricted = EXISTS (SELECT 1 FROM correspondence_tags x JOIN tags t ON t.id = x.tag_id
        WHERE x.correspondence_id = NEW.id AND t.effect = 'restricted'),
        hidden = EXISTS (SELECT 1 FROM correspondence_tags x JOIN tags t ON t.id = x.tag_id
        WHERE x.correspondence_id = NEW.id AND t.effect = 'restricted')
        OR EXISTS (SELECT 1 FROM cases hc WHERE hc.id = NEW.case_id AND hc.sensitive = TRUE) WHERE id = NEW.id;
END;

-- Merges, kept so that one can be undone: what moved, and where from.
CREATE TABLE tag_merges (
    id            INTEGER PRIMARY KEY,
    office_id     BIGINT NOT NULL REFERENCES offices(id),
    from_tag_id   BIGINT NOT NULL REFERENCES tags(id),
    into_tag_id   BIGINT NOT NULL REFERENCES tags(id),
    by_user       BIGINT REFERENCES users(id),
    at            BIGINT NOT NULL,
    cases         BIGINT NOT NULL DEFAULT 0,
    messages      BIGINT NOT NULL DEFAULT 0,
    undone_at     BIGINT,
    undone_by     BIGINT REFERENCES users(id)
);
CREATE INDEX tag_merges_office ON tag_merges(office_id, at);
CREATE TABLE tag_merge_moves (
    merge_id  BIGINT NOT NULL REFERENCES tag_merges(id),
    kind      TEXT NOT NULL,     -- 'case', 'correspondence', 'child'
    item_id   BIGINT NOT NULL,
    dropped   BOOLEAN NOT NULL DEFAULT FALSE,  -- the item had both tags: the old one was removed
    PRIMARY KEY (merge_id, kind, item_id)
);

-- The audit of changes to the framework (who merged, renamed, retired what).
CREATE TABLE tag_events (
    id         INTEGER PRIMARY KEY,
    office_id  BIGINT NOT NULL REFERENCES offices(id),
    actor_id   BIGINT REFERENCES users(id),
    kind       TEXT NOT NULL,
    tag_id     BIGINT REFERENCES tags(id),
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX tag_events_office ON tag_events(office_id, at);

-- Location: the office's table of postcodes (or postcode districts) and
-- their wards; without one, a constituent's location is their district.
CREATE TABLE postcode_wards (
    office_id  BIGINT NOT NULL REFERENCES offices(id),
    postcode   TEXT NOT NULL,   -- upper case, no spaces: a full postcode or a district
    ward       TEXT NOT NULL,
    PRIMARY KEY (office_id, postcode)
);

-- Messages by the day they arrived, for Trends.
CREATE INDEX correspondence_received ON correspondence(office_id, received_at);

CREATE TRIGGER case_counted AFTER INSERT ON cases
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.sensitive THEN 'case_hidden' ELSE 'case' END, 0, 0, NEW.opened_at / 86400000, 1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_sensitivity_counted AFTER UPDATE OF sensitive ON cases WHEN OLD.sensitive <> NEW.sensitive
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN OLD.sensitive THEN 'case_hidden' ELSE 'case' END, 0, 0, NEW.opened_at / 86400000, -1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.sensitive THEN 'case_hidden' ELSE 'case' END, 0, 0, NEW.opened_at / 86400000, 1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN OLD.sensitive THEN 'case_hidden' ELSE 'case' END, ct.dimension_id, ct.tag_id, NEW.opened_at / 86400000, -1 FROM case_tags ct WHERE ct.case_id = NEW.id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.sensitive THEN 'case_hidden' ELSE 'case' END, ct.dimension_id, ct.tag_id, NEW.opened_at / 86400000, 1 FROM case_tags ct WHERE ct.case_id = NEW.id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    UPDATE correspondence SET hidden = (restricted OR NEW.sensitive)
    WHERE case_id = NEW.id AND hidden <> (restricted OR NEW.sensitive);
END;
CREATE TRIGGER case_tag_counted AFTER INSERT ON case_tags
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT c.office_id, CASE WHEN c.sensitive THEN 'case_hidden' ELSE 'case' END, NEW.dimension_id, NEW.tag_id, c.opened_at / 86400000, 1 FROM cases c WHERE c.id = NEW.case_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_tag_uncounted AFTER DELETE ON case_tags
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT c.office_id, CASE WHEN c.sensitive THEN 'case_hidden' ELSE 'case' END, OLD.dimension_id, OLD.tag_id, c.opened_at / 86400000, -1 FROM cases c WHERE c.id = OLD.case_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER case_tag_recounted AFTER UPDATE OF tag_id ON case_tags WHEN OLD.tag_id <> NEW.tag_id
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT c.office_id, CASE WHEN c.sensitive THEN 'case_hidden' ELSE 'case' END, OLD.dimension_id, OLD.tag_id, c.opened_at / 86400000, -1 FROM cases c WHERE c.id = OLD.case_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT c.office_id, CASE WHEN c.sensitive THEN 'case_hidden' ELSE 'case' END, NEW.dimension_id, NEW.tag_id, c.opened_at / 86400000, 1 FROM cases c WHERE c.id = NEW.case_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER message_counted AFTER INSERT ON correspondence
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.hidden THEN 'message_hidden' ELSE 'message' END, 0, 0, NEW.received_at / 86400000, 1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER message_visibility_counted AFTER UPDATE OF hidden ON correspondence WHEN OLD.hidden <> NEW.hidden
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN OLD.hidden THEN 'message_hidden' ELSE 'message' END, 0, 0, NEW.received_at / 86400000, -1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.hidden THEN 'message_hidden' ELSE 'message' END, 0, 0, NEW.received_at / 86400000, 1 WHERE TRUE
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN OLD.hidden THEN 'message_hidden' ELSE 'message' END, x.dimension_id, x.tag_id, NEW.received_at / 86400000, -1 FROM correspondence_tags x WHERE x.correspondence_id = NEW.id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT NEW.office_id, CASE WHEN NEW.hidden THEN 'message_hidden' ELSE 'message' END, x.dimension_id, x.tag_id, NEW.received_at / 86400000, 1 FROM correspondence_tags x WHERE x.correspondence_id = NEW.id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER message_tag_counted AFTER INSERT ON correspondence_tags
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT m.office_id, CASE WHEN m.hidden THEN 'message_hidden' ELSE 'message' END, NEW.dimension_id, NEW.tag_id, m.received_at / 86400000, 1 FROM correspondence m WHERE m.id = NEW.correspondence_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER message_tag_uncounted AFTER DELETE ON correspondence_tags
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT m.office_id, CASE WHEN m.hidden THEN 'message_hidden' ELSE 'message' END, OLD.dimension_id, OLD.tag_id, m.received_at / 86400000, -1 FROM correspondence m WHERE m.id = OLD.correspondence_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER message_tag_recounted AFTER UPDATE OF tag_id ON correspondence_tags WHEN OLD.tag_id <> NEW.tag_id
BEGIN
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT m.office_id, CASE WHEN m.hidden THEN 'message_hidden' ELSE 'message' END, OLD.dimension_id, OLD.tag_id, m.received_at / 86400000, -1 FROM correspondence m WHERE m.id = OLD.correspondence_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tag_day_counts (office_id, kind, dimension_id, tag_id, day, n)
    SELECT m.office_id, CASE WHEN m.hidden THEN 'message_hidden' ELSE 'message' END, NEW.dimension_id, NEW.tag_id, m.received_at / 86400000, 1 FROM correspondence m WHERE m.id = NEW.correspondence_id
    ON CONFLICT (office_id, kind, dimension_id, day, tag_id) DO UPDATE SET n = n + excluded.n;
END;
