-- Participants, their sessions in flows, and the append-only answer log.
CREATE TABLE participants (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,            -- 'telegram' or 'console'
    channel_user_id TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    locale          TEXT,
    area            TEXT,
    consent_at      TEXT,                     -- ISO time consent was given; NULL = not given
    created_at      TEXT NOT NULL,
    opted_out_at    TEXT,                     -- /stop: no broadcasts
    unreachable_at  TEXT,                     -- Telegram said the bot is blocked
    UNIQUE (channel, channel_user_id)
);

CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    flow_id        TEXT NOT NULL,
    flow_hash      TEXT NOT NULL,
    node_id        TEXT,
    state_json     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'finished', 'cancelled')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
-- At most one flow in progress per participant.
CREATE UNIQUE INDEX sessions_one_active ON sessions(participant_id) WHERE status = 'active';
CREATE INDEX sessions_participant ON sessions(participant_id, updated_at);

CREATE TABLE answers (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    session_id     INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    flow_id        TEXT NOT NULL,
    node_id        TEXT NOT NULL,
    key            TEXT NOT NULL,
    value_json     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX answers_participant ON answers(participant_id);
CREATE INDEX answers_key ON answers(flow_id, key);
