-- Two indexes of sessions no longer move at every step of a resident (each move wrote a page
-- or two more in the step's commit, of about a dozen: bench/pages.py, bench/README.md, "Pages a
-- step writes"). Neither changes what any query finds.

-- A participant's sessions, by participant alone: with updated_at in it, every step moved the
-- session's entry. What uses it still finds a participant's sessions through it (a handful
-- each) and reads their times from the rows: the retention sweep (anyone active since the
-- cutoff?) and erasing a participant (ON DELETE CASCADE).
DROP INDEX sessions_participant;
CREATE INDEX sessions_participant ON sessions(participant_id);

-- The reminder sweep's sessions, by when they were begun instead of when they last moved
-- (which every step changed: the entry left its page for the last one, two pages a step). A
-- session untouched since the cutoff was begun before it, so the sweep searches those and
-- reads when each last moved from its row: the ones left unfinished, which it is looking for,
-- and the few begun before the cutoff and still going. Without the menu, which every resident
-- who finished onboarding is left in and which is never reminded: with it, the sweep read a
-- session a resident every minute. (Sessions of residents who cannot be sent news leave it
-- when the sweep passes them over: sessions.mark_reminded.)
DROP INDEX sessions_to_remind;
CREATE INDEX sessions_to_remind ON sessions(created_at)
    WHERE status = 'active' AND reminded_at IS NULL AND flow_id <> 'menu';
