#!/usr/bin/env bash
# tests/cli/stores.sh: the same work on both stores gives the same results. The small sample
# city goes through the whole flow twice, once in a workspace file and once in a PostgreSQL
# schema of a throwaway cluster started here (tests/pg/cluster.sh; exit 77, a skip, where
# PostgreSQL/PostGIS is not installed): import, partition, a redraw, a hand move, assign,
# postings, report, maps, a recut. After each step the two agree: the plans cell by cell
# (export), the assignment incident by incident, every report byte for byte, every map pixel
# for pixel (the PNGs' bytes), info and plan listings but for the workspace's name and times.
# On the database alone: two recuts of different communities run at once by two processes
# while a third reads the report end as the two one after the other (the file's result); two
# servers on the one schema see each other's posted cases (events and counts); a writer waits
# for another and names it; refusals name the schema.
#   usage: bash tests/cli/stores.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
. "$(dirname "$0")/../pg/cluster.sh"
wg_begin "$@"
trap 'pg_cluster_stop; wg__cleanup' EXIT

pg_cluster_for_test "$TMP"

FILE=ws/city.wangge
DB="PG:$PG_CONN schema=city"
mkdir ws

# both NAME CMD...: runs `wangge CMD` on the file and on the database ({} stands for the
# workspace), their output in NAME.file and NAME.db; both must succeed
both() {
    local name=$1 a w
    shift
    for w in file db; do
        local ws=$FILE
        [ $w = db ] && ws=$DB
        local args=()
        for a in "$@"; do
            [ "$a" = "{}" ] && a=$ws
            args+=("$a")
        done
        wg_ok "${args[@]}" || return 1
        cp out "$name.$w"
    done
}

# same WHAT A B: the two files are byte for byte the same
same() {
    if cmp -s "$2" "$3"; then
        NCHECK=$((NCHECK + 1))
    else
        fail "$1 differ between the file and the database: $(diff "$2" "$3" | head -c 600 | tr '\n' '|')"
    fi
}

# same_out WHAT NAME: NAME.file and NAME.db the same once the workspace's name and clock times
# are taken out, and the layers' extents (the file's come from its R*Trees' boxes, which are
# 32-bit floats rounded outward: a few decimetres wider than the database's exact ones)
same_out() {
    local w
    for w in file db; do
        sed -E -e 's/^(  [a-z_]+ +[0-9,]+) .*km\)$/\1/' -e "s#$FILE#WS#g" -e "s#PG:[^ ]* user=postgres dbname=wangge schema=city#WS#g" \
            -e 's/[0-9][0-9]:[0-9][0-9]\( \|$\)/HH:MM\1/g' -e 's/20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]/DATE/g' \
            "$2.$w" >"$2.$w.n"
    done
    same "$1" "$2.file.n" "$2.db.n"
}

wg_case "import"
wg_ok demo-data --scale small --seed 4 -o city
both init init -w {} --crs EPSG:4549
for f in city/communities.gpkg city/units.gpkg city/streets.gpkg city/incidents.fgb \
    city/cameras.gpkg city/workers.csv; do
    both import --quiet import -w {} "$(basename "${f%.*}")" "$f"
done
check "no schema city made: $(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'city'")" \
    [ "$(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'city'")" -ge 30 ]
check "the incidents are not in the database" \
    [ "$(pg_psql "SELECT count(*) FROM city.incidents")" = "$(sql "$FILE" "SELECT count(*) FROM incidents")" ]
both info info -w {}
same_out "info after import" info
[ "$NFAIL" -eq 0 ] || wg_end

# export LAYER NAME: the layer of both stores in NAME.file.csv and NAME.db.csv
export_both() {
    wg_ok export -w "$FILE" "$1" "$2.file.csv" "${@:3}"
    wg_ok export -w "$DB" "$1" "$2.db.csv" "${@:3}"
    same "$1 ($2)" "$2.file.csv" "$2.db.csv"
}
for l in communities units incidents cameras workers; do
    export_both "$l" "$l"
done

wg_case "partition"
both part --quiet partition -w {} --name p1
export_both cells p1 --plan p1
check "too few cells: $(nlines p1.db.csv)" [ "$(nlines p1.db.csv)" -gt 200 ]
both show plan -w {} show p1 --cells
same_out "plan show" show
both part2 --quiet partition -w {} --name p2 --keep p1 --target 240
export_both cells p2 --plan p2
both diff plan -w {} diff p1 p2
same_out "plan diff" diff
# a unit of plan p2 moved to another cell of its community
UNIT=$(sql "$FILE" "SELECT unit FROM cell_units WHERE plan = 2 ORDER BY unit LIMIT 1")
CELL=$(sql "$FILE" "SELECT c.code FROM cells c JOIN cells h ON h.plan = 2 AND h.code = (SELECT
    cell FROM cell_units WHERE plan = 2 AND unit = '$UNIT') WHERE c.plan = 2 AND c.community =
    h.community AND c.code <> h.code ORDER BY c.code LIMIT 1")
