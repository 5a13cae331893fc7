#!/usr/bin/env bash
# examples/boston.sh: Boston's open 311 cases of 2025, with their SLA target, closing time and
# report channel (app, call, employee...), the closest real analogue of a grid office's on-time
# rate and report sources. The data has no households or buildings: the units are a lattice of
# 400 m squares over where the cases are, each weighted by the cases it holds
# (`wangge lattice`), and the cells are sized by case load.
#
# Target: 100 cases a cell (70-130): 2,422 cases make about 24 cells, each a day or two of one
# worker's visits over the year's sample. Two cases without coordinates are listed as rejects.
#   usage: examples/boston.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin boston "${1:-}"
need boston_311_crime/boston_311.csv.gz

wg init -w "$WS" --crs EPSG:32619
wg import -w "$WS" incidents "$DATA/boston_311_crime/boston_311.csv.gz" --skip-invalid \
    --rejects "$OUT/boston_311.rejects.csv"
wg lattice -w "$WS" -o "$OUT/lattice.gpkg" --cell 400
wg import -w "$WS" units "$OUT/lattice.gpkg" --weight-name incidents
wg partition -w "$WS" --name load --target 100 --min 70 --max 130
wg assign -w "$WS"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg report -w "$WS" --by cell
wg render -w "$WS" workload -o "$OUT/workload.png"
wg render -w "$WS" heatmap --radius 500 -o "$OUT/heatmap.png"
# each point counted in exactly one square: the units' weight is the incidents layer
expect "incidents over the lattice's squares" "$(sql "SELECT total(households) FROM units" | sed 's/\.0$//')" \
    "$(sql "SELECT count(*) FROM incidents")"
ex_end
