-- When the host question was asked: a typed answer is read as its answer only for a few
-- minutes. Left unanswered, /delete's question still took a "yes" typed a day later, to a
-- reminder, as the answer to it (and everything was deleted).
ALTER TABLE participants ADD COLUMN host_question_at TEXT;
