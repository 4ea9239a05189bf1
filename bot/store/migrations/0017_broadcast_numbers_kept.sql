-- A draft that was only previewed is deleted, and SQLite gives a new row the highest id in
-- the table plus one: the next broadcast took the discarded draft's number, and the audit
-- log's "broadcast 13" then named two broadcasts. A number once used is not given again.
CREATE TABLE broadcast_numbers (highest_used INTEGER NOT NULL);
INSERT INTO broadcast_numbers (highest_used)
SELECT MAX(
    COALESCE((SELECT MAX(id) FROM broadcasts), 0),
    COALESCE(
        (SELECT MAX(CAST(object_id AS INTEGER)) FROM audit_log WHERE object_type = 'broadcast'),
        0
    )
);
CREATE TRIGGER broadcast_number_used AFTER INSERT ON broadcasts
BEGIN
    UPDATE broadcast_numbers SET highest_used = MAX(highest_used, NEW.id);
END;
