-- The outbox: outgoing email queued in the same transaction as its
-- correspondence record, sent by a background worker, retried with backoff.

CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY,
    office_id          BIGINT NOT NULL REFERENCES offices(id),
    correspondence_id  BIGINT NOT NULL REFERENCES correspondence(id),
    state              TEXT NOT NULL,        -- awaiting_approval, queued, sending, sent, failed
    envelope_from      TEXT NOT NULL,
    envelope_to        TEXT NOT NULL,        -- comma-separated addresses
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at    BIGINT NOT NULL,
    lease_until        BIGINT,
    last_error         TEXT NOT NULL DEFAULT '',
    approved_by        BIGINT REFERENCES users(id),
    created_by         BIGINT REFERENCES users(id),
    created_at         BIGINT NOT NULL,
    sent_at            BIGINT,
    UNIQUE (correspondence_id)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_office ON outbox(office_id, state, created_at);
