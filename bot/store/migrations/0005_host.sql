-- Flow versions people are part-way through, the staff audit log, and the indexes that keep
-- every per-tap and per-recipient query off a full scan.

-- The source of every flow version a session was started on, so a session can finish on the
-- version it began with after the file changes. Versions no session uses are pruned.
CREATE TABLE flow_versions (
    hash       TEXT PRIMARY KEY,             -- Flow.content_hash
    flow_id    TEXT NOT NULL,
    file       TEXT NOT NULL,                -- where it was read from, for messages
    source     TEXT NOT NULL,                -- the YAML text, exactly as read
    first_seen TEXT NOT NULL
);

-- Every staff action from any channel: who, in which role, what, on which object, when, and
-- for changes of text, the text before and after. Append-only; never touched by /delete (it
-- holds staff names and staff texts, no resident's personal data).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,               -- staff name, e.g. 'tg:9000' or 'cli:amina'
    role        TEXT NOT NULL,
    channel     TEXT NOT NULL,               -- telegram, cli, web
    action      TEXT NOT NULL,               -- e.g. round.open
    object_type TEXT,
    object_id   TEXT,
    before      TEXT,                        -- JSON, where a text changed
    after       TEXT                         -- JSON
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- /delete and /mydata look rows up by participant in every table; deleting a session looks up
-- its answers.
CREATE INDEX answers_session ON answers(session_id);
CREATE INDEX priority_choices_participant ON priority_choices(participant_id, round_id, rank);
CREATE INDEX evaluation_ratings_participant ON evaluation_ratings(participant_id);
CREATE INDEX evaluation_ratings_measure ON evaluation_ratings(measure_id);
CREATE INDEX measure_votes_participant ON measure_votes(participant_id);
CREATE INDEX measures_proposed_by ON measures(proposed_by);
CREATE INDEX assets_participant ON assets(participant_id);
CREATE INDEX priority_submissions_round ON priority_submissions(round_id);

-- News for residents of the terminal simulator: what a Telegram resident would be sent
-- (results, initiative updates, broadcasts, reminders, check-ins), shown when their chat is
-- open or the next time they open it.
CREATE TABLE inbox (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    image_path     TEXT,                     -- a chart, written under the data folder
    buttons        TEXT,                     -- JSON [[label, callback data], ...]
    created_at     TEXT NOT NULL,
    shown_at       TEXT
);
CREATE INDEX inbox_unshown ON inbox(participant_id, shown_at);
