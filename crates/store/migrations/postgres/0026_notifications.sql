-- What needs a person: a case assigned to them, a reply on their case, their
-- draft approved, a comment on their draft. Each event reaches each person
-- once (dedupe_key); read when they open it or mark all read; emailed (a
-- short note with a link, no personal details) to those who ask for it.
CREATE TABLE notifications (
    id                 BIGSERIAL PRIMARY KEY,
    office_id          BIGINT NOT NULL REFERENCES offices(id),
    user_id            BIGINT NOT NULL REFERENCES users(id),
    kind               TEXT NOT NULL,
    case_id            BIGINT,
    correspondence_id  BIGINT,
    text               TEXT NOT NULL,
    link               TEXT NOT NULL,
    dedupe_key         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    read_at            BIGINT,
    emailed_at         BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_to_email ON notifications(created_at) WHERE emailed_at IS NULL AND read_at IS NULL;

ALTER TABLE users ADD COLUMN notify_by_email BOOLEAN NOT NULL DEFAULT FALSE;
