-- The lifecycle: fenced leases held by live workers (heartbeats on the database clock), the member's
-- wish to cancel once a job was sent, and a ledger that can move a job's money only once each way.
ALTER TABLE jobs ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;          -- bumped by every claim: the fencing token
ALTER TABLE jobs ADD COLUMN cancel_requested_at DOUBLE PRECISION;           -- the member cancelled after it was sent
ALTER TABLE jobs ADD COLUMN limits_exempt BIGINT NOT NULL DEFAULT 0;        -- decided when the member asked
ALTER TABLE jobs ADD COLUMN updated_at DOUBLE PRECISION;                    -- the last transition, database clock
CREATE TABLE workers (
    id        TEXT PRIMARY KEY,              -- a uuid4 per process instance
    name      TEXT NOT NULL,                 -- host:instance, for people (and to take a restarted process's jobs back)
    last_seen DOUBLE PRECISION NOT NULL      -- its last heartbeat, database clock
);
CREATE INDEX workers_name ON workers (name);
CREATE INDEX jobs_active ON jobs (lease_owner, state);
DELETE FROM ledger WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release') AND id NOT IN (
    SELECT MIN(id) FROM ledger WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release') GROUP BY job_id, kind);
CREATE UNIQUE INDEX ledger_once ON ledger (job_id, kind) WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release');
ALTER TABLE jobs ADD CONSTRAINT submitting_keeps_money CHECK (NOT (state = 'submitting' AND charge = 'released'));
