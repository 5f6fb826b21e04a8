-- Row data is kept as the JSON text the device sent (type json), not as jsonb: jsonb normalises what it stores
-- (1e400 cannot be stored, 0.1000000000000000055511151231257827 becomes 0.1, a \u0000 escape is refused), and a
-- sync server must deliver what the device sent. json also skips jsonb's parse into binary on every push and its
-- conversion back to text on every pull. Rows stored before keep jsonb's text of them.
ALTER TABLE sync_rows ALTER COLUMN json TYPE json USING CAST(json AS json);
