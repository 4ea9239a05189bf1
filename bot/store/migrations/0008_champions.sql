-- Champions' support requests and what staff answered.
-- (Retiring a champion needs no new status: 'ended' in champions.status is "retired". Its
-- CHECK cannot be widened without rebuilding the table, and dropping the old table would null
-- every referral through ON DELETE SET NULL: attribution would be lost.)
CREATE TABLE support_requests (
    id             INTEGER PRIMARY KEY,
    champion_id    INTEGER NOT NULL REFERENCES champions(id) ON DELETE CASCADE,
    -- The champion as a resident: /mydata includes their requests and /delete erases them.
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    request        TEXT NOT NULL,            -- JSON: their words, or a voice note
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    created_at     TEXT NOT NULL,
    alerted_at     TEXT,                     -- when staff were told in Telegram
    answer         TEXT,                     -- what staff wrote (sent), or their note (marked)
    answer_sent    INTEGER NOT NULL DEFAULT 0, -- 1: the answer was sent to the champion
    answered_by    TEXT,                     -- staff name, as in the audit log
    answered_at    TEXT
);
CREATE INDEX support_requests_status ON support_requests(status, id);
CREATE INDEX support_requests_champion ON support_requests(champion_id, status);
CREATE INDEX support_requests_participant ON support_requests(participant_id);
CREATE INDEX support_requests_unalerted ON support_requests(id) WHERE alerted_at IS NULL;
