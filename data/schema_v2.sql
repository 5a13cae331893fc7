-- wangge workspace schema, version 1 -> 2: what a plan stores beside its cells.

-- Which cell of a plan holds each unit, with the unit's households when the plan was made
-- (plan diff compares these, even after the units have changed).
CREATE TABLE cell_units (
    plan       INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    unit       TEXT NOT NULL,     -- units.id
    cell       TEXT NOT NULL,     -- cells.code in that plan
    households INTEGER NOT NULL,
    PRIMARY KEY (plan, unit)
) WITHOUT ROWID;
CREATE INDEX cell_units_cell ON cell_units (plan, cell);

-- Everything a plan could not do as asked, each with its cause: a cell out of the household
-- range, a cell across a barrier, a cell in several pieces, a compound split, a unit outside
-- every community.
CREATE TABLE plan_issues (
    plan      INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    cell      TEXT,               -- the cell concerned (NULL: none, e.g. a unit left out)
    community TEXT,
    kind      TEXT NOT NULL,      -- above_max, below_min, barrier, pieces, compound_split, outside
    cause     TEXT NOT NULL
);
CREATE INDEX plan_issues_plan ON plan_issues (plan);

-- The 12-digit prefix of each community's cell codes (DB11 style: 6-digit division, 3-digit
-- street, 3-digit community), fixed the first time a plan numbers it so codes stay stable.
CREATE TABLE community_codes (
    community TEXT PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE
);
