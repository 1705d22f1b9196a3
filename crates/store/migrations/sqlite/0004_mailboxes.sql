-- Office mailboxes polled over IMAP. The position (UIDVALIDITY and the last
-- UID stored) is updated in the same transaction as the messages it covers.

CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    office_id       BIGINT NOT NULL REFERENCES offices(id),
    host            TEXT NOT NULL,
    port            BIGINT NOT NULL,
    username        TEXT NOT NULL,
    password        TEXT NOT NULL,
    tls             TEXT NOT NULL,
    folder          TEXT NOT NULL,
    uid_validity    BIGINT,
    last_uid        BIGINT NOT NULL DEFAULT 0,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    lease_until     BIGINT,
    last_polled_at  BIGINT,
    last_success_at BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (office_id, host, username, folder)
);
