-- The lifecycle: fenced leases held by live workers (heartbeats on the database clock), the member's
-- wish to cancel once a job was sent, and a ledger that can move a job's money only once each way.
ALTER TABLE jobs ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;      -- bumped by every claim: the fencing token
ALTER TABLE jobs ADD COLUMN cancel_requested_at REAL;                    -- the member cancelled after it was sent
ALTER TABLE jobs ADD COLUMN limits_exempt INTEGER NOT NULL DEFAULT 0;    -- decided when the member asked
ALTER TABLE jobs ADD COLUMN updated_at REAL;                             -- the last transition, database clock
CREATE TABLE workers (
    id        TEXT PRIMARY KEY,    -- a uuid4 per process instance
    name      TEXT NOT NULL,       -- host:instance, for people (and to take a restarted process's jobs back)
    last_seen REAL NOT NULL        -- its last heartbeat, database clock
);
CREATE INDEX workers_name ON workers (name);
CREATE INDEX jobs_active ON jobs (lease_owner, state);
DELETE FROM ledger WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release') AND id NOT IN (
    SELECT MIN(id) FROM ledger WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release') GROUP BY job_id, kind);
CREATE UNIQUE INDEX ledger_once ON ledger (job_id, kind) WHERE job_id IS NOT NULL AND kind IN ('reserve', 'release');
-- What PostgreSQL says with a CHECK: a job whose submission is unresolved never has its price released.
CREATE TRIGGER jobs_submitting_keeps_money BEFORE UPDATE OF state, charge ON jobs
WHEN NEW.state = 'submitting' AND NEW.charge = 'released'
BEGIN
    SELECT RAISE(ABORT, 'submitting_keeps_money: a job being submitted keeps its price');
END;
