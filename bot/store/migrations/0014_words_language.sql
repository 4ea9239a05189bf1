-- The language a resident's words were written in, kept with them: staff pick a translator by
-- it, and the resident may have changed language since (read from participants, the label
-- followed them). Rows from before this have none and are read with the resident's language
-- now, as before: no better guess exists for them.
ALTER TABLE answers ADD COLUMN locale TEXT;
ALTER TABLE priority_submissions ADD COLUMN locale TEXT;
ALTER TABLE evaluations ADD COLUMN locale TEXT;
