-- wangge workspace schema, version 6 -> 7: the administrative codes, the district -> street/town
-- -> residents' committee tree (e.g. the 12-digit statistical codes of the Shanghai adcode
-- tables). `wangge import codes` fills it; community imports take a missing parent from it
-- and warn of a parent that is not in it.
CREATE TABLE codes (
    fid    INTEGER PRIMARY KEY,
    id     TEXT NOT NULL UNIQUE,  -- the code
    parent TEXT,                  -- the code of the area it lies in
    name   TEXT,
    level  TEXT,                  -- as the source says: county/district, town/street, village
    batch  INTEGER
);
CREATE INDEX codes_parent ON codes (parent);
INSERT INTO versions (name, ver, at, command)
    VALUES ('codes', 1, CAST(strftime('%s', 'now') AS INTEGER), 'schema 7');
