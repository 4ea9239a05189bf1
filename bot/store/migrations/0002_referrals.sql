-- Champions' referral codes, who joined through them, and a flow to open after onboarding.
CREATE TABLE champions (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL UNIQUE REFERENCES participants(id) ON DELETE CASCADE,
    code           TEXT NOT NULL UNIQUE,      -- the deep-link payload, unguessable and stable
    status         TEXT NOT NULL DEFAULT 'interested'
                   CHECK (status IN ('interested', 'active', 'paused', 'ended')),
    created_at     TEXT NOT NULL,
    approved_at    TEXT
);

CREATE TABLE referrals (
    participant_id INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    -- Kept if the champion later leaves: the referral is a fact about the new participant.
    champion_id    INTEGER REFERENCES champions(id) ON DELETE SET NULL,
    code           TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX referrals_champion ON referrals(champion_id);

ALTER TABLE participants ADD COLUMN next_flow TEXT;
