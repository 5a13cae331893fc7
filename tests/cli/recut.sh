#!/usr/bin/env bash
# tests/cli/recut.sh: `wangge partition --communities` recuts some communities of the active
# plan and leaves the rest. With the same units it gives back the very cells the whole plan had
# (codes, households, geometries); after a re-import changes one community's households, a
# recut changes that community's cells alone. The plan's assignment is then to be made again
# (report refuses and names assign; assign makes it, and report equals a report after assign
# --full). Two recuts of different communities run at once, with a report reading meanwhile,
# end in the same plan as the two run one after the other; two planners moving one unit at
# once: the second fails naming the first's change; a recut whose units change before it writes
# fails naming the change. Refused, changing nothing: an
# unknown community, no active plan, --communities with --name/--keep/--weight.
#   usage: bash tests/cli/recut.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

mkdir ws
WS=ws/city.wangge
wg_case "start"
wg_small_city "$WS" 3
wg_ok --quiet partition -w "$WS" --name p1 --division 310104
wg_ok --quiet assign -w "$WS"
[ "$NFAIL" -eq 0 ] || wg_end

cells() # WS [COMMUNITY...]: the active plan's cells, a line each
{
    local ws=$1 where=""
    shift
    [ $# -gt 0 ] && where="AND community IN ('$(echo "$@" | sed "s/ /','/g")')"
    sql "$ws" "SELECT code || '|' || community || '|' || households || '|' || units || '|' ||
        hex(AsBinary(geom)) FROM cells WHERE plan = (SELECT id FROM plans WHERE active = 1)
        $where ORDER BY code"
}
members() # WS: the active plan's units and their cells
{
    sql "$1" "SELECT unit || '|' || cell FROM cell_units WHERE plan = (SELECT id FROM plans
        WHERE active = 1) ORDER BY unit"
}
COMMS=$(sql "$WS" "SELECT community FROM cells WHERE plan = 1 GROUP BY community ORDER BY
    count(*) DESC LIMIT 4")
set -- $COMMS
A=$1 B=$2 C=$3
cells "$WS" >cells.0
members "$WS" >members.0
cp "$WS" base.wangge

wg_case "same units, same cells"
wg_ok partition -w "$WS" --communities "$A,$B"
check "the summary does not say what it recut: $(show out)" grep -q "2 communities recut into" out
cells "$WS" >cells.1
check "the cells changed: $(diff cells.0 cells.1 | head -c 300)" cmp -s cells.0 cells.1
members "$WS" >members.1
check "the members changed" cmp -s members.0 members.1
check "the plan's version did not move" [ "$(sql "$WS" "SELECT ver FROM plans WHERE id = 1")" \
    -gt "$(sql base.wangge "SELECT ver FROM plans WHERE id = 1")" ]
wg report -w "$WS"
check "report on a recut plan exited $RC" [ "$RC" -ne 0 ]
check "report does not name assign: $(show err)" grep -q "wangge assign" err
wg_ok --quiet assign -w "$WS"
wg_ok report -w "$WS" --format csv -o after.csv
cp "$WS" full.wangge
wg_ok --quiet assign -w full.wangge --full
wg_ok report -w full.wangge --format csv -o full.csv
check "report after recut + assign differs from assign --full" cmp -s after.csv full.csv

wg_case "changed households"
cp base.wangge "$WS"
# units_plus WS FILE ADD COMMUNITY...: the units exported with ADD households more in those
# communities, re-imported
units_plus()
{
    local ws=$1 file=$2 add=$3
    shift 3
    wg_ok export -w "$ws" units "$file"
    python3 - "$file" "$add" "$@" <<'PY'
import json, sys
path, add, comms = sys.argv[1], int(sys.argv[2]), set(sys.argv[3:])
d = json.load(open(path))
for f in d["features"]:
    if f["properties"].get("community") in comms:
        f["properties"]["households"] += add
json.dump(d, open(path, "w"))
PY
    wg_ok --quiet import -w "$ws" units "$file"
}
units_plus "$WS" more-a.geojson 25 "$A"
cells "$WS" "$A" >a.before
wg_ok partition -w "$WS" --communities "$A"
cells "$WS" "$A" >a.after
check "community $A's cells did not change with its households" test "$(sha a.before)" != "$(sha a.after)"
cells "$WS" | grep -v "|$A|" >rest.after
grep -v "|$A|" cells.0 >rest.before
check "other communities' cells changed" cmp -s rest.before rest.after

wg_case "two at once"
cp base.wangge seq.wangge
cp base.wangge par.wangge
units_plus seq.wangge more-s.geojson 12 "$A" "$C"
units_plus par.wangge more-p.geojson 12 "$A" "$C"
wg_ok --quiet partition -w seq.wangge --communities "$A"
wg_ok --quiet partition -w seq.wangge --communities "$C"
"$WG" --quiet partition -w par.wangge --communities "$A" >p1.out 2>&1 &
p1=$!
"$WG" --quiet partition -w par.wangge --communities "$C" >p2.out 2>&1 &
p2=$!
"$WG" report -w par.wangge --format csv -o during.csv >p3.out 2>&1
r3=$?
wait $p1
r1=$?
wait $p2
r2=$?
check "the first recut exited $r1: $(show p1.out)" [ "$r1" = 0 ]
check "the second recut exited $r2: $(show p2.out)" [ "$r2" = 0 ]
check "the report meanwhile exited $r3 with neither a report nor a word of assign: $(show p3.out)" \
    test "$r3" = 0 -o -n "$(grep "wangge assign" p3.out)"
cells seq.wangge >seq.cells
cells par.wangge >par.cells
check "at once differs from one after the other: $(diff seq.cells par.cells | head -c 300)" \
    cmp -s seq.cells par.cells
members seq.wangge >seq.members
members par.wangge >par.members
check "members: at once differs from one after the other" cmp -s seq.members par.members

# Two planners move one unit at once, each from what they read: the second to write finds the
# unit gone from where it read it and fails naming the first's change; nothing is overwritten,
# and every cell's households still add up its members'.
wg_case "two planners, one unit"
cp base.wangge "$WS"
read -r U X <<<"$(sql "$WS" "SELECT unit, cell FROM cell_units WHERE plan = 1 AND cell IN
    (SELECT code FROM cells WHERE plan = 1 AND community = '$A') ORDER BY unit LIMIT 1" | tr '|' ' ')"
read -r Y Z <<<"$(sql "$WS" "SELECT code FROM cells WHERE plan = 1 AND community = '$A' AND
    code <> '$X' ORDER BY code LIMIT 2" | tr '\n' ' ')"
# a writer holds the workspace while both read and then wait for it
sqlite3 "$WS" "BEGIN IMMEDIATE" ".shell sleep 2" "COMMIT" &
hold=$!
sleep 0.5
"$WG" plan -w "$WS" move p1 "$U" --to "$Y" >m1.out 2>&1 &
m1=$!
"$WG" plan -w "$WS" move p1 "$U" --to "$Z" >m2.out 2>&1 &
m2=$!
wait $m1
r1=$?
wait $m2
r2=$?
wait $hold
check "both moves exited $r1 and $r2: one should fail" test $((r1 + r2)) -ne 0 -a "$r1" = 0 -o "$r2" = 0
if [ "$r1" = 0 ]; then won=$Y lost=m2.out; else won=$Z lost=m1.out; fi
check "the refused move does not name the other change: $(show $lost)" \
    grep -q "is now in cell $won, not $X: the plan was changed by 'wangge plan" "$lost"
check "unit $U is not in $won" [ "$(sql "$WS" "SELECT cell FROM cell_units WHERE plan = 1 AND
    unit = '$U'")" = "$won" ]
bad=$(sql "$WS" "SELECT count(*) FROM cells c WHERE plan = 1 AND households IS NOT (SELECT
    sum(households) FROM cell_units m WHERE m.plan = 1 AND m.cell = c.code)")
check "$bad cells whose households are not their members'" [ "$bad" = 0 ]

# A recut is worked out on what it read and written after: units changed in between (here by
# a writer holding the workspace, as an import would: its households and the units' version)
# fail it, naming that change, and nothing of it is written.
wg_case "units changed under a recut"
cp base.wangge "$WS"
cmd="wangge import -w ws units fresh.gpkg"
sqlite3 "$WS" "BEGIN IMMEDIATE" ".shell sleep 2" "UPDATE units SET households = households + 5
    WHERE community = '$A'" "UPDATE versions SET ver = ver + 1000, command = '$cmd' WHERE
    name = 'units'" "COMMIT" &
hold=$!
sleep 0.5
wg partition -w "$WS" --communities "$A"
wait $hold
check "a recut on changed units exited $RC" [ "$RC" -ne 0 ]
check "the refusal does not name the change: $(show err)" \
    grep -q "the units changed (by '$cmd' at" err
cells "$WS" >cells.u
check "the refused recut wrote cells" cmp -s cells.0 cells.u

wg_case "refusals"
cp base.wangge "$WS"
wg partition -w "$WS" --communities NOPE
check "an unknown community exited $RC" [ "$RC" -ne 0 ]
check "unknown: $(show err)" grep -q "no community 'NOPE'" err
wg partition -w "$WS" --communities "$A" --name other
check "--name with --communities exited $RC" [ "$RC" -ne 0 ]
check "--name: $(show err)" grep -q "do not go with it" err
wg partition -w "$WS" --communities "$A" --target 100
check "--target with --communities exited $RC" [ "$RC" -ne 0 ]
check "--target: $(show err)" grep -q "keeps the active plan's target" err
check "a refused recut changed the workspace" cmp -s "$WS" base.wangge
wg_ok init -w empty.wangge --crs EPSG:4549
wg partition -w empty.wangge --communities "$A"
check "no plan exited $RC" [ "$RC" -ne 0 ]

wg_end
