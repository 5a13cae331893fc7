#!/usr/bin/env bash
# examples/atlanta.sh: the Georgia DOT's traffic cameras around Atlanta (3,043, each with a
# compass letter for where it looks: E, N, S, W; three at 0,0, listed as rejects). No units or
# incidents come with them: a lattice of 2 km squares over the cameras, each weighted by the
# cameras it holds, makes the units, and the cells are sized by cameras - how a video patrol
# desk shares its screens among operators.
#
# Target: 30 cameras a cell (20-40), about what one operator can cycle through. The metro's
# cells meet it; the lone cameras along the rural highways, tens of kilometres apart, stand
# alone below the range, each recorded with that cause (half the cells, a twentieth of the
# cameras).
#   usage: examples/atlanta.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin atlanta "${1:-}"
need atlanta_gdot_cctv/atlanta_gdot_cctv.geojson.gz

wg init -w "$WS" --crs EPSG:32616
wg import -w "$WS" cameras "$DATA/atlanta_gdot_cctv/atlanta_gdot_cctv.geojson.gz" \
    --map id=cctv_id --map heading_deg=dir --skip-invalid --rejects "$OUT/cameras.rejects.csv"
wg lattice -w "$WS" --of cameras -o "$OUT/lattice.gpkg" --cell 2000
wg import -w "$WS" units "$OUT/lattice.gpkg" --weight-name cameras
wg partition -w "$WS" --name desks --target 30 --min 20 --max 40
wg assign -w "$WS"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
# downtown, where the interstates meet
wg render -w "$WS" cameras --bbox 738000,3734000,746000,3740000 -o "$OUT/cameras-downtown.png"
# each point counted in exactly one square: the units' weight is the cameras layer
expect "cameras over the lattice's squares" "$(sql "SELECT total(households) FROM units" | sed 's/\.0$//')" \
    "$(sql "SELECT count(*) FROM cameras")"
ex_end
