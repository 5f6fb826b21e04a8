-- Shared spaces (docs/protocol.md §12, docs/adr/0005-shared-spaces.md): rows several users share, stored once
-- under the space's id as their owner in sync_rows (user and space ids are both random UUIDs: they never collide).

-- A space and its own clock, stamped by pushes as users.sync_clock is. A deleted space stays a row: its id must
-- not be re-created by an offline member's push, and its rows stay until its members' devices have had their D.
CREATE TABLE IF NOT EXISTS spaces (
    id UUID PRIMARY KEY,
    name VARCHAR(200) NOT NULL DEFAULT '',
    created_at INT8 NOT NULL,
    deleted_at INT8 NULL,
    sync_clock INT8 NOT NULL DEFAULT 0,
    live_rows INT8 NOT NULL DEFAULT 0,
    live_bytes INT8 NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS space_members (
    spaceid UUID NOT NULL REFERENCES spaces (id),
    userid UUID NOT NULL,
    role VARCHAR(6) NOT NULL CHECK (role IN ('owner', 'editor', 'reader')),
    since INT8 NOT NULL,
    PRIMARY KEY (spaceid, userid)
);
-- Which spaces a user sees: asked by every pull and push of a realm that shares tables.
CREATE INDEX IF NOT EXISTS space_members_user_idx ON space_members (userid);

CREATE TABLE IF NOT EXISTS space_invitations (
    id UUID PRIMARY KEY,
    spaceid UUID NOT NULL REFERENCES spaces (id),
    email VARCHAR(320) NOT NULL,
    role VARCHAR(6) NOT NULL CHECK (role IN ('editor', 'reader', 'owner')),
    invited_by UUID NOT NULL,
    created_at INT8 NOT NULL,
    expires_at INT8 NOT NULL
);
-- The invitations addressed to a user, by e-mail (case-insensitive like logins).
CREATE INDEX IF NOT EXISTS space_invitations_email_idx ON space_invitations (lower(email));

-- The vector a handed-out lastSync names: one clock per owner (the user, and each space it saw), so a pull can
-- deliver per owner exactly the rows after what the device imported. A few per device (see SyncRepository).
CREATE TABLE IF NOT EXISTS cursor_vectors (
    clientid UUID NOT NULL,
    lastsync INT8 NOT NULL,
    owners UUID[] NOT NULL,
    clocks INT8[] NOT NULL,
    PRIMARY KEY (clientid, lastsync)
);

-- A change a device pushed into a space it may not write was skipped; its next pull sends the device what it may
-- see of that row (the space's version, or D). Stamped with the user's clock, delivered like the user's rows.
CREATE TABLE IF NOT EXISTS sync_corrections (
    clientid UUID NOT NULL,
    rowguid UUID NOT NULL,
    tablename VARCHAR(255) NOT NULL,
    stamp INT8 NOT NULL,
    PRIMARY KEY (clientid, rowguid)
);

-- A tombstone left where a row moved away from (to another space, or out of one): an edit from a device that
-- cannot see where the row went must not bring it back to life here (it would live twice), it is refused instead.
ALTER TABLE sync_rows ADD COLUMN IF NOT EXISTS moved BOOLEAN NOT NULL DEFAULT FALSE;
