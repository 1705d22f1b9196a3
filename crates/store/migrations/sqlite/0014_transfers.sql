-- Transfers: a case referred to another office or level of government,
-- where it went, how (a referral email or letter, or recorded only), why,
-- and by whom. A case can be transferred, reopened and transferred again:
-- one row each time.
CREATE TABLE case_transfers (
    id                 INTEGER PRIMARY KEY,
    office_id          INTEGER NOT NULL REFERENCES offices(id),
    case_id            INTEGER NOT NULL REFERENCES cases(id),
    recipient          TEXT NOT NULL,             -- "Office of the MPP for Riverside North"
    recipient_email    TEXT NOT NULL DEFAULT '',
    channel            TEXT NOT NULL,             -- 'email', 'letter', 'none'
    correspondence_id  INTEGER REFERENCES correspondence(id),  -- the referral
    destination        TEXT NOT NULL DEFAULT '',  -- the Transferability value, as named then
    reason             TEXT NOT NULL DEFAULT '',
    previous_status    TEXT NOT NULL,
    transferred_by     INTEGER NOT NULL REFERENCES users(id),
    transferred_at     INTEGER NOT NULL
);
CREATE INDEX case_transfers_case ON case_transfers(case_id, transferred_at);
CREATE INDEX case_transfers_office ON case_transfers(office_id, transferred_at);
