-- "Another language" ticked among the languages a champion speaks said nothing of which one:
-- for peer roles (QS148 statement 4) the community languages matter most. Their words.
ALTER TABLE champions ADD COLUMN other_languages TEXT;
