-- Jobs: everything needed to finish one from any process after a restart.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    message_id       INTEGER NOT NULL,
    application_id   INTEGER NOT NULL,
    interaction_token TEXT,
    token_expires_at REAL NOT NULL DEFAULT 0,
    upload_limit     INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    options          TEXT NOT NULL,          -- JSON of VideoOptions
    schedule_key     TEXT NOT NULL,
    price            INTEGER NOT NULL,       -- micro-credits
    charge           TEXT NOT NULL,          -- reserved | released
    day              TEXT NOT NULL,          -- UTC day the price counts against
    state            TEXT NOT NULL,
    task_id          TEXT,
    submit_attempts  INTEGER NOT NULL DEFAULT 0,
    created_at       REAL NOT NULL,
    submitted_at     REAL,
    finished_at      REAL,
    delivered_at     REAL,
    next_poll_at     REAL,
    polls            INTEGER NOT NULL DEFAULT 0,
    deadline_at      REAL NOT NULL,
    video_url        TEXT,
    cover_url        TEXT,
    error_code       TEXT,
    error_detail     TEXT,
    lease_owner      TEXT,                   -- the process working on it
    lease_until      REAL,                   -- another process may take it over after this
    submit_slot_until REAL                   -- holds a provider slot while a submit is under way
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
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER,
    job_id   TEXT,
    kind     TEXT NOT NULL,   -- reserve | release | budget
    amount   INTEGER NOT NULL,
    at       REAL NOT NULL
);

CREATE TABLE guild_settings (
    guild_id     INTEGER PRIMARY KEY,
    daily_budget INTEGER,
    updated_by   INTEGER,
    updated_at   REAL
);
