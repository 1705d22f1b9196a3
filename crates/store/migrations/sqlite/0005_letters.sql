-- Templates for letters and emails, and the office's letterhead.

CREATE TABLE templates (
    id                        INTEGER PRIMARY KEY,
    office_id                 BIGINT NOT NULL REFERENCES offices(id),
    name                      TEXT NOT NULL,
    subject                   TEXT NOT NULL DEFAULT '',
    body                      TEXT NOT NULL,
    signed_by_representative  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL,
    version                   BIGINT NOT NULL DEFAULT 1,
    UNIQUE (office_id, name)
);

ALTER TABLE offices ADD COLUMN letterhead TEXT NOT NULL DEFAULT '';
