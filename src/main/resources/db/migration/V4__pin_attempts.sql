-- PINs are stored as SHA-256 digests (43 characters) and die after a few wrong attempts.
ALTER TABLE users_pin ALTER COLUMN pin TYPE VARCHAR(64);
ALTER TABLE users_pin ADD COLUMN IF NOT EXISTS attempts INT NOT NULL DEFAULT 0;
