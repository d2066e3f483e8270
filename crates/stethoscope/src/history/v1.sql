-- History schema version 1: runs, their items and their endpoints.
-- Never edit a released step; add the next one to MIGRATIONS.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    target TEXT,
    config TEXT,
    selection TEXT,
    tool_version TEXT NOT NULL,
    report_schema INTEGER NOT NULL,
    git_commit TEXT,
    score INTEGER NOT NULL,
    max INTEGER NOT NULL,
    percent REAL,
    band TEXT,
    band_label TEXT NOT NULL,
    measured INTEGER NOT NULL,
    attested INTEGER NOT NULL,
    not_assessed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    na INTEGER NOT NULL,
    failing INTEGER NOT NULL,
    report_json TEXT NOT NULL
);
CREATE INDEX runs_by_target ON runs (target, id);
CREATE TABLE items (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    section TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    measured TEXT,
    threshold TEXT NOT NULL,
    extended INTEGER NOT NULL,
    PRIMARY KEY (run_id, id)
);
CREATE TABLE endpoints (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    method TEXT NOT NULL,
    p50_ms REAL NOT NULL,
    p95_ms REAL NOT NULL,
    p99_ms REAL NOT NULL,
    max_ms REAL NOT NULL,
    requests INTEGER NOT NULL,
    throughput_rps REAL NOT NULL,
    failures INTEGER NOT NULL,
    status TEXT NOT NULL,
    queries INTEGER,
    queries_per_request REAL,
    seq_scans INTEGER,
    new_connections INTEGER,
    PRIMARY KEY (run_id, name)
);
