-- Each forgotten-password request used to issue a fresh PIN with a fresh count of attempts, so an attacker could
-- guess without end by asking again. Now a user gets at most a few PINs an hour: these count them.
ALTER TABLE users_pin ADD COLUMN IF NOT EXISTS issued INT NOT NULL DEFAULT 1;
ALTER TABLE users_pin ADD COLUMN IF NOT EXISTS issued_since INT8 NOT NULL DEFAULT 0;
