-- Outbox claims carry a lease: a row a sender claimed ('sending') whose lease ran out goes
-- back to pending and is claimed by whichever process looks next. Several processes can
-- then share one database: none releases another's live claims at start-up, and a dead
-- process's claims are taken over once their lease ends. NULL: claimed before leases.
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
-- One chat's pending updates, read by whichever process serves the chat next.
CREATE INDEX inbox_chat_pending ON inbox (channel, chat_key, state, id);
