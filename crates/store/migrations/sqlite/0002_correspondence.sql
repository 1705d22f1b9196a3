-- Correspondence: every email, letter, call and meeting, in or out.

CREATE TABLE correspondence (
    id               INTEGER PRIMARY KEY,
    office_id        BIGINT NOT NULL REFERENCES offices(id),
    direction        TEXT NOT NULL,             -- 'in' or 'out'
    channel          TEXT NOT NULL,             -- 'email', 'letter', …
    state            TEXT NOT NULL,             -- 'intake', 'filed', 'no_action'
    case_id          BIGINT REFERENCES cases(id),
    constituent_id   BIGINT REFERENCES constituents(id),
    dedupe_key       TEXT NOT NULL,
    message_id       TEXT NOT NULL DEFAULT '',
    in_reply_to      TEXT NOT NULL DEFAULT '',
    reference_ids    TEXT NOT NULL DEFAULT '',
    from_address     TEXT NOT NULL DEFAULT '',
    from_name        TEXT NOT NULL DEFAULT '',
    to_addresses     TEXT NOT NULL DEFAULT '',
    cc_addresses     TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL DEFAULT '',
    sent_at          BIGINT,
    received_at      BIGINT NOT NULL,
    body_text        TEXT NOT NULL DEFAULT '',
    body_html        TEXT,
    raw_blob         TEXT,
    raw_size         BIGINT NOT NULL DEFAULT 0,
    source           TEXT NOT NULL DEFAULT '',
    problems         TEXT NOT NULL DEFAULT '',
    filed_by         BIGINT REFERENCES users(id),
    filed_at         BIGINT,
    unread           BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (office_id, dedupe_key)
);
CREATE INDEX correspondence_state ON correspondence(office_id, state, received_at, id);
CREATE INDEX correspondence_case ON correspondence(case_id, received_at, id);
CREATE INDEX correspondence_constituent ON correspondence(constituent_id, received_at, id);
CREATE INDEX correspondence_message_id ON correspondence(office_id, message_id) WHERE message_id <> '';

CREATE TABLE attachments (
    id                 INTEGER PRIMARY KEY,
    correspondence_id  BIGINT NOT NULL REFERENCES correspondence(id),
    filename           TEXT NOT NULL,
    content_type       TEXT NOT NULL,
    size               BIGINT NOT NULL,
    blob               TEXT NOT NULL
);
CREATE INDEX attachments_correspondence ON attachments(correspondence_id);

-- Messages that could not be stored (empty, over the size limit), with why.
CREATE TABLE mail_rejections (
    id         INTEGER PRIMARY KEY,
    office_id  BIGINT NOT NULL REFERENCES offices(id),
    source     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    raw_blob   TEXT,
    at         BIGINT NOT NULL
);

ALTER TABLE timeline ADD COLUMN correspondence_id BIGINT REFERENCES correspondence(id);
