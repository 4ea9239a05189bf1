-- The staff dashboard in the browser: one-time login links and the sessions they open. Only
-- hashes of the link tokens and of the session cookies are kept, so a copy of the database
-- cannot be used to sign in.

CREATE TABLE dashboard_links (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,        -- SHA-256 of the token, hex
    name        TEXT NOT NULL,               -- who it is for, as the audit log names them
    member_id   INTEGER REFERENCES staff_members(id),  -- NULL: made on the server (CLI)
    role        TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE dashboard_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,       -- SHA-256 of the cookie's value, hex
    name         TEXT NOT NULL,
    member_id    INTEGER REFERENCES staff_members(id),  -- the role is read from there anew
    role         TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at     TEXT
);

-- The overview: residents by language and area, residents joining week by week, answers week
-- by week, and the words page's answers to the questions asked in words, newest first,
-- without reading every answer.
CREATE INDEX participants_language_area ON participants(locale, area)
    WHERE consent_at IS NOT NULL;
CREATE INDEX participants_created ON participants(created_at);
CREATE INDEX answers_created ON answers(created_at);
CREATE INDEX answers_node ON answers(flow_id, node_id, id);
-- "Something else" answers, newest first: most submissions have none.
CREATE INDEX priority_submissions_other ON priority_submissions(updated_at, id)
    WHERE other IS NOT NULL;
