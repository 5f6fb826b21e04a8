-- A sync lock names the server instance that took it, and every instance says it is alive here every few seconds:
-- the lock of an instance that stopped saying so (killed, its machine gone) is free at once, not after 2 minutes.
CREATE TABLE IF NOT EXISTS sync_instances (
    id UUID PRIMARY KEY,
    seen_at INT8 NOT NULL
);
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS syncing_by UUID NULL;
