#!/usr/bin/env bash
# examples/newhaven.sh: New Haven's police log of September 2014 (3,293 incidents in 147
# categories; dates like "Thu, Sept. 18th 2014" and times like "01:53 p.m." in two fields, in
# the city's own zone), with the TIGER streets a worker patrols, and its primary and secondary
# roads (MTFCC S1100, S1200) as barriers a beat should not cross. No households: the units are a
# lattice of 300 m squares weighted by incidents; a road through a square leaves it whole, on
# one side.
#
# Target: 120 incidents a cell (80-160), about a month's load for one beat.
#   usage: examples/newhaven.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin newhaven "${1:-}"
need newhaven_police_2014/newhaven.gpkg

src=$DATA/newhaven_police_2014/newhaven.gpkg
wg init -w "$WS" --crs EPSG:32618
wg import -w "$WS" incidents "$src" --layer incidents --map reported=date+time \
    --map category=dataset --tz America/New_York --skip-invalid --rejects "$OUT/incidents.rejects.csv"
wg import -w "$WS" streets "$src" --layer streets
ogr2ogr -f GPKG "$OUT/roads.gpkg" "$src" streets -where "MTFCC IN ('S1100', 'S1200')" ||
    { echo "newhaven: ogr2ogr could not select the roads" >&2; exit 1; }
wg import -w "$WS" barriers "$OUT/roads.gpkg" --set kind=road
wg lattice -w "$WS" -o "$OUT/lattice.gpkg" --cell 300
wg import -w "$WS" units "$OUT/lattice.gpkg" --weight-name incidents
wg partition -w "$WS" --name beats --target 120 --min 80 --max 160
wg assign -w "$WS"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
wg render -w "$WS" incidents -o "$OUT/incidents.png"
# each point counted in exactly one square: the units' weight is the incidents layer
expect "incidents over the lattice's squares" "$(sql "SELECT total(households) FROM units" | sed 's/\.0$//')" \
    "$(sql "SELECT count(*) FROM incidents")"
ex_end
