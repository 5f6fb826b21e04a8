-- 2026 clients may send a large pull or push body in chunks (docs/protocol.md §11.1), to any server instance and
-- across restarts: each acknowledged chunk is kept here until its request is complete, then the request's outcome
-- is kept so that a retried chunk gets the same answer. Both are removed a day after they were created.
CREATE TABLE IF NOT EXISTS upload_chunks (
    sync_id UUID NOT NULL,
    chunk_index INT NOT NULL,
    userid UUID NOT NULL,
    clientid UUID NULL,
    route VARCHAR(8) NOT NULL,
    chunks INT NOT NULL,
    start_offset INT8 NOT NULL,
    end_offset INT8 NOT NULL,
    total_size INT8 NOT NULL,
    data TEXT NOT NULL,
    created INT8 NOT NULL,
    CONSTRAINT upload_chunks_pkey PRIMARY KEY (sync_id, chunk_index)
);
CREATE INDEX IF NOT EXISTS upload_chunks_created_idx ON upload_chunks (created);

-- status 0: being processed by the instance that received the last chunk.
CREATE TABLE IF NOT EXISTS upload_outcomes (
    sync_id UUID PRIMARY KEY,
    userid UUID NOT NULL,
    status INT NOT NULL,
    answer TEXT NULL,
    cursor INT8 NULL,
    created INT8 NOT NULL
);
CREATE INDEX IF NOT EXISTS upload_outcomes_created_idx ON upload_outcomes (created);
