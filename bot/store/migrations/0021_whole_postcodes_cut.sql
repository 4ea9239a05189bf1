-- A whole postcode typed for an area ("CF10 1AA") points at a few houses: since aca1536 it is
-- kept as its district only (CF10). Areas, area answers and sessions' answers kept before then
-- are cut the same way: those that are a whole postcode alone lose the inward code (a digit
-- and two letters). SQLite has no regular expressions: these are the six shapes of a
-- district, each with a space before the inward code or none.
CREATE TEMP TABLE whole_postcodes (shape TEXT NOT NULL);
INSERT INTO whole_postcodes (shape)
SELECT district || gap || '[0-9][A-Z][A-Z]'
FROM (SELECT '[A-Z][0-9]' AS district UNION ALL SELECT '[A-Z][0-9][0-9]'
      UNION ALL SELECT '[A-Z][0-9][A-Z]' UNION ALL SELECT '[A-Z][A-Z][0-9]'
      UNION ALL SELECT '[A-Z][A-Z][0-9][0-9]' UNION ALL SELECT '[A-Z][A-Z][0-9][A-Z]')
CROSS JOIN (SELECT ' ' AS gap UNION ALL SELECT '');

UPDATE participants SET area = rtrim(substr(upper(trim(area)), 1, length(trim(area)) - 3))
WHERE EXISTS (SELECT 1 FROM whole_postcodes WHERE upper(trim(area)) GLOB shape);

UPDATE answers
SET value_json = json_quote(rtrim(substr(
    upper(trim(json_extract(value_json, '$'))), 1, length(trim(json_extract(value_json, '$'))) - 3)))
WHERE key = 'area' AND json_valid(value_json) AND json_type(value_json) = 'text'
  AND EXISTS (SELECT 1 FROM whole_postcodes WHERE upper(trim(json_extract(value_json, '$'))) GLOB shape);

UPDATE sessions
SET state_json = json_set(state_json, '$.answers.area', rtrim(substr(
    upper(trim(json_extract(state_json, '$.answers.area'))), 1,
    length(trim(json_extract(state_json, '$.answers.area'))) - 3)))
WHERE json_valid(state_json) AND json_type(state_json, '$.answers.area') = 'text'
  AND EXISTS (
    SELECT 1 FROM whole_postcodes WHERE upper(trim(json_extract(state_json, '$.answers.area'))) GLOB shape
  );

DROP TABLE whole_postcodes;
