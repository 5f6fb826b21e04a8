-- The sync store: one row per (user, rowguid) holding its latest change and, unless deleted, its JSON.
-- Keyed by user as well as rowguid, so no user can read, overwrite or delete another user's row whatever
-- rowguid they send (the Node server's `data` table was keyed by rowguid alone).
CREATE TABLE IF NOT EXISTS sync_rows (
    userid UUID NOT NULL,
    rowguid UUID NOT NULL,
    tablename VARCHAR(255) NOT NULL,
    operation CHAR(1) NOT NULL,
    clientid UUID NOT NULL,
    clientdate INT8 NOT NULL,
    serverdate INT8 NOT NULL,
    json JSONB NULL,
    CONSTRAINT sync_rows_pkey PRIMARY KEY (userid, rowguid)
);
-- A pull reads one user's rows changed after its cursor: a range scan whatever the user's total.
CREATE INDEX IF NOT EXISTS sync_rows_cursor_idx ON sync_rows (userid, serverdate);

-- Per-user logical clock: every push of a user takes the next value under the user's row lock, so values are
-- handed out in commit order and a cursor never skips a change (docs/adr/0001-sync-cursor.md).
ALTER TABLE users ADD COLUMN IF NOT EXISTS sync_clock INT8 NOT NULL DEFAULT 0;

-- Adopt the Node server's log: the latest change of each (user, row) with the row's JSON. A row whose latest
-- change is an insert or update but whose JSON is gone cannot be delivered, and is left behind in sync_data.
INSERT INTO sync_rows (userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json)
SELECT userid, rowguid, tablename, operation, clientid, clientdate, serverdate, json
  FROM (SELECT DISTINCT ON (s.userid, s.rowguid)
               s.userid, s.rowguid, s.tablename, s.operation, s.clientid, s.clientdate, s.serverdate,
               CASE WHEN s.operation = 'D' THEN NULL ELSE d.json END AS json
          FROM sync_data s
          LEFT JOIN data d ON d.rowguid = s.rowguid
         ORDER BY s.userid, s.rowguid, s.serverdate DESC, s.id DESC) latest
 WHERE operation = 'D' OR json IS NOT NULL
ON CONFLICT DO NOTHING;

UPDATE users
   SET sync_clock = latest.serverdate
  FROM (SELECT userid, max(serverdate) AS serverdate FROM sync_rows GROUP BY userid) latest
 WHERE latest.userid = users.id AND users.sync_clock < latest.serverdate;
