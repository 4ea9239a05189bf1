-- QS148 evidence for staff: staff members and their roles, one-time staff invitations, the
-- population table representativeness is compared with, values the bot keeps for itself (the
-- export pseudonym secret), initiative milestones, and an asset's consent to show the exact
-- place on a map.

-- Staff and their roles. STAFF_TELEGRAM_IDS only adds admins that are not here yet: a removed
-- admin keeps their row (removed_at set) and is not added back. No resident is ever in here.
CREATE TABLE staff_members (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    telegram_user_id INTEGER UNIQUE,         -- NULL for staff who only use the command line
    role             TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    added_at         TEXT NOT NULL,
    added_by         TEXT NOT NULL,          -- actor name, or 'STAFF_TELEGRAM_IDS'
    removed_at       TEXT,
    removed_by       TEXT
);

-- One-time invitations (t.me/<bot>?start=staff-<token>). Only a hash of the token is kept, so
-- a copy of the database cannot be used to join as staff.
CREATE TABLE staff_invites (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,        -- SHA-256 of the token, hex
    role        TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    name        TEXT,                        -- who it is for, if the admin said
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    member_id   INTEGER REFERENCES staff_members(id)
);

-- Population counts (e.g. census) to compare participation with, loaded from CSV by staff.
-- area '' is the whole population; characteristic is 'area' or an onboarding answer key.
CREATE TABLE population (
    area           TEXT NOT NULL DEFAULT '',
    characteristic TEXT NOT NULL,
    grp            TEXT NOT NULL,
    count          INTEGER NOT NULL CHECK (count >= 0),
    source         TEXT,
    loaded_at      TEXT NOT NULL,
    PRIMARY KEY (area, characteristic, grp)
);

-- Values the bot makes for itself once and keeps (e.g. the export pseudonym secret when
-- EXPORT_SECRET is not set). Never exported.
CREATE TABLE kept_values (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Dated milestones of an initiative, each with an owner (a staff member's name).
CREATE TABLE initiative_milestones (
    id            INTEGER PRIMARY KEY,
    initiative_id INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    due_on        TEXT NOT NULL,             -- YYYY-MM-DD
    owner         TEXT NOT NULL,
    done_on       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX initiative_milestones_initiative ON initiative_milestones(initiative_id, due_on);
CREATE INDEX initiative_updates_initiative ON initiative_updates(initiative_id, id);

-- 1: the resident agreed that the exact place may be shown (else about 1 km, see exports).
ALTER TABLE assets ADD COLUMN share_exact INTEGER NOT NULL DEFAULT 0;

-- The report counts feedback deliveries per initiative and round, and the latest equality
-- answers per participant.
CREATE INDEX broadcasts_kind ON broadcasts(kind, initiative_id, round_id);
CREATE INDEX answers_key_participant ON answers(key, participant_id, id);
