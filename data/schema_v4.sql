-- wangge workspace schema, version 3 -> 4: household visits, for patrol coverage (巡查覆盖率).

-- One visit of a worker to a unit (building, compound or address) on a day.
CREATE TABLE visits (
    fid    INTEGER PRIMARY KEY,
    worker TEXT NOT NULL,         -- workers.id
    unit   TEXT NOT NULL,         -- units.id
    at     INTEGER NOT NULL,      -- UTC seconds
    batch  INTEGER
);
CREATE INDEX visits_at ON visits (at);

-- The patrol length of each cell of the assigned plan: the streets inside it, or a short tour
-- over its units when the workspace has no streets. Written by assign with the coverage.
CREATE TABLE cell_patrol (
    cell     TEXT PRIMARY KEY,
    patrol_m REAL NOT NULL,
    method   TEXT NOT NULL CHECK (method IN ('streets', 'tour'))
);
