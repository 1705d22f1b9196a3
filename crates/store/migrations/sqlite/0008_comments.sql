-- Comments on drafts: the team discusses an outgoing email or letter, or a
-- campaign's reply, before it is approved.

CREATE TABLE comments (
    id                 INTEGER PRIMARY KEY,
    office_id          BIGINT NOT NULL REFERENCES offices(id),
    correspondence_id  BIGINT REFERENCES correspondence(id),
    campaign_id        BIGINT REFERENCES campaigns(id),
    author_id          BIGINT NOT NULL REFERENCES users(id),
    body               TEXT NOT NULL,
    at                 BIGINT NOT NULL
);
CREATE INDEX comments_correspondence ON comments(correspondence_id, at) WHERE correspondence_id IS NOT NULL;
CREATE INDEX comments_campaign ON comments(campaign_id, at) WHERE campaign_id IS NOT NULL;
