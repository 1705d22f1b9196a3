-- Third parties: the office's directory of agencies (departments, ministers'
-- offices, local authorities, housing providers…) and their contacts;
-- enquiries written to them from a case, with a reply window; and tasks,
-- made by people or by Casework (a chase-up once an enquiry is overdue, a
-- case whose review date has come), each of the latter exactly once.

-- How many chases before Casework proposes escalation instead.
ALTER TABLE offices ADD COLUMN chases_before_escalation INTEGER NOT NULL DEFAULT 2;
-- The office's time zone (IANA name) and the hour of the day, there, at
-- which each person's daily digest of due and overdue tasks goes out.
ALTER TABLE offices ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE offices ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 7;
-- Whether a person gets the daily digest (they can turn it off).
ALTER TABLE users ADD COLUMN digest BOOLEAN NOT NULL DEFAULT TRUE;
-- Each digest sent: one per person per day, whatever the number of servers.
CREATE TABLE digests (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    day      TEXT NOT NULL,
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- What was carried over from the cases' free-text agency into the
-- directory, written once (NULL: not yet).
ALTER TABLE offices ADD COLUMN agency_report TEXT;

CREATE TABLE agencies (
    id             INTEGER PRIMARY KEY,
    office_id      INTEGER NOT NULL REFERENCES offices(id),
    name           TEXT NOT NULL,
    norm           TEXT NOT NULL,             -- the name folded: case, spacing, punctuation
    kind           TEXT NOT NULL,             -- 'department', 'agency', 'ministry', 'minister', …
    level          TEXT NOT NULL DEFAULT '',  -- 'federal', 'provincial', 'municipal', 'other', ''
    email          TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',  -- postal address, one line per line
    reply_days     INTEGER NOT NULL DEFAULT 21,
    needs_consent  BOOLEAN NOT NULL DEFAULT FALSE,
    escalate_to    INTEGER REFERENCES agencies(id),
    notes          TEXT NOT NULL DEFAULT '',
    retired        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX agencies_norm ON agencies(office_id, norm);

CREATE TABLE agency_contacts (
    id          INTEGER PRIMARY KEY,
    office_id   INTEGER NOT NULL REFERENCES offices(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    retired     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX agency_contacts_agency ON agency_contacts(agency_id, name);

-- Dates are calendar days (YYYY-MM-DD), like a case's review date.
CREATE TABLE enquiries (
    id                 INTEGER PRIMARY KEY,
    office_id          INTEGER NOT NULL REFERENCES offices(id),
    case_id            INTEGER NOT NULL REFERENCES cases(id),
    agency_id          INTEGER NOT NULL REFERENCES agencies(id),
    contact_id         INTEGER REFERENCES agency_contacts(id),
    escalated_from     INTEGER REFERENCES enquiries(id),
    channel            TEXT NOT NULL,             -- 'email', 'letter', 'phone', 'other'
    asked              TEXT NOT NULL,             -- what was asked, in a line
    sent_on            TEXT NOT NULL,
    due_on             TEXT NOT NULL,
    chase_on           TEXT,                      -- when Casework is to make the next chase task (NULL once made)
    chases             INTEGER NOT NULL DEFAULT 0,
    answered_on        TEXT,
    answer_id          INTEGER REFERENCES correspondence(id),
    answer_note        TEXT NOT NULL DEFAULT '',
    answered_by        INTEGER REFERENCES users(id),
    consent_override   TEXT NOT NULL DEFAULT '',  -- why an office manager sent it without consent
    created_by         INTEGER NOT NULL REFERENCES users(id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX enquiries_case ON enquiries(case_id, sent_on);
CREATE INDEX enquiries_agency ON enquiries(agency_id, sent_on);
CREATE INDEX enquiries_open ON enquiries(office_id, due_on) WHERE answered_on IS NULL;
CREATE INDEX enquiries_chase ON enquiries(chase_on) WHERE chase_on IS NOT NULL;

-- The messages of an enquiry (the first, each chase): a reply threading to
-- any of them answers it.
CREATE TABLE enquiry_messages (
    enquiry_id         INTEGER NOT NULL REFERENCES enquiries(id),
    correspondence_id  INTEGER NOT NULL REFERENCES correspondence(id),
    kind               TEXT NOT NULL,             -- 'enquiry', 'chase'
    PRIMARY KEY (enquiry_id, correspondence_id)
);
CREATE INDEX enquiry_messages_correspondence ON enquiry_messages(correspondence_id);

CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    office_id      INTEGER NOT NULL REFERENCES offices(id),
    case_id        INTEGER REFERENCES cases(id),
    enquiry_id     INTEGER REFERENCES enquiries(id),
    kind           TEXT NOT NULL,             -- 'task', 'chase', 'escalate', 'review'
    occasion       TEXT NOT NULL DEFAULT '',  -- what Casework made it for, once: 'enquiry:7:0', 'review:12:2027-01-31'
    title          TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    assignee_id    INTEGER REFERENCES users(id),
    due_on         TEXT NOT NULL,
    snoozed        TEXT NOT NULL DEFAULT '',  -- why it was last put off
    done_at        INTEGER,
    done_by        INTEGER REFERENCES users(id),
    created_by     INTEGER REFERENCES users(id),   -- NULL: made by Casework
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tasks_once ON tasks(office_id, occasion) WHERE occasion <> '';
CREATE INDEX tasks_open ON tasks(assignee_id, due_on) WHERE done_at IS NULL;
CREATE INDEX tasks_office_open ON tasks(office_id, due_on) WHERE done_at IS NULL;
CREATE INDEX tasks_case ON tasks(case_id, due_on);
CREATE INDEX tasks_enquiry ON tasks(enquiry_id) WHERE enquiry_id IS NOT NULL;

-- Written consent (authority to act): who gave it, for whom, for which
-- agencies (all, or those listed), how, when and until when, with the
-- signed form or the email that gave it, if kept on the case.
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY,
    office_id      INTEGER NOT NULL REFERENCES offices(id),
    case_id        INTEGER NOT NULL REFERENCES cases(id),
    given_by       TEXT NOT NULL,
    for_whom       TEXT NOT NULL DEFAULT '',  -- '' : the person who gave it
    all_agencies   BOOLEAN NOT NULL,
    method         TEXT NOT NULL,             -- 'signed_form', 'email', 'phone', 'in_person'
    note           TEXT NOT NULL DEFAULT '',
    given_on       TEXT NOT NULL,
    expires_on     TEXT,
    document_id    INTEGER REFERENCES correspondence(id),
    withdrawn_on   TEXT,
    recorded_by    INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX consents_case ON consents(case_id, given_on);

CREATE TABLE consent_agencies (
    consent_id  INTEGER NOT NULL REFERENCES consents(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (consent_id, agency_id)
);

-- A person's calendar feed: a secret address (only its hash kept) that
-- calendar programs read; revoked, it stops at once.
CREATE TABLE calendar_feeds (
    id          INTEGER PRIMARY KEY,
    office_id   INTEGER NOT NULL REFERENCES offices(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX calendar_feeds_live ON calendar_feeds(user_id) WHERE revoked_at IS NULL;

CREATE INDEX cases_review ON cases(review_date) WHERE review_date IS NOT NULL;
