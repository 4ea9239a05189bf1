-- A resident's own idea for a measure ("how could we tell if it is working?") used to be a
-- 'proposed' measure at once, offered to every other resident to vote for, with whatever
-- it said (a neighbour's name and address) and in the language it was written. Now it is
-- 'suggested': shown to staff only, until they accept it for votes (they may edit or
-- translate its words first) or reject it. Measures kept before stay as they are.
-- `locale` is the language a resident wrote (or spoke) their idea in, so staff see their
-- own words as such after translations are added; NULL for staff's measures. Measures kept
-- before get it where a resident's words are in one language only.
--
-- SQLite cannot change a CHECK constraint, so the table is made again with the same rows.
-- Foreign keys are on (a migration runs in a transaction, where they cannot be turned off):
-- dropping the old table deletes its votes and ratings by cascade, so they are kept aside
-- and put back with the same measure ids.
CREATE TEMP TABLE kept_votes AS SELECT * FROM measure_votes;
CREATE TEMP TABLE kept_ratings AS SELECT * FROM evaluation_ratings;
CREATE TABLE measures_new (
    id             INTEGER PRIMARY KEY,
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,            -- JSON texts
    -- A resident's proposal stays (as the community's idea) if they delete their data.
    proposed_by    INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    status         TEXT NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('suggested', 'proposed', 'adopted', 'rejected')),
    created_at     TEXT NOT NULL,
    adopted_at     TEXT,
    locale         TEXT
);
INSERT INTO measures_new (id, initiative_id, text, proposed_by, status, created_at, adopted_at,
                          locale)
SELECT id, initiative_id, text, proposed_by, status, created_at, adopted_at,
       CASE WHEN proposed_by IS NOT NULL AND json_valid(text) AND json_type(text) = 'object'
                 AND (SELECT COUNT(*) FROM json_each(measures.text)) = 1
                 AND (SELECT key FROM json_each(measures.text)) != 'voice'
            THEN (SELECT key FROM json_each(measures.text)) END
FROM measures;
DROP TABLE measures;
ALTER TABLE measures_new RENAME TO measures;
CREATE INDEX measures_initiative ON measures(initiative_id, status);
CREATE INDEX measures_proposed_by ON measures(proposed_by);
INSERT INTO measure_votes SELECT * FROM kept_votes;
INSERT INTO evaluation_ratings SELECT * FROM kept_ratings;
DROP TABLE kept_votes;
DROP TABLE kept_ratings;
