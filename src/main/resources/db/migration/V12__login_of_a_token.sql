-- An event stream is bound to the login that opened it: a refresh keeps the login (sync_client refreshes before
-- every call), a new login, a password change or an unregister ends it. A refresh rotates both tokens of the row,
-- so the login needs a column of its own: a random id given by each login, kept by each refresh. NULL: before V12.
ALTER TABLE user_tokens ADD COLUMN IF NOT EXISTS login_id UUID NULL;
