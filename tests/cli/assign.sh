#!/usr/bin/env bash
# tests/cli/assign.sh: `wangge assign` as the command center runs it, on the small sample city:
# the summary, every incident in one cell or unassigned with a reason, counts that reconcile
# with the layers, an idempotent re-run, incremental runs after new incidents, the blind spots
# exported for a GIS, `info` showing the assignment, and bad commands refused with the
# workspace left byte for byte as it was.
#   usage: bash tests/cli/assign.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

mkdir ws src
WS=ws/city.wangge

wg_case "start"
wg_ok demo-data --scale small --seed 5 -o city
wg_ok init -w "$WS" --crs EPSG:4549
for l in communities units barriers incidents cameras; do
    f=city/$l.gpkg
    [ -f "$f" ] || f=city/$l.fgb
    wg_ok import -w "$WS" $l "$f"
done
[ "$NFAIL" -eq 0 ] || wg_end

# ---- refused: the workspace is left byte for byte as it was ------------------------------------
ws_restore()
{
    cp src/base.wangge "$WS"
}
wg_ok info -w "$WS"
cp out src/info.base
cp "$WS" src/base.wangge
refused "no plan yet" "$WS" "no active plan|wangge partition" assign -w "$WS"
wg_ok --quiet partition -w "$WS" --name p1 --division 310104
wg_ok info -w "$WS"
cp out src/info.base
cp "$WS" src/base.wangge
refused "unknown plan" "$WS" "no plan named or numbered 'nope'" assign -w "$WS" --plan nope
wg_case "bad threads"
wg assign -w "$WS" --threads x
check "exit status $RC, expected 1" [ "$RC" -eq 1 ]
check "the usage error does not name the value: $(show err)" grep -q -- '--threads x: give a whole number' err

wg_case "assign"
wg_ok assign -w "$WS"
n=$(sql "$WS" "SELECT count(*) FROM incidents")
check "summary lacks the plan: $(show out)" grep -q '^plan p1 (id 1): ' out
nc=$(echo "$n" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta')
check "summary lacks the incident count $nc: $(show out)" grep -Eq "^  incidents +$nc " out
check "summary lacks the located rate: $(show out)" grep -Eq 'located now, all, [0-9.]+ M points/s' out
check "summary lacks blind spots: $(show out)" grep -Eq '^  blind spots +[0-9,]+, [0-9.]+ km2' out
check "summary lacks households seen: $(show out)" grep -Eq '^  households seen +[0-9.]+ % of ' out
# the assignment as the export gives it: id|cell|unassigned per incident
assignment "$WS" src/assign1
sql "$WS" "SELECT code FROM cells WHERE plan = 1" >src/codes1
check "not one row per incident" [ "$(awk -F'|' '$2 != "" || $3 != ""' src/assign1 | nlines /dev/stdin)" = "$n" ]
check "an assigned incident names a cell not in the plan" [ "$(awk -F'|' 'FILENAME == ARGV[1] { c[$1]; next } $2 != "" && !($2 in c)' src/codes1 src/assign1 | nlines /dev/stdin)" = 0 ]
check "a row has both or neither of cell and reason" [ "$(awk -F'|' '($2 == "") == ($3 == "")' src/assign1 | nlines /dev/stdin)" = 0 ]
assigned=$(awk -F'|' '$2 != ""' src/assign1 | nlines /dev/stdin)
check "cell incident counts do not add up to the assigned" [ "$(sql "$WS" "SELECT total(incidents) = $assigned FROM cell_coverage")" = 1 ]
check "coverage has not one row per cell" [ "$(sql "$WS" "SELECT count(*) FROM cell_coverage")" = "$(sql "$WS" "SELECT count(*) FROM cells WHERE plan = 1")" ]
check "a cell sees more than its open ground" [ "$(sql "$WS" "SELECT count(*) FROM cell_coverage WHERE seen_m2 > open_m2 + 1e-6 OR open_m2 > area_m2 + 1e-6")" = 0 ]
cp "$WS" src/after1.wangge

wg_case "re-run"
wg_ok assign -w "$WS"
check "a re-run located incidents again: $(show out)" grep -q 'none new since the last run' out
check "a re-run recomputed coverage: $(show out)" grep -q 'coverage unchanged' out
assignment "$WS" src/assign2
check "a re-run changed the assignment" cmp -s src/assign1 src/assign2
# whether each incident is in a camera's view is not exported: the packed assignment (cell,
# flags with the in-view bit, blind spot of every incident) must be the same bytes
packed()
{
    local t
    t=$(sql "$1" "SELECT id, hex(data) FROM assign_cols ORDER BY id") && [ -n "$t" ] &&
        echo "$t" | sha256sum | cut -d' ' -f1 || echo "$1: no packed assignment"
}
check "a re-run changed the assignment (cells, in view, blind spots)" [ "$(packed "$WS")" = "$(packed src/after1.wangge)" ]

wg_case "incremental"
cat >src/new.csv <<'CSV'
id,category,x,y
NEW1,noise,501000.5,3451000.5
NEW2,noise,400000,3000000
CSV
wg_ok import -w "$WS" incidents src/new.csv --src-crs EPSG:4549
wg_ok assign -w "$WS"
check "two new incidents not located alone: $(show out)" grep -Eq '^  incidents +[0-9,]+ \(2 located now, ' out
assignment "$WS" src/assign3
check "NEW2 is not outside" [ "$(awk -F'|' '$1 == "NEW2" { print $3 }' src/assign3)" = outside ]
check "NEW1 has no cell" [ -n "$(awk -F'|' '$1 == "NEW1" { print $2 }' src/assign3)" ]
check "the outside incident is not counted: $(show out)" grep -Eq '^  unassigned +1: 1 outside the district' out

wg_case "info and export"
wg_ok info -w "$WS"
check "info does not show the assignment: $(show out)" grep -q '^  assignment (wangge assign): plan p1' out
check "info does not count the unassigned: $(show out)" grep -Eq '^  unassigned +1: 1 outside the district' out
wg_ok export -w "$WS" blind_spots src/blind.gpkg
nb=$(sql "$WS" "SELECT count(*) FROM blind_spots")
check "no blind spots" [ "$nb" -gt 0 ]
check "exported blind spots differ in number" [ "$(sqlite3 src/blind.gpkg "SELECT count(*) FROM blind_spots")" = "$nb" ]
check "exported blind spots lack incidents" [ "$(sqlite3 src/blind.gpkg "SELECT count(*) FROM pragma_table_info('blind_spots') WHERE name IN ('cell', 'area_m2', 'incidents')")" = 3 ]

wg_case "another plan re-assigns all"
wg_ok --quiet partition -w "$WS" --name p2 --target 260 --min 210 --max 310
wg_ok assign -w "$WS" --plan p2
check "a new plan did not locate all: $(show out)" grep -Eq 'located now, all, ' out
check "a new plan kept coverage: $(show out)" grep -q 'coverage recomputed' out
assignment "$WS" src/assign4 --plan 2
sql "$WS" "SELECT code FROM cells WHERE plan = 2" >src/codes2
check "rows name cells of p1" [ "$(awk -F'|' 'FILENAME == ARGV[1] { c[$1]; next } $2 != "" && !($2 in c)' src/codes2 src/assign4 | nlines /dev/stdin)" = 0 ]
assignment "$WS" src/assign5 --plan p2
check "export --plan p2 (by name) differs from --plan 2" cmp -s src/assign4 src/assign5
wg_ok --quiet assign -w "$WS"
check "--quiet printed something: $(show out)" [ ! -s out ]

wg_end
