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

-- The ledger gets a state before "sending": a claimed recipient is one a sender has taken
-- but not yet tried. Only "sending" (the request may have reached Telegram) is in doubt after
-- a crash; claimed recipients go back in the queue. SQLite cannot change a CHECK constraint,
-- so the table is made again with the same rows.
CREATE TABLE deliveries_new (
    broadcast_id   INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    state          TEXT NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed',
                                    'unreachable')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    updated_at     TEXT,
    PRIMARY KEY (broadcast_id, participant_id)
);
INSERT INTO deliveries_new SELECT broadcast_id, participant_id, state, attempts, error,
    updated_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_state ON deliveries(broadcast_id, state, participant_id);
CREATE INDEX deliveries_participant ON deliveries(participant_id);

-- The sweep's "who left questions unfinished" looks only at sessions still waiting for a
-- reminder, not at every session there ever was.
CREATE INDEX sessions_to_remind ON sessions(updated_at)
    WHERE status = 'active' AND reminded_at IS NULL;
CREATE INDEX champions_status ON champions(status);
