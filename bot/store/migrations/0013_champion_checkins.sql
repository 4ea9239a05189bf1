-- Each champion's monthly check-in runs from when they became active, not the calendar: the
-- first comes a month after they start, and a bot that was down catches up once.
ALTER TABLE champions ADD COLUMN last_checkin_at TEXT;
UPDATE champions SET last_checkin_at = COALESCE(approved_at, created_at) WHERE status = 'active';
CREATE INDEX champions_checkin_due ON champions(status, last_checkin_at);
