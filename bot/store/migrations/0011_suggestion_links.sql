-- Staff link a resident's "something else" answer to the initiative that answers it, so
-- "you said, we did" reaches them too. Deleting the resident deletes their submission and
-- with it the link.
CREATE TABLE initiative_suggestions (
    initiative_id  INTEGER NOT NULL REFERENCES initiatives(id) ON DELETE CASCADE,
    submission_id  INTEGER NOT NULL REFERENCES priority_submissions(id) ON DELETE CASCADE,
    linked_at      TEXT NOT NULL,
    PRIMARY KEY (initiative_id, submission_id)
);
CREATE INDEX initiative_suggestions_submission ON initiative_suggestions(submission_id);

-- Staff list residents' voice notes newest first; most answers are not voice notes.
CREATE INDEX answers_voice ON answers(id) WHERE value_json LIKE '{"voice":%';