check "no unit or cell to move: '$UNIT' '$CELL'" [ -n "$UNIT" ] && [ -n "$CELL" ]
both move plan -w {} move p2 "$UNIT" --to "$CELL"
same_out "plan move" move
both act plan -w {} activate p2
both list plan -w {} list
same_out "plan list" list
export_both cells p2-moved --plan p2

wg_case "assign"
both assign --quiet assign -w {}
export_both incidents assigned
check "no incident has a cell" grep -q '0000000010' assigned.db.csv
# the database's incident_cells, for a GIS to join, says what the export says
awk -F, 'NR > 1 { gsub(/"/, ""); print $3 "," $11 }' assigned.db.csv >ic.export
pg_psql "SELECT incident || ',' || coalesce(cell, '') FROM city.incident_cells ORDER BY fid" >ic.db
same "incident_cells and the exported cells" ic.export ic.db
check "incident_cells has $(nlines ic.db) rows" [ "$(nlines ic.db)" -gt 10000 ]
sql "$FILE" "WITH c AS (SELECT code, community, row_number() OVER (PARTITION BY community ORDER BY
    code) AS k FROM cells WHERE plan = 2), w AS (SELECT id, community, row_number() OVER
    (PARTITION BY community ORDER BY id) AS k FROM workers WHERE role = 'grid_worker') SELECT
    w.id || ',' || c.code FROM c JOIN w USING (community, k)" >posts
{ echo "worker,cell"; cat posts; } >postings.csv
both postings import -w {} postings postings.csv
both info2 info -w {}
same_out "info after assign" info2

wg_case "report"
for by in cell worker community; do
    both "rep-$by" report -w {} --by "$by" --format csv
    same "report --by $by" "rep-$by.file" "rep-$by.db"
done
both rep-json report -w {} --format json --from 2025-06-01 --category parking,sanitation
same "report json with a period and categories" rep-json.file rep-json.db
both rep-table report -w {}
same "the report's table" rep-table.file rep-table.db
check "the report has too few rows: $(nlines rep-cell.db)" [ "$(nlines rep-cell.db)" -gt 200 ]

wg_case "maps"
for m in heatmap incidents plan workload rate coverage cameras base; do
    wg_ok --quiet render -w "$FILE" "$m" -o "$m.file.png" --size 640x480 --source city
    wg_ok --quiet render -w "$DB" "$m" -o "$m.db.png" --size 640x480 --source city
    same "the $m map" "$m.file.png" "$m.db.png"
done
wg_ok --quiet render -w "$DB" plan -o plan.db.pdf
check "the PDF plan is not a PDF" grep -q '^%PDF' plan.db.pdf
if command -v pdftoppm >/dev/null; then
    wg_ok --quiet atlas -w "$FILE" -o atlas.file.pdf --source city
    wg_ok --quiet atlas -w "$DB" -o atlas.db.pdf --source city
    pdftoppm -r 40 -png atlas.file.pdf atf
    pdftoppm -r 40 -png atlas.db.pdf atd
    n=$(ls atf*.png | wc -l)
    check "the atlas has $n pages" [ "$n" -gt 5 ]
    for p in atf*.png; do
        same "atlas page $p" "$p" "atd${p#atf}"
    done
else
    note "no pdftoppm: the atlas pages are not compared"
fi

wg_case "recut"
both recut --quiet partition -w {} --communities C00002,C00003
both assign2 --quiet assign -w {}
export_both cells recut
export_both incidents reassigned
both rep-after report -w {} --by cell --format csv
same "the report after a recut" rep-after.file rep-after.db

wg_case "two recuts at once on the database"
# sequentially on the file: C00004, then C00005
wg_ok --quiet partition -w "$FILE" --communities C00004
wg_ok --quiet partition -w "$FILE" --communities C00005
"$WG" --quiet partition -w "$DB" --communities C00004 >r1.out 2>r1.err &
P1=$!
"$WG" --quiet partition -w "$DB" --communities C00005 >r2.out 2>r2.err &
P2=$!
"$WG" report -w "$DB" --by community >r3.out 2>r3.err &
P3=$!
wait $P1
R1=$?
wait $P2
R2=$?
wait $P3
R3=$?
check "the first recut exited $R1: $(head -c 300 r1.err)" [ "$R1" = 0 ]
check "the second recut exited $R2: $(head -c 300 r2.err)" [ "$R2" = 0 ]
# (the report finds the assignment dropped by a recut, or reads before it)
report_ran() { [ "$R3" = 0 ] || grep -q "assign" r3.err; }
check "the report meanwhile exited $R3: $(head -c 300 r3.err)" report_ran
# the same cells (in fid order the community written first comes first: compared by code)
wg_ok export -w "$FILE" cells conc.file.csv
wg_ok export -w "$DB" cells conc.db.csv
sort conc.file.csv >conc.file.sorted
sort conc.db.csv >conc.db.sorted
same "the cells after the recuts (sorted)" conc.file.sorted conc.db.sorted
check "too few cells after the recuts: $(nlines conc.db.sorted)" [ "$(nlines conc.db.sorted)" -gt 200 ]

