-- A retired champion who offers again waits for staff's yes as anyone new (approved_at is
-- cleared), which lost when they were first approved: staff want how long someone has served.
-- Taken from the audit log where it still says, as approved_at had been overwritten; only
-- entries since the row was made: a champion id can be used again after someone's /delete,
-- and the entries of the one who left are not this person's.
ALTER TABLE champions ADD COLUMN first_approved_at TEXT;
UPDATE champions SET first_approved_at = (
    SELECT MIN(at) FROM (
        SELECT champions.approved_at AS at
        UNION ALL
        SELECT a.at FROM audit_log a
        WHERE a.object_type = 'champion' AND a.object_id = CAST(champions.id AS TEXT)
          AND a.at >= champions.created_at
          AND json_valid(a.after) AND json_extract(a.after, '$.status') = 'active'
    )
);
