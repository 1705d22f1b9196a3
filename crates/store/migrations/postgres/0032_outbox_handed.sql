-- When the sender began handing a message to the mail server. A sender that
-- dies after that instant leaves the message in 'sending' with this set: the
-- server may have taken it, so it is not sent again by itself (nobody gets
-- it twice) but set aside as failed, for a person to check and decide. A
-- message claimed but never handed over is simply sent by the next worker.
ALTER TABLE outbox ADD COLUMN handed_at BIGINT;
