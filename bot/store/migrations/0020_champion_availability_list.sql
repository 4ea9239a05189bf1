-- "When could you help?" took one answer, but people are free on weekday evenings and at
-- weekends: it is now a multi_choice, and champions.availability a JSON list of ids like
-- roles and languages. An answer given before is the list of that one answer.
UPDATE champions SET availability = json_array(availability)
WHERE availability IS NOT NULL
  AND CASE WHEN json_valid(availability) THEN json_type(availability) != 'array' ELSE 1 END;
