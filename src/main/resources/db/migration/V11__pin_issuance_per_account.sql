-- The count of PINs issued to a user lived in the PIN's own row, and a PIN's fifth wrong guess deleted that row:
-- asking again then started a fresh count, so "forgotten" plus five guesses could repeat without end. The count
-- now has its own row, which no guess, expiry or successful change removes (deleting the user does).
CREATE TABLE IF NOT EXISTS pin_issuance (
    userid UUID NOT NULL,
    issued INT NOT NULL,
    issued_since INT8 NOT NULL,
    CONSTRAINT pin_issuance_pk PRIMARY KEY (userid)
);
INSERT INTO pin_issuance (userid, issued, issued_since)
SELECT userid, issued, issued_since FROM users_pin
ON CONFLICT DO NOTHING;
