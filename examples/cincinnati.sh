#!/usr/bin/env bash
# examples/cincinnati.sh: Walnut Hills, Cincinnati: 457 census blocks (2000) with their
# households, and the tract each lies in - no tracts layer. The blocks come in as areas (they
# tile the neighbourhood; import says so with its figures), and partition dissolves the 23
# tracts from the blocks' tract field.
#
# Target: 200-300 households, the grid offices' own (a block holds 37 on average): cells of
# whole blocks, except the 4 blocks above 300 households, which stand alone (each recorded).
# No incidents or cameras come with the data: the report shows households, area and patrol
# length, the maps the plan and its audit.
#   usage: examples/cincinnati.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin cincinnati "${1:-}"
need cincinnati_walnut_hills_blocks/walnut_hills.gpkg

src=$DATA/cincinnati_walnut_hills_blocks/walnut_hills.gpkg
# Ohio South state plane is in US feet; the workspace works in metres (UTM 16N)
wg init -w "$WS" --crs EPSG:32616
wg import -w "$WS" units "$src" --map id=BLOCK --map households=HOUSEHOLDS --community-field TRACT
wg partition -w "$WS" --name blocks --division 390610
wg assign -w "$WS"
wg report -w "$WS" --by community -o "$OUT/by-tract.csv"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
wg render -w "$WS" audit -o "$OUT/audit.pdf"
ex_end
