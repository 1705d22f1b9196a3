-- Background work: one row per job (the outbox worker, each mailbox's
-- poller, the session sweep, campaign upkeep …). A job is claimed with a
-- short lease that its runner renews while it works, so a dead runner is
-- replaced as soon as its lease runs out. A recurring job's next run is
-- counted from the end of the last one: a job overdue for hours runs once.

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    job_key      TEXT NOT NULL DEFAULT '',
    office_id    BIGINT REFERENCES offices(id),
    due_at       BIGINT NOT NULL,
    every_ms     BIGINT,                 -- NULL: runs once, then is deleted
    lease_owner  TEXT,
    lease_until  BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,   -- claims since the last success
    last_error   TEXT NOT NULL DEFAULT '',
    last_run_at  BIGINT,
    created_at   BIGINT NOT NULL,
    UNIQUE (kind, job_key)
);
CREATE INDEX jobs_due ON jobs(due_at);

-- A mailbox's lease names its holder, so only the holder renews or releases it.
ALTER TABLE mailboxes ADD COLUMN lease_owner TEXT;
