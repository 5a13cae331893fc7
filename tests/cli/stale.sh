#!/usr/bin/env bash
# tests/cli/stale.sh: derived data is never presented stale. On the small sample city, after
# each kind of change — cells moved by hand, new incidents, a re-import that changes households,
# re-imported cameras, a new postings file, a changed categories table — `info` says what is
# stale and why, and the report (which brings the assignment up to date itself when that is
# quick, and otherwise says to run `wangge assign`) equals, byte for byte, the report of a copy
# assigned again in full; the camera maps refuse views of cameras since replaced.
#   usage: bash tests/cli/stale.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
DATA=$(cd "$(dirname "$0")/../../data" && pwd)
wg_begin "$@"

mkdir ws
WS=ws/city.wangge

wg_case "start"
wg_small_city "$WS" 3
wg_ok --quiet partition -w "$WS" --name p1
wg_ok --quiet assign -w "$WS"
# each community's grid workers take its cells in turn
posts()
{
    sql "$WS" "WITH c AS (SELECT code, community, row_number() OVER (PARTITION BY community ORDER BY code) - 1 AS k FROM cells WHERE plan = 1), w AS (SELECT id, community, row_number() OVER (PARTITION BY community ORDER BY id $1) - 1 AS k, count(*) OVER (PARTITION BY community) AS n FROM workers WHERE role = 'grid_worker') SELECT w.id || ',' || c.code FROM c JOIN w ON w.community = c.community AND w.k = c.k % w.n"
}
{ echo "worker,cell"; posts ASC; } >postings1.csv
wg_ok --quiet import -w "$WS" postings postings1.csv
wg_ok info -w "$WS"
check "info does not say the assignment is current: $(show out)" grep -q "current for plan p1" out
[ "$NFAIL" -eq 0 ] || wg_end

differ()
{
    ! cmp -s "$1" "$2"
}

# report WS FILE BY: the report as CSV, or an empty file when it fails (its stderr kept in err).
report()
{
    wg report -w "$1" --by "$3" --format csv
    cp out "$2"
}

# same_as_full NAME BY: the report of $WS (as it now is) equals that of a copy assigned in full.
same_as_full()
{
    local by=$2
    report "$WS" "$1.now.csv" "$by"
    check "$1: report exited $RC: $(show err)" [ "$RC" -eq 0 ]
    rm -f ws/full.wangge
    cp "$WS" ws/full.wangge
    # the copy keeps nothing the store remembers between runs: its figures come from its rows
    sqlite3 ws/full.wangge "DELETE FROM ws_meta WHERE key = 'coverage.sums'"
    wg_ok --quiet assign -w ws/full.wangge --full
    report ws/full.wangge "$1.full.csv" "$by"
    check "$1: the report differs from one after assign --full: $(diff "$1.now.csv" "$1.full.csv" | head -c 300 | tr '\n' '|')" \
        cmp -s "$1.now.csv" "$1.full.csv"
    check "$1: the report is empty" [ -s "$1.now.csv" ]
    assignment "$WS" "$1.now.cells"
    assignment ws/full.wangge "$1.full.cells"
    check "$1: the incidents' cells differ from those after assign --full" \
        cmp -s "$1.now.cells" "$1.full.cells"
    # the assignment's figures as info prints them (coverage sums kept between runs among them)
    wg_ok info -w "$WS"
    sed -n '/^  assignment/,/^  blind spots/p' out >"$1.now.info"
    wg_ok info -w ws/full.wangge
    sed -n '/^  assignment/,/^  blind spots/p' out >"$1.full.info"
    check "$1: info's figures differ from those after assign --full: $(diff "$1.now.info" "$1.full.info" | head -c 300 | tr '\n' '|')" \
        cmp -s "$1.now.info" "$1.full.info"
    check "$1: info printed no assignment figures" [ -s "$1.now.info" ]
}

# stale WHY: info says the assignment is stale, and why.
stale()
{
    wg_ok info -w "$WS"
    check "info does not say stale ($1): $(grep -i state out | tr '\n' '|')" \
        grep -q "STALE for plan p1: .*$1" out
}

