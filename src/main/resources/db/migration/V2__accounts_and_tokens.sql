-- Forward-only changes for accounts and tokens. Existing rows keep their values.

-- Tokens issued before this instant (ms) are void: set when a password changes, so even old JWTs die.
ALTER TABLE users ADD COLUMN IF NOT EXISTS tokens_valid_after INT8 NOT NULL DEFAULT 0;

-- E-mail addresses are case-insensitive; the Node server stored them as typed in early versions.
CREATE INDEX IF NOT EXISTS users_email_lower_idx ON users (lower(email));

CREATE INDEX IF NOT EXISTS user_clients_userid_idx ON user_clients (userid);

-- Tokens are now stored as SHA-256 digests (43 base64url characters), never in clear.
ALTER TABLE user_tokens ALTER COLUMN token TYPE VARCHAR(64);
ALTER TABLE user_tokens ALTER COLUMN refreshtoken TYPE VARCHAR(64);
