-- A member no longer on the committee's list (removed by `kiemdiem import --remove-missing`):
-- kept with their reviews, but without roles, chat accounts or a place in campaigns.
ALTER TABLE members ADD COLUMN removed_at TEXT;
