-- Campaign mail: near-identical messages grouped as they arrive, the
-- personal addition of each, and one approved reply to every sender.

CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY,
    office_id          BIGINT NOT NULL REFERENCES offices(id),
    name               TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open',     -- open, no_action, merged
    merged_into        BIGINT REFERENCES campaigns(id),
    template           BLOB NOT NULL,                -- shingle hashes the copies share
    template_basis     BIGINT NOT NULL DEFAULT 0,        -- copies the template was made from
    sample_id          BIGINT REFERENCES correspondence(id),
    message_count      BIGINT NOT NULL DEFAULT 0,
    first_seen         BIGINT NOT NULL,
    last_seen          BIGINT NOT NULL,
    reply_subject      TEXT NOT NULL DEFAULT '',
    reply_body         TEXT NOT NULL DEFAULT '',
    reply_state        TEXT NOT NULL DEFAULT 'none',     -- none, draft, awaiting_approval, approved, sending
    reply_outside      TEXT NOT NULL DEFAULT 'same',     -- same, skip, other: senders outside the district
    reply_outside_subject TEXT NOT NULL DEFAULT '',      -- the other reply, for 'other'
    reply_outside_body TEXT NOT NULL DEFAULT '',
    reply_auto         BOOLEAN NOT NULL DEFAULT FALSE,   -- answer later senders too
    reply_approved_by  BIGINT REFERENCES users(id),
    reply_updated_by   BIGINT REFERENCES users(id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX campaigns_office ON campaigns(office_id, state, last_seen);

ALTER TABLE correspondence ADD COLUMN campaign_id BIGINT REFERENCES campaigns(id);
ALTER TABLE correspondence ADD COLUMN personal_addition TEXT NOT NULL DEFAULT '';
ALTER TABLE correspondence ADD COLUMN flagged BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE correspondence ADD COLUMN sender_postcode TEXT NOT NULL DEFAULT '';
CREATE INDEX correspondence_campaign ON correspondence(campaign_id, received_at, id) WHERE campaign_id IS NOT NULL;
-- The intake inbox lists single messages; campaign copies are one line each.
CREATE INDEX correspondence_intake_single ON correspondence(office_id, received_at, id)
    WHERE state = 'intake' AND campaign_id IS NULL;

-- Messages not in a campaign that may yet form one with later arrivals:
-- their shingles, and their smallest hashes as anchors to find them by.
CREATE TABLE campaign_pending (
    correspondence_id  BIGINT PRIMARY KEY REFERENCES correspondence(id),
    office_id          BIGINT NOT NULL REFERENCES offices(id),
    received_at        BIGINT NOT NULL,
    shingles           BLOB NOT NULL
);
CREATE INDEX campaign_pending_age ON campaign_pending(received_at);
CREATE TABLE campaign_anchors (
    office_id          BIGINT NOT NULL,
    anchor             BIGINT NOT NULL,
    correspondence_id  BIGINT NOT NULL REFERENCES campaign_pending(correspondence_id) ON DELETE CASCADE
);
CREATE INDEX campaign_anchors_lookup ON campaign_anchors(office_id, anchor);
CREATE INDEX campaign_anchors_message ON campaign_anchors(correspondence_id);

-- Each sender is answered once per campaign, however many copies they sent.
CREATE TABLE campaign_recipients (
    campaign_id        BIGINT NOT NULL REFERENCES campaigns(id),
    email              TEXT NOT NULL,
    outcome            TEXT NOT NULL,                    -- queued, do_not_email, outside_district
    correspondence_id  BIGINT REFERENCES correspondence(id),
    at                 BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, email)
);

-- Postcode prefixes of the district, comma-separated; empty means everyone.
ALTER TABLE offices ADD COLUMN district_postcodes TEXT NOT NULL DEFAULT '';

-- Throttling counts what was sent in the last minute.
CREATE INDEX outbox_sent ON outbox(sent_at) WHERE state = 'sent';
