-- wangge workspace schema, version 1.
-- Geometry columns are added (with the workspace CRS) by the store when the CRS is first
-- known: at `init --crs`, or at the first import (the UTM zone of its centroid).
-- Every layer keeps `id` (TEXT, the user's identifier, unique) beside SQLite's own rowid
-- `fid`; `batch` is the import run that last wrote the row (an internal field).
-- Times are INTEGER seconds since 1970-01-01T00:00:00Z (UTC instants).

CREATE TABLE ws_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE communities (
    fid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT,
    parent     TEXT,              -- street / town
    households INTEGER CHECK (households IS NULL OR households >= 0),
    batch      INTEGER
);

CREATE TABLE units (
    fid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    households INTEGER NOT NULL CHECK (households >= 0),
    compound   TEXT,              -- units with one compound id stay in one cell
    community  TEXT,              -- communities.id
    kind       TEXT NOT NULL CHECK (kind IN ('building', 'compound', 'address')),
    name       TEXT,
    batch      INTEGER
);
CREATE INDEX units_community ON units (community);

CREATE TABLE barriers (
    fid   INTEGER PRIMARY KEY,
    id    TEXT NOT NULL UNIQUE,
    kind  TEXT NOT NULL CHECK (kind IN ('road', 'river', 'rail')),
    name  TEXT,
    batch INTEGER
);

CREATE TABLE streets (
    fid   INTEGER PRIMARY KEY,
    id    TEXT NOT NULL UNIQUE,
    name  TEXT,
    kind  TEXT,                   -- e.g. main, minor
    batch INTEGER
);

CREATE TABLE incidents (
    fid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    category   TEXT,
    source     TEXT,              -- patrol, hotline, camera, ...
    status     TEXT,
    reported   INTEGER,
    dispatched INTEGER,
    closed     INTEGER,
    due        INTEGER,
    batch      INTEGER
);
CREATE INDEX incidents_reported ON incidents (reported);

CREATE TABLE cameras (
    fid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT,             -- fixed, dome, high (high-mounted), ptz
    heading_deg REAL,
    fov_deg     REAL,
    range_m     REAL,
    height_m    REAL,
    name        TEXT,
    batch       INTEGER
);

CREATE TABLE workers (
    fid       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    name      TEXT,
    role      TEXT,
    community TEXT,
    batch     INTEGER
);

CREATE TABLE plans (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    params  TEXT NOT NULL,        -- JSON
    parent  INTEGER REFERENCES plans (id),
    active  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE cells (
    fid         INTEGER PRIMARY KEY,
    plan        INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    community   TEXT,
    households  INTEGER,
    units       INTEGER,
    area_m2     REAL,
    compactness REAL,
    UNIQUE (plan, code)
);

CREATE TABLE postings (
    worker TEXT NOT NULL,
    cell   TEXT NOT NULL,
    PRIMARY KEY (worker, cell)
);

CREATE TABLE imports (
    id       INTEGER PRIMARY KEY,
    layer    TEXT NOT NULL,
    source   TEXT NOT NULL,
    at       INTEGER NOT NULL,
    features INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated  INTEGER NOT NULL,
    repaired INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