wg_case "plan move"
report "$WS" before.csv cell
read -r unit from to <<<"$(sql "$WS" "SELECT cu.unit, cu.cell, n.code FROM cell_units cu JOIN cells c ON c.plan = cu.plan AND c.code = cu.cell JOIN cells n ON n.plan = cu.plan AND n.code <> c.code AND ST_Touches(n.geom, c.geom) AND n.community = c.community WHERE cu.plan = 1 ORDER BY cu.unit LIMIT 3 OFFSET 2" | head -n 1 | tr '|' ' ')"
wg_ok plan -w "$WS" move p1 "$unit" --to "$to"
stale "cell.* of plan p1 edited since"
same_as_full move cell
check "move: the report did not change with the move" differ before.csv move.now.csv
wg_ok info -w "$WS"
check "move: info does not say current after the report: $(grep -i state out | tr '\n' '|')" \
    grep -q "current for plan p1" out

wg_case "new incidents"
ids=$(sql "$WS" "SELECT count(*) FROM incidents")
sql "$WS" "SELECT 'N' || fid || ',parking,hotline,2025-12-30T10:00:00Z,' || (X(geom) + 3) || ',' || (Y(geom) - 2) FROM incidents ORDER BY fid LIMIT 40" |
    { echo "id,category,source,reported,x,y"; cat; } >new.csv
wg_ok --quiet import -w "$WS" incidents new.csv --src-crs EPSG:4549
stale "40 incidents written since"
same_as_full incidents cell
total() { python3 -c 'import csv,sys; print(round(sum(float(r["incidents"]) for r in csv.DictReader(open(sys.argv[1])) if r["id"] != "total")))' "$1"; }
check "incidents: the report does not count the 40 new incidents ($(total incidents.now.csv) against $(total move.now.csv))" \
    [ "$(total incidents.now.csv)" = $(($(total move.now.csv) + 40)) ]
check "incidents: the workspace does not hold $ids + 40" \
    [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = $((ids + 40)) ]

wg_case "households re-imported"
wg_ok export -w "$WS" units units.geojson
python3 - units.geojson <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i, f in enumerate(d["features"]):
    if i % 7 == 0:
        f["properties"]["households"] += 9
json.dump(d, open(sys.argv[1], "w"))
PY
wg_ok --quiet import -w "$WS" units units.geojson
stale "units changed since"
wg report -w "$WS" --by cell
check "households: the report ran on the stale coverage (exit $RC)" [ "$RC" -eq 1 ]
check "households: the refusal does not say to run wangge assign: $(show err)" \
    grep -q "run 'wangge assign -w" err
check "households: the refusal does not say why: $(show err)" grep -q "units changed" err
wg_ok --quiet assign -w "$WS"
same_as_full households cell

wg_case "cameras re-imported"
wg_ok export -w "$WS" cameras cameras.geojson
python3 - cameras.geojson <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["features"][:10]:
    f["properties"]["heading_deg"] = (f["properties"].get("heading_deg") or 0) + 90
json.dump(d, open(sys.argv[1], "w"))
PY
wg_ok --quiet import -w "$WS" cameras cameras.geojson
stale "cameras changed since"
for map in cameras coverage; do
    wg render -w "$WS" "$map" -o "$map.png" --size 400x300
    check "cameras: the $map map was drawn with the views of the cameras replaced (exit $RC)" \
        [ "$RC" -eq 1 ]
    check "cameras: the $map map's refusal does not say to run wangge assign: $(show err)" \
        grep -q "run 'wangge assign -w" err
    check "cameras: a refused $map map left a file" [ ! -e "$map.png" ]
done
wg_ok --quiet assign -w "$WS"
wg_ok render -w "$WS" cameras -o cameras.png --size 400x300
check "cameras: no map after the assignment" [ -s cameras.png ]
same_as_full cameras cell

wg_case "new postings"
report "$WS" postings.before.csv worker
{ echo "worker,cell"; posts DESC; } >postings2.csv
check "the second postings file is the same as the first" differ postings1.csv postings2.csv
wg_ok --quiet import -w "$WS" postings postings2.csv
same_as_full postings worker
check "postings: the report by worker did not change with new postings" \
    differ postings.before.csv postings.now.csv

wg_case "categories changed"
report "$WS" cats.before.csv cell
sed 's/^parking,\([^,]*\),[^,]*,/parking,\1,7.5,/' "$DATA/categories.csv" >cats.csv
check "the changed table changes nothing" differ cats.csv "$DATA/categories.csv"
wg_ok --quiet import -w "$WS" categories cats.csv
check "the categories table was not stored" \
    [ "$(sql "$WS" "SELECT handling_hours FROM categories WHERE code = 'parking'")" = 7.5 ]
same_as_full cats cell
check "categories: the report did not change with the table" differ cats.before.csv cats.now.csv

wg_end
