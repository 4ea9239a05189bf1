-- Photos sent once and referred to afterwards, broadcasts queued in steps, and the delivery
-- ledger of finished broadcasts summarised before it is pruned.

-- A photo many recipients get (a round's chart in one language) is uploaded once per
-- channel; afterwards the channel's own reference (Telegram's file_id) is sent instead.
CREATE TABLE media (
    key        TEXT NOT NULL,
    channel    TEXT NOT NULL,
    file_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (key, channel)
);

-- Queueing a large audience takes several short transactions, so that no resident's tap
-- waits behind it: recipients are queued in participant id order, up to queued_upto, until
-- queued_all says the whole audience is in the ledger.
ALTER TABLE broadcasts ADD COLUMN queued_upto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN queued_all INTEGER NOT NULL DEFAULT 1;

-- What the ledger said when a finished broadcast's delivery rows were pruned.
ALTER TABLE broadcasts ADD COLUMN sent_count INTEGER;
ALTER TABLE broadcasts ADD COLUMN failed_count INTEGER;
ALTER TABLE broadcasts ADD COLUMN unreachable_count INTEGER;
ALTER TABLE broadcasts ADD COLUMN pruned_at TEXT;
CREATE INDEX broadcasts_finished ON broadcasts(status, finished_at);
