-- wangge workspace schema, version 4 -> 5: the store — versions for change tracking, the
-- incidents packed as column arrays, the assignment as small integers, the categories and
-- workload weights tables.

-- The version of each layer and table: every write transaction takes the next number of the
-- counter (ws_meta 'counter') and sets it on what it changed, with when and by what command.
CREATE TABLE versions (
    name    TEXT PRIMARY KEY,     -- a layer, 'postings', 'visits', 'categories', 'weights', 'plans'
    ver     INTEGER NOT NULL,
    at      INTEGER NOT NULL,     -- UTC seconds
    command TEXT
);
INSERT INTO ws_meta (key, value) VALUES ('counter', '1');
INSERT INTO versions (name, ver, at, command)
    SELECT name, 1, CAST(strftime('%s', 'now') AS INTEGER), 'schema 5'
    FROM (SELECT 'communities' AS name UNION ALL SELECT 'units' UNION ALL SELECT 'barriers'
          UNION ALL SELECT 'streets' UNION ALL SELECT 'incidents' UNION ALL SELECT 'cameras'
          UNION ALL SELECT 'workers' UNION ALL SELECT 'postings' UNION ALL SELECT 'visits'
          UNION ALL SELECT 'categories' UNION ALL SELECT 'weights' UNION ALL SELECT 'plans');

-- A plan's version moves when its cells are edited (plan move); each cell keeps the version
-- that last changed it, and its rank by code in the plan (the locator's index).
ALTER TABLE plans ADD COLUMN ver INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cells ADD COLUMN ver INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cells ADD COLUMN idx INTEGER;
UPDATE cells SET idx = r.k
    FROM (SELECT fid, row_number() OVER (PARTITION BY plan ORDER BY code) - 1 AS k FROM cells) AS r
    WHERE cells.fid = r.fid;

-- Each incident row carries the version that last wrote it.
ALTER TABLE incidents ADD COLUMN ver INTEGER NOT NULL DEFAULT 1;

-- The incidents packed in fid order, in chunks of up to 16,384, one blob per column (little
-- endian): fid (int64), x and y (double, NaN without a location), reported, dispatched, closed,
-- due (int64, INT64_MIN when none), category, source, status (uint16 indexes into
-- incident_codes, 65535 when none), ver (int64). Written in the same transaction as the rows,
-- so they never disagree; the rows stay the source of truth that GIS tools read.
CREATE TABLE incident_chunks (
    chunk  INTEGER PRIMARY KEY,   -- 0, 1, ...
    n      INTEGER NOT NULL,      -- incidents in it
    fid_lo INTEGER NOT NULL,
    fid_hi INTEGER NOT NULL,
    ver    INTEGER NOT NULL,      -- the highest version of an incident in it
    x0 REAL, y0 REAL, x1 REAL, y1 REAL  -- the box of its locations (NULL: none has one)
);
CREATE TABLE incident_cols (
    id   INTEGER PRIMARY KEY,     -- chunk * 16 + column
    data BLOB NOT NULL
);
-- Incidents written by another program than wangge (a GIS editing the file: its rows keep the
-- version they had, or get none) mark the packed copy stale; wangge packs them again when it
-- next opens the workspace.
CREATE TRIGGER incidents_deleted AFTER DELETE ON incidents
BEGIN
    INSERT OR REPLACE INTO ws_meta (key, value) VALUES ('pack', 'stale');
END;
CREATE TRIGGER incidents_inserted AFTER INSERT ON incidents WHEN NEW.ver <= 1
BEGIN
    INSERT OR REPLACE INTO ws_meta (key, value) VALUES ('pack', 'stale');
END;
CREATE TRIGGER incidents_updated AFTER UPDATE ON incidents WHEN NEW.ver IS OLD.ver
BEGIN
    INSERT OR REPLACE INTO ws_meta (key, value) VALUES ('pack', 'stale');
END;

CREATE TABLE incident_codes (
    col  INTEGER NOT NULL,        -- 0 category, 1 source, 2 status
    idx  INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (col, idx),
    UNIQUE (col, code)
);

-- The assignment of the incidents to the cells of one plan, aligned with incident_chunks: per
-- chunk the cell index (int32, -1 none), flags (uint8: reason in the low two bits, 4 = in a
-- camera's view) and blind spot fid (int32, -1 none).
DROP TABLE incident_cells;
CREATE TABLE assign_cols (
    id   INTEGER PRIMARY KEY,     -- chunk * 16 + column
    data BLOB NOT NULL
);
DELETE FROM ws_meta WHERE key IN ('assign.plan', 'assign.coverage');

-- What derived data (assignment, coverage, patrol) was built from: the plan at a version and
-- each input at its version.
CREATE TABLE derived (
    kind     TEXT PRIMARY KEY,    -- assignment, coverage, patrol
    plan     INTEGER NOT NULL,
    plan_ver INTEGER NOT NULL,
    ver      INTEGER NOT NULL,
    at       INTEGER NOT NULL
);
CREATE TABLE derived_inputs (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    ver  INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;

-- The categories table (standard handling hours and deadlines) and the workload weights,
-- seeded from data/categories.csv and data/workload.csv, replaced by `wangge import`.
CREATE TABLE categories (
    code           TEXT PRIMARY KEY,
    name           TEXT,
    handling_hours REAL NOT NULL CHECK (handling_hours >= 0),
    deadline_days  REAL CHECK (deadline_days IS NULL OR deadline_days >= 0),
    pos            INTEGER NOT NULL  -- the order of the file
);
CREATE TABLE weights (
    term   TEXT PRIMARY KEY,
    weight REAL NOT NULL CHECK (weight >= 0)
);

-- The totals of the assignment (assigned, outside, gap, no_location, seen), kept with it so
-- that a run of a few new incidents need not count ten million.
CREATE TABLE assign_counts (
    what TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);

-- The seen ground of each cell (to place later incidents) lives apart from its figures, so that
-- counting incidents into cell_coverage does not rewrite geometries.
CREATE TABLE cell_seen (
    cell TEXT PRIMARY KEY,
    wkb  BLOB NOT NULL
);
INSERT INTO cell_seen (cell, wkb) SELECT cell, seen_wkb FROM cell_coverage WHERE seen_wkb IS NOT NULL;
ALTER TABLE cell_coverage DROP COLUMN seen_wkb;

CREATE INDEX visits_unit ON visits (unit, worker, at);
CREATE INDEX cells_ver ON cells (plan, ver);
CREATE INDEX cells_idx ON cells (plan, idx);
