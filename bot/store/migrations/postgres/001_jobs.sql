-- Jobs: everything needed to finish one from any process after a restart.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    guild_id         BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    message_id       BIGINT NOT NULL,
    application_id   BIGINT NOT NULL,
    interaction_token TEXT,
    token_expires_at DOUBLE PRECISION NOT NULL DEFAULT 0,
    upload_limit     BIGINT NOT NULL,
    user_id          BIGINT NOT NULL,
    kind             TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    options          TEXT NOT NULL,          -- JSON of VideoOptions
    schedule_key     TEXT NOT NULL,
    price            BIGINT NOT NULL,       -- micro-credits
    charge           TEXT NOT NULL,          -- reserved | released
    day              TEXT NOT NULL,          -- UTC day the price counts against
    state            TEXT NOT NULL,
    task_id          TEXT,
    submit_attempts  BIGINT NOT NULL DEFAULT 0,
    created_at       DOUBLE PRECISION NOT NULL,
    submitted_at     DOUBLE PRECISION,
    finished_at      DOUBLE PRECISION,
    delivered_at     DOUBLE PRECISION,
    next_poll_at     DOUBLE PRECISION,
    polls            BIGINT NOT NULL DEFAULT 0,
    deadline_at      DOUBLE PRECISION NOT NULL,
    video_url        TEXT,
    cover_url        TEXT,
    error_code       TEXT,
    error_detail     TEXT,
    lease_owner      TEXT,                   -- the process working on it
    lease_until      DOUBLE PRECISION,                   -- another process may take it over after this
    submit_slot_until DOUBLE PRECISION                   -- holds a provider slot while a submit is under way
);
CREATE INDEX jobs_state ON jobs (state, created_at);
CREATE INDEX jobs_lease ON jobs (lease_owner, lease_until);
CREATE INDEX jobs_guild_day ON jobs (guild_id, day);
CREATE INDEX jobs_member ON jobs (guild_id, user_id, created_at);
CREATE INDEX jobs_schedule ON jobs (schedule_key, state, finished_at);

-- The picture of an image job, normalised, as the data URI sent to the provider.
CREATE TABLE job_inputs (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    image  TEXT NOT NULL
);

-- Append-only record of every movement of money, for audit and reports.
CREATE TABLE ledger (
    id       BIGSERIAL PRIMARY KEY,
    guild_id BIGINT NOT NULL,
    user_id  BIGINT,
    job_id   TEXT,
    kind     TEXT NOT NULL,   -- reserve | release | budget
    amount   BIGINT NOT NULL,
    at       DOUBLE PRECISION NOT NULL
);

CREATE TABLE guild_settings (
    guild_id     BIGINT PRIMARY KEY,
    daily_budget BIGINT,
    updated_by   BIGINT,
    updated_at   DOUBLE PRECISION
);
