-- Areas staff define (names in each language, aliases, postcode districts), offered to
-- residents as buttons and matched against what they type; and the areas a round is for.

CREATE TABLE areas (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,               -- JSON texts: {"en": "Riverside", "cy": "..."}
    key         TEXT NOT NULL UNIQUE,        -- the English name as compared (case-folded)
    aliases     TEXT NOT NULL DEFAULT '[]',  -- JSON list of other names people use
    districts   TEXT NOT NULL DEFAULT '[]',  -- JSON list of postcode districts, e.g. ["CF10"]
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A round is for everyone (no rows here) or for residents of these areas. `area` is the name
-- as residents' rows hold it (an area's English name, or what staff typed when no areas were
-- defined); `area_key` is how it is compared. rounds.area stays, as a display copy.
CREATE TABLE round_areas (
    round_id  INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    area      TEXT NOT NULL,
    area_key  TEXT NOT NULL,
    PRIMARY KEY (round_id, area_key)
);
CREATE INDEX round_areas_key ON round_areas(area_key);

INSERT INTO round_areas (round_id, area, area_key)
    SELECT id, trim(area), lower(trim(area)) FROM rounds WHERE trim(coalesce(area, '')) != '';
