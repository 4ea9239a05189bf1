-- Two indexes of answers fewer: each answer a resident gives wrote a page of every index of
-- answers in its step's commit (seven of a step's ten or so: bench/pages.py), whatever used
-- them. Neither change makes any query read more than one resident's answers or one flow's.

-- A resident's answers, and their latest answer to a key, from one index: by participant, then
-- key, then id. What asked by participant alone (erasing a participant, their data, the
-- retention sweep) reads the same rows through its first column; the report's latest answer
-- to a key a resident (report.LATEST) the same one entry as through (key, participant_id, id).
DROP INDEX answers_participant;
DROP INDEX answers_key_participant;
CREATE INDEX answers_participant_key ON answers(participant_id, key, id);

-- Answers by flow and key: only champions' monthly check-in is counted that way (the QS148
-- report), and answers_node finds that flow's answers, which are all check-ins.
DROP INDEX answers_key;
