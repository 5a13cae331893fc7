-- wangge workspace schema, version 2 -> 3: spatial assignment and camera coverage.
-- The results describe one plan at a time (the plan last assigned, in ws_meta 'assign.plan');
-- `wangge assign` replaces them in one transaction. The geometry columns of blind_spots and
-- camera_views are added with the workspace CRS, like the other layers'.

-- Which of heading, fov and range a camera took from its kind's defaults at import
-- (comma-separated, NULL when the register gave them all).
ALTER TABLE cameras ADD COLUMN defaulted TEXT;

-- The cell of each incident, or why it has none.
CREATE TABLE incident_cells (
    incident INTEGER PRIMARY KEY,   -- incidents.fid
    batch    INTEGER,               -- incidents.batch when assigned (a re-imported incident is re-assigned)
    cell     TEXT,                  -- cells.code in the assigned plan; NULL when unassigned
    reason   TEXT CHECK (reason IS NULL OR reason IN ('outside', 'gap', 'no_location')),
    seen     INTEGER NOT NULL DEFAULT 0, -- 1 when inside some camera's visible region
    blind    INTEGER                -- blind_spots.fid containing it, NULL when none
);
CREATE INDEX incident_cells_cell ON incident_cells (cell);

-- Each camera's visible ground: its sector (or disc) minus what buildings hide.
CREATE TABLE camera_views (
    fid     INTEGER PRIMARY KEY,
    camera  TEXT NOT NULL UNIQUE,   -- cameras.id
    kind    TEXT,
    area_m2 REAL NOT NULL
);

-- The cells each camera sees, with the visible open ground in each.
CREATE TABLE camera_cells (
    camera  TEXT NOT NULL,
    cell    TEXT NOT NULL,
    area_m2 REAL NOT NULL,
    PRIMARY KEY (camera, cell)
) WITHOUT ROWID;
CREATE INDEX camera_cells_cell ON camera_cells (cell);

-- Coverage per cell of the assigned plan. Open ground is the cell minus building footprints
-- (no camera sees the ground inside a building).
CREATE TABLE cell_coverage (
    cell            TEXT PRIMARY KEY,
    cameras         INTEGER NOT NULL,
    area_m2         REAL NOT NULL,
    open_m2         REAL NOT NULL,
    seen_m2         REAL NOT NULL,
    households      INTEGER NOT NULL,
    households_seen INTEGER NOT NULL,
    incidents       INTEGER NOT NULL DEFAULT 0,
    incidents_seen  INTEGER NOT NULL DEFAULT 0,
    seen_wkb        BLOB             -- the seen ground (WKB), to place later incidents
);

-- The open ground of each cell that no camera sees, one feature per connected piece.
CREATE TABLE blind_spots (
    fid       INTEGER PRIMARY KEY,
    plan      INTEGER,
    cell      TEXT NOT NULL,
    area_m2   REAL NOT NULL,
    incidents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX blind_spots_cell ON blind_spots (cell);
