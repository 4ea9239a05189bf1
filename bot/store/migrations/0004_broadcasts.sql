-- Broadcasts (a message to many) and their delivery ledger (one row per recipient), and the
-- marker that keeps reminders to one per unfinished session.

CREATE TABLE broadcasts (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN
                      ('staff', 'results', 'initiative', 'reminder', 'checkin', 'champion')),
    audience          TEXT NOT NULL,          -- JSON {"type": ..., "value": ...}
    content           TEXT NOT NULL,          -- JSON: texts by locale, a template, or kind data
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
                      ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'done')),
    send_at           TEXT,                   -- when to start (NULL: as soon as confirmed)
    spread_hours      REAL,                   -- spread sending over this many hours
    round_id          INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
    initiative_id     INTEGER REFERENCES initiatives(id) ON DELETE SET NULL,
    dedupe_key        TEXT UNIQUE,            -- scheduled work makes each broadcast once
    created_by        TEXT,                   -- staff user id, or 'scheduler'
    status_chat_id    TEXT,                   -- where the staff progress message is
    status_message_id INTEGER,
    created_at        TEXT NOT NULL,
    started_at        TEXT,
    finished_at       TEXT
);
CREATE INDEX broadcasts_due ON broadcasts(status, send_at);

CREATE TABLE deliveries (
    broadcast_id   INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    state          TEXT NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unreachable')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    updated_at     TEXT,
    PRIMARY KEY (broadcast_id, participant_id)
);
CREATE INDEX deliveries_state ON deliveries(broadcast_id, state, participant_id);
CREATE INDEX deliveries_participant ON deliveries(participant_id);

ALTER TABLE sessions ADD COLUMN reminded_at TEXT;
