#!/usr/bin/env bash
# examples/switzerland.sh: the surveillance cameras OpenStreetMap knows in Switzerland (2,144):
# fixed, dome and panning cameras, a quarter with a direction (degrees, compass points or
# ranges like 90-180), heights and angles where mappers gave them. A lattice of 1 km squares
# over the cameras makes the units, weighted by cameras; the cells share them out.
#
# Target: 10 cameras a cell (5-15), a town's or a city quarter's. Most of the country holds a
# camera here and there, so many cells fall below the range (each recorded with its cause), and
# a square of the old towns of Zurich or Geneva holds over 15 on its own.
#   usage: examples/switzerland.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin switzerland "${1:-}"
need osm_surveillance_switzerland/osm_surveillance_ch.geojson.gz

# CH1903+ / LV95, the Swiss grid, in metres
wg init -w "$WS" --crs EPSG:2056
wg import -w "$WS" cameras "$DATA/osm_surveillance_switzerland/osm_surveillance_ch.geojson.gz" \
    --skip-invalid --rejects "$OUT/cameras.rejects.csv"
wg lattice -w "$WS" --of cameras -o "$OUT/lattice.gpkg" --cell 1000
wg import -w "$WS" units "$OUT/lattice.gpkg" --weight-name cameras
wg partition -w "$WS" --name quarters --target 10 --min 5 --max 15
wg assign -w "$WS"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
# Zurich's old town, where the cameras are thickest
wg render -w "$WS" cameras --bbox 2682500,1246500,2684500,1248000 -o "$OUT/cameras-zurich.png"
# each point counted in exactly one square: the units' weight is the cameras layer
expect "cameras over the lattice's squares" "$(sql "SELECT total(households) FROM units" | sed 's/\.0$//')" \
    "$(sql "SELECT count(*) FROM cameras")"
ex_end