wg_case "a writer waits for another, and names it"
# psql holds the schema's writer lock (the advisory lock (22343, FNV-1a of its name)) for 4 s
# under the application name a wangge writer gives itself ("PID COMMAND")
h=2166136261
for c in $(printf 'city' | od -An -tu1); do
    h=$(((h ^ c) * 16777619 & 0xffffffff))
done
KEY=$((h & 0x7fffffff))
PGAPPNAME="4242 wangge a long writer" pg_psql "BEGIN; SELECT pg_advisory_xact_lock(22343, $KEY);
    SELECT pg_sleep(4); COMMIT" >/dev/null &
HOLD=$!
sleep 1
T0W=$(date +%s)
WANGGE_WAIT=1 "$WG" --quiet partition -w "$DB" --communities C00006 >w.out 2>w.err
RCW=$?
check "a writer went ahead while another held the workspace" [ "$RCW" -ne 0 ]
check "the waiting writer does not name the other: $(head -c 400 w.err)" \
    grep -q "is being written by process 4242 (wangge a long writer, since" w.err
check "the waiting writer did not wait a second: $(($(date +%s) - T0W)) s" [ $(($(date +%s) - T0W)) -ge 1 ]
wait $HOLD
wg_ok --quiet partition -w "$DB" --communities C00006
check "once the other was done the writer did not go ahead" [ "$RC" = 0 ]

wg_case "two servers, one database"
wg_ok --quiet assign -w "$DB"
WS=$DB
start_server a
URLA=$URL
PA=$PID
umask 077
echo "store-test-token-0123456789" >tok
start_server b --token-file tok
URLB=$URL
PB=$PID
check "the servers did not start: $(head -c 300 a.err) $(head -c 300 b.err)" [ -n "$URLA" ] && [ -n "$URLB" ]
URL=$URLA
get /api/summary sa.json
before=$(js sa.json '$.now.cases')
# the first server's heatmap tiles over the city at zoom 12, and their ETags
get /api/health ha.json
TILES=$(awk -v x0="$(js ha.json '$.extent[0]')" -v y0="$(js ha.json '$.extent[1]')" \
    -v x1="$(js ha.json '$.extent[2]')" -v y1="$(js ha.json '$.extent[3]')" 'BEGIN {
    n = 4096; pi = atan2(0, -1)
    tx0 = int((x0 + 180) / 360 * n); tx1 = int((x1 + 180) / 360 * n)
    ty0 = int((1 - log(sin(y1 * pi / 180) / cos(y1 * pi / 180) + 1 / cos(y1 * pi / 180)) / pi) / 2 * n)
    ty1 = int((1 - log(sin(y0 * pi / 180) / cos(y0 * pi / 180) + 1 / cos(y0 * pi / 180)) / pi) / 2 * n)
    for (x = tx0; x <= tx1; x++) for (y = ty0; y <= ty1; y++) print "12/" x "/" y }')
etags() {
    local t
    for t in $TILES; do
        curl -s -o /dev/null -D - "$URLA/tiles/heatmap/$t.png" | tr -d '\r' | grep -i '^etag:'
    done
}
check "no tiles over the city" [ -n "$TILES" ]
etags >etags.before
curl -s -N --max-time 6 "$URLA/api/events" >events-a.txt &
EV=$!
sleep 0.5
printf 'id,x,y,category,reported\nSTORE1,501500,3451200,parking,2025-12-30 09:00\n' >case.csv
CODE=$(curl -s -o p.json -w '%{http_code}' --max-time 60 -X POST -H 'Content-Type: text/csv' \
    -H "Authorization: Bearer store-test-token-0123456789" --data-binary @case.csv \
    "$URLB/api/incidents?src_crs=EPSG:4549")
check "the post to the second server answered $CODE: $(show p.json)" [ "$CODE" = 200 ]
sleep 1.5
get /api/summary sa2.json
check "the first server counts $(js sa2.json '$.now.cases') cases, not $((before + 1))" \
    [ "$(js sa2.json '$.now.cases')" = $((before + 1)) ]
wait $EV
check "the first server's events do not carry the second's case: $(grep -c . events-a.txt) lines" \
    grep -q '"id":"STORE1"' events-a.txt
etags >etags.after
check "the first server's heatmap tiles kept their ETags after a case posted to the second: $(tr '\n' ' ' <etags.after)" \
    test "$(cat etags.before)" != "$(cat etags.after)"
IC=$(pg_psql "SELECT cell FROM city.incident_cells WHERE incident = 'STORE1'")
check "the posted case's cell in incident_cells: '$IC'" [ -n "$IC" ]
kill "$PA" "$PB" 2>/dev/null
wait "$PA" "$PB" 2>/dev/null

wg_case "refusals"
wg init -w "$DB"
check "init on a schema with a workspace exited $RC" [ "$RC" -ne 0 ]
check "init on a schema with a workspace says: $(head -c 300 err)" grep -q "schema city already holds" err
wg info -w "PG:$PG_CONN schema=nothing_here"
check "a schema without a workspace exited $RC" [ "$RC" -ne 0 ]
check "a schema without a workspace says: $(head -c 300 err)" grep -q "no wangge workspace in schema nothing_here" err

wg_end
