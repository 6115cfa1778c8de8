-- Who the account's next typed message goes to: one state per chat account instead of
-- three (a secretary's pending return comment, the campaign draft's step, the broadcast
-- draft's step). NULL capability: nobody asked, typed text goes to the self-review.
ALTER TABLE accounts ADD COLUMN awaiting           TEXT;  -- capability, e.g. 'secretary'
ALTER TABLE accounts ADD COLUMN awaiting_argument  TEXT;  -- what for, e.g. the review id
ALTER TABLE accounts ADD COLUMN awaiting_since     TEXT;  -- UTC; old questions expire

-- A return comment the secretary was asked for.
UPDATE accounts SET awaiting = 'secretary', awaiting_argument = CAST(p.ref_id AS TEXT),
                    awaiting_since = p.created_at
FROM pending_inputs AS p
WHERE p.account_id = accounts.id AND p.kind = 'return';

DROP TABLE pending_inputs;

-- A campaign draft waiting for its name or a deadline (the later question wins).
UPDATE accounts SET awaiting = 'campaigns', awaiting_argument = (d.data::jsonb ->> 'step'),
                    awaiting_since = d.updated_at
FROM campaign_drafts AS d
WHERE d.account_id = accounts.id
  AND (d.data::jsonb ->> 'step') IN ('name', 'cells', 'committee')
  AND (accounts.awaiting_since IS NULL OR accounts.awaiting_since < d.updated_at);

-- An announcement waiting for its text or its document: drafts are per member, so every
-- account of the admin.
UPDATE accounts SET awaiting = 'broadcasts', awaiting_argument = (d.state::jsonb ->> 'step'),
                    awaiting_since = d.updated_at
FROM broadcast_drafts AS d
WHERE d.member_id = accounts.member_id
  AND (d.state::jsonb ->> 'step') IN ('text', 'document')
  AND (accounts.awaiting_since IS NULL OR accounts.awaiting_since < d.updated_at);
