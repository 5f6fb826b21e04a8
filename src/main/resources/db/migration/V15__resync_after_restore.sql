-- After a point-in-time restore (docs/protocol.md §13, README "Backups and restore"): a device's cursor at or below
-- this value may stand for rows the restore took away, so its next pull is a whole snapshot. A restore sets it to
-- the user's clock and moves the clock one past it, so the cursors handed out afterwards are above it.
ALTER TABLE users ADD COLUMN IF NOT EXISTS resync_before INT8 NOT NULL DEFAULT 0;
