-- Data lifecycle (docs/protocol.md §13): tombstones purged by the devices' acknowledged cursors, stuck devices,
-- quotas.

-- The cursor the device last *sent* (the one it acknowledged by importing the pull that answered it), apart from
-- lastsync (the one the server handed out, which a device that failed to import has passed without applying).
-- Tombstones are purged up to the smallest acknowledged cursor of the user's devices; 0 holds nothing back.
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS acked_lastsync INT8 NOT NULL DEFAULT 0;

-- Sync attempts. An attempt opens at the pull that takes the lock and ends at its successful final push
-- (attempt_started back to NULL) or, failed, at cancelSync or when its stale lock is taken over.
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS attempt_started INT8 NULL;
-- What the open attempt did, for the cause of its failure: the tables its pull delivered, a push refusal.
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS attempt_pulled_tables TEXT NULL;
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS attempt_refusal TEXT NULL;
-- Attempts failed in a row since the last successful one, since when, and why the latest failed.
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS failed_attempts INT NOT NULL DEFAULT 0;
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS failing_since INT8 NULL;
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS failure_cause TEXT NULL;

-- Quotas judge the net effect of a sync: the deletes its pull announced count before their batch arrives.
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS announced_free_rows INT8 NOT NULL DEFAULT 0;
ALTER TABLE user_clients ADD COLUMN IF NOT EXISTS announced_free_bytes INT8 NOT NULL DEFAULT 0;

-- A user's live rows and their bytes as sent (tombstones count against no one), kept by the push statement, so a
-- quota check or the console never counts a user's rows.
ALTER TABLE users ADD COLUMN IF NOT EXISTS live_rows INT8 NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN IF NOT EXISTS live_bytes INT8 NOT NULL DEFAULT 0;
UPDATE users
   SET live_rows = usage.live_rows, live_bytes = usage.live_bytes
  FROM (SELECT userid, count(*) AS live_rows, COALESCE(sum(octet_length(CAST(json AS TEXT))), 0) AS live_bytes
          FROM sync_rows WHERE operation <> 'D' GROUP BY userid) usage
 WHERE usage.userid = users.id;

-- The purge reads only tombstones, by user and age.
CREATE INDEX IF NOT EXISTS sync_rows_tombstones_idx ON sync_rows (userid, serverdate) WHERE operation = 'D';

-- The console's lists: stuck devices by since when, devices by when last seen.
CREATE INDEX IF NOT EXISTS user_clients_stuck_idx ON user_clients (failing_since) WHERE failed_attempts >= 3;
CREATE INDEX IF NOT EXISTS user_clients_last_sync_idx ON user_clients (last_sync_at);
