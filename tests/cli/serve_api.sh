#!/usr/bin/env bash
# tests/cli/serve_api.sh: the read API of `wangge serve` (the command center's case list and cell
# card, the planner's desk) on the small sample city, each answer checked against what the
# CLI or SpatiaLite says of the same workspace: the incidents of a lon/lat box counted apart,
# every case on exactly one page, a cursor that holds when a case comes in between pages,
# GeoJSON with one feature per cell, a copy of a plan moved through the API and diffed.
#   usage: bash tests/cli/serve_api.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }
. "$(dirname "$0")/serve_lib.sh"

mkdir ws
wg_case "start"
wg_ok demo-data --scale small --seed 3 -o city
wg_ok init -w "$WS" --crs EPSG:4549
for f in city/communities.gpkg city/units.gpkg city/incidents.fgb city/cameras.gpkg city/workers.csv; do
    l=$(basename "${f%.*}")
    wg_ok import -w "$WS" "$l" "$f"
done
wg_ok --quiet partition -w "$WS" --name p1
# the first two workers of each community posted to its first cell
sql "$WS" "SELECT w.id || ',' || c.code FROM (SELECT community, min(code) AS code FROM cells WHERE plan = 1 GROUP BY community) c JOIN (SELECT id, community, row_number() OVER (PARTITION BY community ORDER BY id) AS k FROM workers) w ON w.community = c.community AND w.k <= 2" >posts
{ echo "worker,cell"; cat posts; } >postings.csv
wg_ok import -w "$WS" postings postings.csv
wg_ok --quiet assign -w "$WS"
[ "$NFAIL" -eq 0 ] || wg_end

TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >token
chmod 600 token
start_server serve --token-file token --threads 2
check "the server did not say where it listens: $(show serve.out) $(show serve.err)" [ -n "$URL" ]
[ -n "$URL" ] || wg_end

