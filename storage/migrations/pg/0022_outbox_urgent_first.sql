-- Alerts, reminders and replies before announcements: the sender claims due rows that are
-- not part of a broadcast first (a 20,000-recipient announcement must not hold a
-- secretary's submission alert for 13 minutes), through this index.
CREATE INDEX outbox_due_urgent ON outbox (not_before, id)
    WHERE status = 'pending' AND kind <> 'broadcast';
