#!/usr/bin/env bash
# examples/sanfrancisco.sh: San Francisco: 579 census block groups whose weight is residents
# (Population), not households, the tract each lies in, and 13,472 police incidents of Jul-Dec
# 2012 in US feet (EPSG:2227), whose time of day was lost upstream (they read as dates).
#
# Target: a block group holds about 1,400 residents and a tract (the community) 4,100: cells of
# 1,500-3,500 residents (2,500) pair block groups inside their tract; a larger target would
# leave most tracts one cell below its minimum. Maps and reports say residents (人口), not
# households. An incident with several offences has one row per offence under one IncidntNum:
# the first row stands for the incident, the others are listed as rejects (duplicate id).
#   usage: examples/sanfrancisco.sh [OUT_DIR]
. "$(dirname "$0")/lib.sh"
ex_begin sanfrancisco "${1:-}"
need sf_crime_2012/sf_crime_2012.gpkg

src=$DATA/sf_crime_2012/sf_crime_2012.gpkg
wg init -w "$WS" --crs EPSG:32610
wg import -w "$WS" units "$src" --layer blockgroups --map id=GEO_ID --map households=Population \
    --community-field TRACT --weight-name residents
wg import -w "$WS" incidents "$src" --layer incidents --map id=IncidntNum --map reported=Date \
    --skip-invalid --rejects "$OUT/incidents.rejects.csv"
wg partition -w "$WS" --name pairs --target 2500 --min 1500 --max 3500
wg assign -w "$WS"
wg report -w "$WS" --by community -o "$OUT/by-tract.csv"
wg report -w "$WS" --by cell -o "$OUT/by-cell.csv"
wg render -w "$WS" plan -o "$OUT/plan.png"
wg render -w "$WS" rate -o "$OUT/rate.png"
wg render -w "$WS" heatmap --radius 400 -o "$OUT/heatmap.png"
# what is counted is named so: the report's column and the plan's legend
expect "the report's weight column" "$(head -1 "$OUT/by-cell.csv" | cut -d, -f7)" residents
wg render -w "$WS" plan -o "$OUT/plan.pdf"
expect "the plan's legend" "$(pdftotext "$OUT/plan.pdf" - | grep -c '人口 Residents per cell')" 1
ex_end