# post PATH JSON FILE [TOKEN]: JSON posted, the body into FILE, the status into $CODE
post() {
    CODE=$(curl -s -o "$3" -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: application/json' \
        ${4:+-H "Authorization: Bearer $4"} --data-binary "$2" "$URL$1")
}
# jq-less SQL over JSON files
jsql() {
    sqlite3 -batch :memory: "$1"
}

# geometries in lon/lat by SpatiaLite (the workspace's spatial_ref_sys has no EPSG:4326)
LL="ST_Transform(geom, 4326, NULL, 'EPSG:4549', 'EPSG:4326')"

wg_case "health"
get /api/health h.json
check "health answered $CODE: $(show h.json)" [ "$CODE" = 200 ]
check "no active plan p1: $(show h.json)" [ "$(js h.json '$.plan.name')" = p1 ]
get /api/tiles t.json
check "the maps are not the tiles': $(show h.json)" [ "$(js h.json '$.maps')" = "$(js t.json '$.maps')" ]
check "no heatmap among the maps: $(show h.json)" grep -q '"maps":\["heatmap",' h.json
# the communities and units in lon/lat (SpatiaLite's own transformation) lie inside the
# extent, and the extent is no more than ~10 m wider than they are
ext=$(sql "$WS" "SELECT min(MbrMinX(g)) || ',' || min(MbrMinY(g)) || ',' || max(MbrMaxX(g)) || ',' || max(MbrMaxY(g)) FROM (SELECT $LL AS g FROM communities UNION ALL SELECT $LL FROM units)")
check "the extent $(js h.json '$.extent') does not hold $ext closely" [ "$(jsql "SELECT json_extract(e, '\$[0]') <= $(echo "$ext" | cut -d, -f1) AND json_extract(e, '\$[1]') <= $(echo "$ext" | cut -d, -f2) AND json_extract(e, '\$[2]') >= $(echo "$ext" | cut -d, -f3) AND json_extract(e, '\$[3]') >= $(echo "$ext" | cut -d, -f4) AND json_extract(e, '\$[0]') > $(echo "$ext" | cut -d, -f1) - 1e-4 AND json_extract(e, '\$[3]') < $(echo "$ext" | cut -d, -f4) + 1e-4 FROM (SELECT json_extract(readfile('h.json'), '\$.extent') AS e)")" = 1 ]

wg_case "plans"
get /api/plans pl.json
check "plans answered $CODE: $(show pl.json)" [ "$CODE" = 200 ]
check "not one plan: $(show pl.json)" [ "$(js pl.json '$.plans[#-1].id')" = 1 ]
check "p1's cells differ from the workspace's" [ "$(js pl.json '$.plans[0].cells')" = "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1")" ]
check "p1 not active, or its params not as stored: $(show pl.json)" [ "$(js pl.json '$.plans[0].active'),$(js pl.json '$.plans[0].params.target'),$(js pl.json '$.plans[0].params.max')" = "1,250,300" ]

wg_case "incidents: all of them, a page at a time"
n=$(sql "$WS" "SELECT count(*) FROM incidents")
k=0
cur=""
rm -f pages.txt
while :; do
    k=$((k + 1))
    get "/api/incidents?limit=1000${cur:+&cursor=$cur}" "pg$k.json"
    [ "$CODE" = 200 ] || { fail "page $k answered $CODE: $(show "pg$k.json")"; break; }
    echo "pg$k.json" >>pages.txt
    cur=$(js "pg$k.json" '$.next')
    [ -n "$cur" ] && [ "$k" -lt 100 ] || break
done
check "not $n in total: $(show pg1.json)" [ "$(js pg1.json '$.filter.total')" = "$n" ]
union=$(sed "s/.*/SELECT key AS k, value AS v, '&' AS f FROM json_each(readfile('&'), '\$.incidents')/" pages.txt | paste -sd'|' | sed 's/|/ UNION ALL /g')
check "the pages do not hold every case once" [ "$(jsql "SELECT count(*) || ',' || count(DISTINCT v->>'id') FROM ($union)")" = "$n,$n" ]
check "the pages hold ids not in the layer" [ "$(jsql "SELECT count(*) FROM ($union)" )" = "$(sql "$WS" "SELECT count(*) FROM incidents")" ]
check "not newest first across pages" [ "$(jsql "SELECT count(*) FROM (SELECT v->>'reported' AS r, lag(v->>'reported') OVER (ORDER BY f + 0, k) AS p FROM (SELECT k, v, CAST(substr(f, 3) AS INTEGER) AS f FROM ($union))) WHERE r > p")" = 0 ]
wg_ok report -w "$WS" --by cell --format json -o r.json
check "cases in cells on the pages differ from the report's assigned" [ "$(jsql "SELECT count(*) FROM ($union) WHERE v->>'cell' IS NOT NULL")" = "$(js r.json '$.reconciliation.assigned')" ]
check "overdue cases in cells differ from the report's" [ "$(jsql "SELECT count(*) FROM ($union) WHERE v->>'cell' IS NOT NULL AND v->>'overdue'")" = "$(jsql "SELECT CAST(json_extract(readfile('r.json'), '\$.total.overdue') AS INTEGER)")" ]
# a case's cell is the one the assignment gives it (as export incidents writes it)
wg_ok export -w "$WS" incidents inc.csv
sqlite3 -batch -csv :memory: ".import inc.csv inc" "SELECT count(*) FROM inc i JOIN ($union) p ON p.v->>'id' = i.id WHERE coalesce(p.v->>'cell', '') <> coalesce(i.cell, '')" >cellsdiff 2>&1
check "cells differ from the export's: $(show cellsdiff)" [ "$(cat cellsdiff)" = 0 ]

wg_case "incidents: a lon/lat box, a period and categories"
# the middle of the extent, and the count SpatiaLite makes of the same box
box=$(jsql "SELECT (a + (c - a) * 0.3) || ',' || (b + (d - b) * 0.25) || ',' || (a + (c - a) * 0.7) || ',' || (b + (d - b) * 0.8) FROM (SELECT json_extract(e, '\$[0]') a, json_extract(e, '\$[1]') b, json_extract(e, '\$[2]') c, json_extract(e, '\$[3]') d FROM (SELECT json_extract(readfile('h.json'), '\$.extent') AS e))")
IFS=, read -r x0 y0 x1 y1 <<<"$box"
inbox="X($LL) BETWEEN $x0 AND $x1 AND Y($LL) BETWEEN $y0 AND $y1"
want=$(sql "$WS" "SELECT count(*) FROM incidents WHERE $inbox")
get "/api/incidents?bbox=$box&limit=1000" b1.json
check "box answered $CODE: $(show b1.json)" [ "$CODE" = 200 ]
check "the box holds $(js b1.json '$.filter.total') cases, SpatiaLite counts $want" [ "$(js b1.json '$.filter.total')" = "$want" ]
check "the box is empty: pick another" [ "$want" -gt 50 ]
check "a case outside the box: $(show b1.json)" [ "$(jsql "SELECT count(*) FROM json_each(readfile('b1.json'), '\$.incidents') WHERE value->>'lon' NOT BETWEEN $x0 AND $x1 OR value->>'lat' NOT BETWEEN $y0 AND $y1")" = 0 ]
q="from=2025-03-01&to=2025-07-01&tz=Asia/Shanghai&category=parking,sanitation"
want=$(sql "$WS" "SELECT count(*) FROM incidents WHERE $inbox AND reported >= strftime('%s', '2025-02-28 16:00:00') AND reported < strftime('%s', '2025-06-30 16:00:00') AND category IN ('parking', 'sanitation')")
get "/api/incidents?bbox=$box&$q&limit=7" b2.json
check "box, period and categories answered $CODE: $(show b2.json)" [ "$CODE" = 200 ]
check "$(js b2.json '$.filter.total') cases, SpatiaLite counts $want" [ "$(js b2.json '$.filter.total')" = "$want" ]
check "not 7 on the page: $(show b2.json)" [ "$(js b2.json '$.count')" = 7 ]
check "a case of another category or time: $(show b2.json)" [ "$(jsql "SELECT count(*) FROM json_each(readfile('b2.json'), '\$.incidents') WHERE value->>'category' NOT IN ('parking', 'sanitation') OR value->>'reported' < '2025-02-28T16' OR value->>'reported' >= '2025-06-30T16'")" = 0 ]
# the box's pages, 37 at a time, cover it once
k=0
cur=""
: >bpages.txt
while :; do
    k=$((k + 1))
    get "/api/incidents?bbox=$box&$q&limit=37${cur:+&cursor=$cur}" "bp$k.json"
    [ "$CODE" = 200 ] || { fail "page $k answered $CODE"; break; }
    echo "bp$k.json" >>bpages.txt
    cur=$(js "bp$k.json" '$.next')
    [ -n "$cur" ] && [ "$k" -lt 500 ] || break
done
bunion=$(sed "s/.*/SELECT value AS v FROM json_each(readfile('&'), '\$.incidents')/" bpages.txt | paste -sd'|' | sed 's/|/ UNION ALL /g')
check "the box's pages do not hold each of its $want cases once" [ "$(jsql "SELECT count(*) || ',' || count(DISTINCT v->>'id') FROM ($bunion)")" = "$want,$want" ]

wg_case "a cell's card"
code=$(jsql "SELECT value->>'id' FROM json_each(readfile('r.json'), '\$.rows') WHERE value->>'incidents' > 0 AND value->>'workers' > 0 ORDER BY value->>'id' LIMIT 1")
check "no cell with cases and workers to look at" [ -n "$code" ]
get "/api/cells/$code" cell.json
check "the cell answered $CODE: $(show cell.json)" [ "$CODE" = 200 ]
check "not wangge-cell/1" [ "$(js cell.json '$.schema')" = wangge-cell/1 ]
check "households differ from the cells table" [ "$(js cell.json '$.households')" = "$(sql "$WS" "SELECT households FROM cells WHERE plan = 1 AND code = '$code'")" ]
check "units differ from the plan's" [ "$(js cell.json '$.units')" = "$(sql "$WS" "SELECT count(*) FROM cell_units WHERE plan = 1 AND cell = '$code'")" ]
check "workers differ from the postings" [ "$(jsql "SELECT group_concat(value->>'id') FROM json_each(readfile('cell.json'), '\$.workers')")" = "$(sql "$WS" "SELECT group_concat(worker) FROM (SELECT worker FROM postings WHERE cell = '$code' ORDER BY worker)")" ]
check "cameras differ from the assignment's" [ "$(jsql "SELECT count(*) FROM json_each(readfile('cell.json'), '\$.cameras')")" = "$(sql "$WS" "SELECT count(*) FROM camera_cells WHERE cell = '$code'")" ]
# row FILE FIELD: the report's FIELD of the cell, beside the card's, equal as numbers
row() {
    jsql "SELECT json_extract(readfile('$1'), '\$.report.$2') = value->>'$2' FROM json_each(readfile('$3'), '\$.rows') WHERE value->>'id' = '$code'"
}
for f in incidents overdue open due on_time hours; do
    check "the card's $f differs from wangge report's" [ "$(row cell.json $f r.json)" = 1 ]
done
ncase=$(jsql "SELECT min(20, count(*)) FROM ($union) WHERE v->>'cell' = '$code'")
check "not its $ncase most recent cases: $(show cell.json)" [ "$(js cell.json '$.recent')" = "$(jsql "SELECT json_group_array(json(v)) FROM (SELECT v FROM ($union) WHERE v->>'cell' = '$code' ORDER BY v->>'reported' DESC, k LIMIT 20)")" ]
get "/api/cells/$code?from=2025-03-01&to=2025-04-01&tz=Asia/Shanghai" cellm.json
wg_ok report -w "$WS" --by cell --from 2025-03-01 --to 2025-04-01 --tz Asia/Shanghai --format json -o rm.json
for f in incidents overdue due closed_due; do
    check "the month's $f differs from wangge report's" [ "$(row cellm.json $f rm.json)" = 1 ]
done
get "/api/cells/000000999999999" e.json
check "an unknown cell answered $CODE, expected 404" [ "$CODE" = 404 ]
check "the message does not name the cell: $(show e.json)" grep -q 000000999999999 e.json

wg_case "incidents: the cursor holds when a case comes in between pages"
get "/api/incidents?limit=50" c1.json
cur=$(js c1.json '$.next')
get "/api/incidents?limit=50&cursor=$cur" c2.json
x=$(sql "$WS" "SELECT X(geom) FROM incidents LIMIT 1")
y=$(sql "$WS" "SELECT Y(geom) FROM incidents LIMIT 1")
printf 'id,x,y,category,reported\nNEWEST,%s,%s,parking,2030-01-01 09:00\nOLDEST,%s,%s,parking,2001-01-01 09:00\n' "$x" "$y" "$x" "$y" >new.csv
CODE=$(curl -s -o p.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: text/csv' \
    -H "Authorization: Bearer $TOKEN" --data-binary @new.csv "$URL/api/incidents?tz=Asia/Shanghai&src_crs=EPSG:4549")
check "the post answered $CODE: $(show p.json)" [ "$CODE" = 200 ]
get "/api/incidents?limit=50&cursor=$cur" c2b.json
# (its overdue flags may change: the newest case moves the "as of" of an open period)
ids() {
    jsql "SELECT group_concat(value->>'id') FROM json_each(readfile('$1'), '\$.incidents')"
}
check "page 2 changed when a newer and an older case came in" [ "$(ids c2.json)" = "$(ids c2b.json)" ]
check "page 2 is short" [ "$(js c2.json '$.count')" = 50 ]
check "the total did not grow by 2: $(js c2b.json '$.filter.total')" [ "$(js c2b.json '$.filter.total')" = $((n + 2)) ]
get "/api/incidents?limit=1" c0.json
check "the newest case is not first: $(show c0.json)" [ "$(js c0.json '$.incidents[0].id')" = NEWEST ]
check "the new case is not in its cell: $(show c0.json)" [ -n "$(js c0.json '$.incidents[0].cell')" ]

wg_case "incidents: bad parameters"
for bad in "bbox=1,2,3" "bbox=120,31,119,32" "bbox=a,b,c,d" "bbox=0,0,200,1"; do
    get "/api/incidents?$bad" e.json
    check "$bad answered $CODE, expected 400" [ "$CODE" = 400 ]
    check "$bad: the message does not name bbox: $(show e.json)" grep -q '"message":"bbox: ' e.json
done
get "/api/incidents?limit=0" e.json
check "limit=0 answered $CODE: $(show e.json)" [ "$CODE,$(js e.json '$.error.status')" = 400,400 ]
check "the message does not name limit" grep -q '"message":"limit: ' e.json
get "/api/incidents?limit=1001" e.json
check "limit=1001 answered $CODE" [ "$CODE" = 400 ]
get "/api/incidents?cursor=zz" e.json
check "a bad cursor answered $CODE" [ "$CODE" = 400 ]
check "the message does not name cursor" grep -q '"message":"cursor: ' e.json
get "/api/incidents?from=yesterday-ish" e.json
check "a bad from answered $CODE" [ "$CODE" = 400 ]

wg_case "the plan's cells and units as GeoJSON"
get /api/plans/p1/cells.geojson g.json
check "cells.geojson answered $CODE" [ "$CODE" = 200 ]
wg_ok plan -w "$WS" show p1
ncells=$(sed -n 's/^\([0-9]*\) cells, .*/\1/p' out)
check "features $(js g.json '$.features[#-1].properties.code') ... $(jsql "SELECT json_array_length(readfile('g.json'), '\$.features')") <> the $ncells cells plan show prints" [ "$(jsql "SELECT json_array_length(readfile('g.json'), '\$.features')")" = "$ncells" ]
check "households do not add up to the plan's" [ "$(jsql "SELECT sum(value->>'\$.properties.households') FROM json_each(readfile('g.json'), '\$.features')")" = "$(sql "$WS" "SELECT sum(households) FROM cells WHERE plan = 1")" ]
check "in_range false <> cells out of 200-300" [ "$(jsql "SELECT count(*) FROM json_each(readfile('g.json'), '\$.features') WHERE NOT value->>'\$.properties.in_range'")" = "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1 AND households NOT BETWEEN 200 AND 300")" ]
check "issues differ from the plan's" [ "$(jsql "SELECT sum(json_array_length(value, '\$.properties.issues')) FROM json_each(readfile('g.json'), '\$.features')")" = "$(sql "$WS" "SELECT count(*) FROM plan_issues WHERE plan = 1 AND cell IS NOT NULL")" ]
# a cell's first vertex is SpatiaLite's, in lon/lat, to a millionth of a degree
c0=$(js g.json '$.features[0].id')
v=$(js g.json '$.features[0].geometry.coordinates[0][0][0]')
check "the first cell's vertex $v is not in lon/lat" [ "$(sql "$WS" "SELECT min(abs(X(PointN(r, i)) - json_extract('$v', '\$[0]')) + abs(Y(PointN(r, i)) - json_extract('$v', '\$[1]'))) < 1e-6 FROM (SELECT ExteriorRing(GeometryN($LL, 1)) AS r FROM cells WHERE plan = 1 AND code = '$c0'), (SELECT value AS i FROM generate_series(1, 1000)) WHERE i <= NumPoints(r)" 2>/dev/null || echo 0)" = 1 ]
get "/api/plans/1/cells.geojson?simplify=5" gs.json
check "simplified: not the same features" [ "$(jsql "SELECT json_array_length(readfile('gs.json'), '\$.features')")" = "$ncells" ]
get "/api/plans/p1/units.geojson" u.json
check "units.geojson answered $CODE" [ "$CODE" = 200 ]
check "not every unit" [ "$(jsql "SELECT json_array_length(readfile('u.json'), '\$.features')")" = "$(sql "$WS" "SELECT count(*) FROM units WHERE geom IS NOT NULL")" ]
check "a unit's cell is not its cell in p1" [ "$(jsql "SELECT group_concat(value->>'\$.properties.cell') FROM (SELECT value FROM json_each(readfile('u.json'), '\$.features') ORDER BY value->>'id' LIMIT 30)")" = "$(sql "$WS" "SELECT group_concat(cell) FROM (SELECT cell FROM cell_units WHERE plan = 1 ORDER BY unit LIMIT 30)")" ]
get "/api/plans/p1/units.geojson?bbox=$box" ub.json
nb=$(jsql "SELECT json_array_length(readfile('ub.json'), '\$.features')")
check "the box's units ($nb) are not fewer than all" [ "$nb" -gt 0 ] && check "the box's units are all" [ "$nb" -lt "$(sql "$WS" "SELECT count(*) FROM units")" ]
get "/api/plans/p1/units.geojson?bbox=1,2" e.json
check "a bad bbox answered $CODE" [ "$CODE" = 400 ]
check "the message does not name bbox: $(show e.json)" grep -q '"message":"bbox: ' e.json
get "/api/plans/nope/cells.geojson" e.json
check "an unknown plan answered $CODE, expected 404" [ "$CODE" = 404 ]

wg_case "save as a new plan, move through the API, diff"
post /api/plans/p1/copy '{"name": "edit"}' cp.json
check "a copy without the token answered $CODE" [ "$CODE" = 401 ]
post /api/plans/p1/copy '{"name": "edit"}' cp.json "$TOKEN"
check "the copy answered $CODE: $(show cp.json)" [ "$CODE" = 201 ]
check "not wangge-plan/1 with parent 1, inactive: $(show cp.json)" [ "$(js cp.json '$.schema'),$(js cp.json '$.parent'),$(js cp.json '$.active')" = "wangge-plan/1,1,0" ]
eid=$(js cp.json '$.id')
wg_ok plan -w "$WS" show edit
check "edit has not p1's $ncells cells: $(head -c 200 out)" [ "$(sed -n 's/^\([0-9]*\) cells, .*/\1/p' out)" = "$ncells" ]
check "edit is active" [ "$(sql "$WS" "SELECT active FROM plans WHERE id = $eid")" = 0 ]
post /api/plans/p1/copy '{"name": "edit"}' cc.json "$TOKEN"
check "a name taken answered $CODE, expected 409" [ "$CODE" = 409 ]
check "the clash does not name the plan and its id: $(show cc.json)" grep -q "'edit' exists already (id $eid)" cc.json
post /api/plans/edit/copy '{"name": "p1"}' cc.json "$TOKEN"
check "the name of the source answered $CODE, expected 409" [ "$CODE" = 409 ]
post /api/plans/nope/copy '{"name": "x"}' cc.json "$TOKEN"
check "copying an unknown plan answered $CODE, expected 404" [ "$CODE" = 404 ]
post /api/plans/p1/copy '{"nom": "x"}' cc.json "$TOKEN"
check "a copy without a name answered $CODE, expected 400" [ "$CODE" = 400 ]
get /api/plans/edit/diff d0.json
check "a fresh copy differs from p1: $(show d0.json)" [ "$(js d0.json '$.moved_units'),$(js d0.json '$.cells.same'),$(js d0.json '$.against.name')" = "0,$ncells,p1" ]
# a unit of a neighbouring cell of the same community moves into a cell, in the copy
row=$(sql "$WS" "SELECT cu.unit, cu.cell, c.code FROM cell_units cu, cells c, cells n WHERE cu.plan = $eid AND c.plan = $eid AND n.plan = $eid AND n.code = cu.cell AND n.code <> c.code AND n.community = c.community AND ST_Touches(n.geom, c.geom) ORDER BY c.code, cu.unit LIMIT 1")
IFS='|' read -r unit from to <<<"$row"
post /api/plans/edit/moves "{\"units\": [\"$unit\"], \"to\": \"$to\"}" mv.json "$TOKEN"
check "the move answered $CODE: $(show mv.json)" [ "$CODE" = 200 ]
get "/api/plans/edit/diff?against=p1" d1.json
check "the diff answered $CODE: $(show d1.json)" [ "$CODE" = 200 ]
check "not exactly $unit moved from $from to $to: $(show d1.json)" [ "$(jsql "SELECT group_concat(value->>'unit' || ':' || (value->>'from') || '>' || (value->>'to')) FROM json_each(readfile('d1.json'), '\$.moved')")" = "$unit:$from>$to" ]
wg_ok plan -w "$WS" diff p1 edit
hh=$(sed -n 's/^  [a-z]* that change cell  \([0-9]*\) (\([0-9]*\) units)$/\1,\2/p' out)
check "households and units moved differ from plan diff's ($hh): $(show d1.json)" [ "$(js d1.json '$.moved_households'),$(js d1.json '$.moved_units')" = "$hh" ]
cc=$(sed -n 's/^  cells added \/ removed \/ changed \/ same  \([0-9]*\) \/ \([0-9]*\) \/ \([0-9]*\) \/ \([0-9]*\)$/\1,\2,\3,\4/p' out)
check "the cells differ from plan diff's ($cc)" [ "$(js d1.json '$.cells.added'),$(js d1.json '$.cells.removed'),$(js d1.json '$.cells.changed'),$(js d1.json '$.cells.same')" = "$cc" ]
check "the changed cells are not $from and $to with the unit's households: $(show d1.json)" [ "$(jsql "SELECT group_concat(value->>'code' || ':' || ((value->>'households_after') - (value->>'households_before'))) FROM json_each(readfile('d1.json'), '\$.changed_cells')")" = "$(sql "$WS" "SELECT group_concat(c || ':' || d) FROM (SELECT '$from' AS c, -households AS d FROM cell_units WHERE plan = 1 AND unit = '$unit' UNION ALL SELECT '$to', households FROM cell_units WHERE plan = 1 AND unit = '$unit' ORDER BY 1)")" ]
check "p1 changed under a move of its copy" [ "$(sql "$WS" "SELECT cell FROM cell_units WHERE plan = 1 AND unit = '$unit'")" = "$from" ]
get "/api/plans/p1/diff?against=edit" d2.json
check "the reverse diff does not move it back: $(show d2.json)" [ "$(jsql "SELECT group_concat(value->>'unit' || ':' || (value->>'from') || '>' || (value->>'to')) FROM json_each(readfile('d2.json'), '\$.moved')")" = "$unit:$to>$from" ]
get "/api/plans/edit/diff?against=nope" e.json
check "an unknown against answered $CODE" [ "$CODE" = 404 ]
check "the message does not name against: $(show e.json)" grep -q '"message":"against: ' e.json

wg_case "stop"
kill -TERM "$PID"
for _ in $(seq 1 50); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
    fail "SIGTERM did not stop the server within 5 s"
    kill -9 "$PID"
fi
wait "$PID"
RCS=$?
check "the server exited $RCS after SIGTERM, expected 0 (stderr: $(show serve.err))" [ "$RCS" = 0 ]
[ -n "${KEEP:-}" ] && cp -r . "$KEEP"
wg_end
