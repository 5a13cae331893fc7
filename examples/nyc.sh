#!/usr/bin/env bash
# examples/nyc.sh: New York City as its open data comes. Census tracts (ACS 2008-12
# households) are the units, the 195 Neighborhood Tabulation Areas the communities, four
# samples of 311 service requests the incidents (times found by their own column names), and the
# DOT's traffic cameras (position only: each takes its kind's default view).
#
# Target: a tract holds about 1,400 households (up to 11,696), so a grid cell of 200-300
# households cannot be drawn from tracts. The cells here group 3 to 6 tracts: 6,000 households,
# 4,000-8,000 - the size of a New York community board's district sector.
#   usage: examples/nyc.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin nyc "${1:-}"
need nyc_acs_2008_12/nyc_acs.gpkg nyc_311 nyc_dot_cameras/nyc_dot_cameras.csv

# UTM 18N: metres, and the zone New York lies in
wg init -w "$WS" --crs EPSG:32618
wg import -w "$WS" communities "$DATA/nyc_acs_2008_12/nyc_acs.gpkg" --layer ntas
wg import -w "$WS" units "$DATA/nyc_acs_2008_12/nyc_acs.gpkg" --layer tracts \
    --map id=boroct2010 --community-field ntacode
# Rows without a location are left out and listed beside the workspace (--skip-invalid).
for f in "$DATA"/nyc_311/*.csv.gz; do
    wg import -w "$WS" incidents "$f" --skip-invalid --rejects "$OUT/$(basename "$f" .csv.gz).rejects.csv"
done
wg import -w "$WS" cameras "$DATA/nyc_dot_cameras/nyc_dot_cameras.csv"

wg partition -w "$WS" --name tracts --target 6000 --min 4000 --max 8000
wg assign -w "$WS"
wg report -w "$WS" --by community -o "$OUT/by-community.csv"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
# 2,259 requests over 780 km²: a 1 km kernel shows where they gather (150 m, the default,
# suits a street-level view)
wg render -w "$WS" heatmap --radius 1000 -o "$OUT/heatmap.png"
wg render -w "$WS" heatmap --radius 1000 --pixel 100 -o "$OUT/heatmap.tif"
wg render -w "$WS" coverage -o "$OUT/coverage.png"
# the GeoTIFF holds what the map drew: every located incident, in the workspace's CRS
expect "incidents in the GeoTIFF's metadata" \
    "$(gdalinfo "$OUT/heatmap.tif" | sed -n 's/^  incidents=//p')" \
    "$(sql "SELECT count(*) FROM incidents WHERE geom IS NOT NULL")"
expect "the GeoTIFF's CRS" "$(gdalinfo -json "$OUT/heatmap.tif" | grep -c '"proj:epsg":32618')" 1
ex_end
