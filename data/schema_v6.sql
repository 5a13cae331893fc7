-- Version 6: the blind spots' areas by cell in an index of their own, so that the totals that
-- `assign` and `info` print, and the blind spots of a few cells, are read without reading
-- every blind spot's shape.
DROP INDEX blind_spots_cell;
CREATE INDEX blind_spots_cell ON blind_spots (cell, area_m2);
