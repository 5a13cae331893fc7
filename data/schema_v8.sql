-- Version 8: areal units and the buildings that stand on them.
-- Units gain the kind 'area' (census blocks, tracts, parcels: polygons that tile the district),
-- beside 'building' and 'address'; the CHECK on units.kind is widened by the store (ws.c), which
-- edits the table's definition in place (no row changes). The buildings layer holds the
-- footprints that occlude cameras when the units are areas (when they are buildings, the units
-- themselves occlude). Its geometry column is added with the workspace CRS like the others.
CREATE TABLE buildings (
    fid      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL UNIQUE,
    height_m REAL CHECK (height_m IS NULL OR height_m >= 0),
    name     TEXT,
    batch    INTEGER
);
