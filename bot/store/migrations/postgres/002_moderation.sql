-- Moderation: per-server policy, the requester's language, approvals, and a ledger that keeps the
-- money when a member asks to be forgotten.
ALTER TABLE jobs ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
ALTER TABLE jobs ADD COLUMN parent_id TEXT;              -- the job a re-roll or retry came from
ALTER TABLE guild_settings ADD COLUMN policy TEXT;       -- JSON of GuildPolicy
ALTER TABLE ledger ADD COLUMN day TEXT;                  -- the UTC day a reserve or release counts against
UPDATE ledger SET day = (SELECT day FROM jobs WHERE jobs.id = ledger.job_id) WHERE job_id IS NOT NULL;
CREATE INDEX ledger_guild_day ON ledger (guild_id, day);
CREATE INDEX ledger_member ON ledger (guild_id, user_id, at);
CREATE TABLE budget_alerts (
    guild_id  BIGINT NOT NULL,
    period    TEXT NOT NULL,     -- "day:2026-11-24" or "month:2026-11"
    threshold BIGINT NOT NULL,  -- 50, 80, 100
    at        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, period, threshold)
);
