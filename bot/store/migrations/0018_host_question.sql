-- The question the host asked itself last (the /delete confirmation, the language picker,
-- the poster's languages), until the resident answers or is asked something else: a typed
-- answer to it ("No, keep it", "Cymraeg", "2") is read as its answer, not as an answer to
-- the flow question asked before it.
ALTER TABLE participants ADD COLUMN host_question TEXT;
