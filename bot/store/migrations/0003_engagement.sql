-- The four QS148 statements: priorities (rounds, topics, submissions), measures and
-- evaluations of initiatives, community assets, and champions' details.
-- Staff-entered texts are JSON objects of locale -> text ({"en": "...", "cy": "..."}).

CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    question    TEXT NOT NULL,               -- JSON texts
    area        TEXT,                        -- NULL: everyone
    opens_at    TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  TEXT NOT NULL,
    closed_at   TEXT
);

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,               -- stable id, e.g. 'mental-health'
    label       TEXT NOT NULL,               -- JSON texts; builtin topics hold the English msgid
    builtin     INTEGER NOT NULL DEFAULT 0,  -- 1: translated through the gettext catalogs
    position    INTEGER NOT NULL,
    UNIQUE (round_id, key)
);

CREATE TABLE priority_submissions (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    round_id       INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    other          TEXT,                     -- JSON: "something else", typed or a voice note
    submitted_at   TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (participant_id, round_id)        -- one per resident per round; changes replace it
);

CREATE TABLE priority_choices (
    submission_id  INTEGER NOT NULL REFERENCES priority_submissions(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    round_id       INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    topic_id       INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    rank           INTEGER NOT NULL,         -- 1 = most important
    PRIMARY KEY (submission_id, topic_id)
);
-- "Who chose topic T in round R": feedback goes to exactly these people.
CREATE INDEX priority_choices_topic ON priority_choices(round_id, topic_id, participant_id);

CREATE TABLE initiatives (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,            -- JSON texts
    description    TEXT,                     -- JSON texts
    status         TEXT NOT NULL DEFAULT 'planned'
                   CHECK (status IN ('planned', 'active', 'paused', 'finished')),
    round_id       INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
    starts_on      TEXT,
    check_in_days  INTEGER NOT NULL DEFAULT 30,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE initiative_topics (
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    topic_id       INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (initiative_id, topic_id)
);
CREATE INDEX initiative_topics_topic ON initiative_topics(topic_id);

CREATE TABLE initiative_updates (
    id             INTEGER PRIMARY KEY,
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    status         TEXT,
    note           TEXT,                     -- JSON texts: "what we did"
    created_at     TEXT NOT NULL
);

CREATE TABLE measures (
    id             INTEGER PRIMARY KEY,
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,            -- JSON texts
    -- A resident's proposal stays (as the community's idea) if they delete their data.
    proposed_by    INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    status         TEXT NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('proposed', 'adopted', 'rejected')),
    created_at     TEXT NOT NULL,
    adopted_at     TEXT
);
CREATE INDEX measures_initiative ON measures(initiative_id, status);

CREATE TABLE measure_votes (
    measure_id     INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (measure_id, participant_id)
);

CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    period         TEXT NOT NULL,            -- start date of the check-in period
    worked         TEXT,                     -- JSON: text or voice note
    better         TEXT,                     -- JSON: text or voice note
    created_at     TEXT NOT NULL,
    UNIQUE (participant_id, initiative_id, period)
);
-- "Who evaluated initiative I".
CREATE INDEX evaluations_initiative ON evaluations(initiative_id, participant_id);

CREATE TABLE evaluation_ratings (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    measure_id     INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    rating         INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (evaluation_id, measure_id)
);

CREATE TABLE assets (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    category       TEXT NOT NULL CHECK (category IN
                   ('skills', 'knowledge', 'networks', 'relationships', 'facilities')),
    what           TEXT NOT NULL,            -- JSON: text or voice note
    latitude       REAL,
    longitude      REAL,
    place          TEXT,
    who_for        TEXT,                     -- JSON: who it helps / when, optional
    may_contact    INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'verified', 'hidden')),
    created_at     TEXT NOT NULL,
    reviewed_at    TEXT
);
CREATE INDEX assets_status ON assets(status, category);

ALTER TABLE champions ADD COLUMN roles TEXT;          -- JSON list of role ids
ALTER TABLE champions ADD COLUMN languages TEXT;      -- JSON list
ALTER TABLE champions ADD COLUMN availability TEXT;
ALTER TABLE champions ADD COLUMN skills TEXT;         -- JSON: text or voice note
ALTER TABLE champions ADD COLUMN may_contact INTEGER NOT NULL DEFAULT 0;
