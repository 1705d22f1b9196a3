-- Foundation: offices, staff, sessions, constituents, cases and their timeline.
-- Times are Unix milliseconds (BIGINT) on both backends.

CREATE TABLE offices (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    office_id     BIGINT NOT NULL REFERENCES offices(id),
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_office ON users(office_id, display_name);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    key      TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE constituents (
    id               INTEGER PRIMARY KEY,
    office_id        BIGINT NOT NULL REFERENCES offices(id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    email            TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    postcode         TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    mailing_address  TEXT NOT NULL DEFAULT '',
    do_not_email     BOOLEAN NOT NULL DEFAULT FALSE,
    do_not_mail      BOOLEAN NOT NULL DEFAULT FALSE,
    do_not_phone     BOOLEAN NOT NULL DEFAULT FALSE,
    notes            TEXT NOT NULL DEFAULT '',
    household_key    TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX constituents_office ON constituents(office_id, id);
CREATE INDEX constituents_household ON constituents(office_id, household_key) WHERE household_key IS NOT NULL;
CREATE INDEX constituents_email ON constituents(office_id, email) WHERE email <> '';

-- Prefix search: one row per searchable term of a constituent, scanned in term order.
CREATE TABLE constituent_terms (
    office_id       BIGINT NOT NULL,
    term            TEXT NOT NULL,
    constituent_id  BIGINT NOT NULL REFERENCES constituents(id),
    PRIMARY KEY (office_id, term, constituent_id)
) WITHOUT ROWID;
CREATE INDEX constituent_terms_by_constituent ON constituent_terms(constituent_id, term);

CREATE TABLE case_counters (
    office_id  BIGINT NOT NULL,
    year       BIGINT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (office_id, year)
);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    office_id         BIGINT NOT NULL REFERENCES offices(id),
    reference         TEXT NOT NULL,
    constituent_id    BIGINT NOT NULL REFERENCES constituents(id),
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL DEFAULT '',
    level             TEXT NOT NULL DEFAULT 'other',
    agency            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    assignee_id       BIGINT REFERENCES users(id),
    urgency           TEXT NOT NULL,
    sensitive         BOOLEAN NOT NULL DEFAULT FALSE,
    review_date       TEXT,
    opened_at         BIGINT NOT NULL,
    closed_at         BIGINT,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (office_id, reference)
);
CREATE INDEX cases_office_updated ON cases(office_id, updated_at, id);
CREATE INDEX cases_office_opened ON cases(office_id, opened_at, id);
CREATE INDEX cases_office_status ON cases(office_id, status, updated_at, id);
CREATE INDEX cases_office_assignee ON cases(office_id, assignee_id, updated_at, id);
CREATE INDEX cases_office_category ON cases(office_id, category, updated_at, id);
CREATE INDEX cases_office_agency ON cases(office_id, agency, updated_at, id);
CREATE INDEX cases_constituent ON cases(constituent_id);

-- Other people on a case besides its main constituent (family members, carers).
CREATE TABLE case_people (
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    constituent_id  BIGINT NOT NULL REFERENCES constituents(id),
    relationship    TEXT NOT NULL DEFAULT '',
    added_at        BIGINT NOT NULL,
    PRIMARY KEY (case_id, constituent_id)
);
CREATE INDEX case_people_constituent ON case_people(constituent_id);

-- The history of constituents and cases: notes, status changes, assignments
-- and the audit of every change. Append-only: the triggers below refuse
-- edits and deletions, so the product cannot rewrite history.
CREATE TABLE timeline (
    id              INTEGER PRIMARY KEY,
    office_id       BIGINT NOT NULL,
    constituent_id  BIGINT REFERENCES constituents(id),
    case_id         BIGINT REFERENCES cases(id),
    kind            TEXT NOT NULL,
    actor_id        BIGINT REFERENCES users(id),
    at              BIGINT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    changes         TEXT
);
CREATE INDEX timeline_constituent ON timeline(constituent_id, at, id);
CREATE INDEX timeline_case ON timeline(case_id, at, id);

CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
