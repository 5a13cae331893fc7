#!/usr/bin/env bash
# tests/cli/concurrency.sh: readers and writers at once, as a command center and a batch job use
# one workspace. While an import of 300,000 incidents runs (one write transaction):
#   - readers (info, report, export) run again and again; every one succeeds and sees the
#     workspace before the import or after it, never half of it;
#   - a second writer that may wait 1 s fails after it, with exit 1 and one line naming the
#     other writer's command (never "database is locked"), and changes nothing;
#   - a second writer that may wait long enough waits, then does its work once the import is
#     done.
#   usage: bash tests/cli/concurrency.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

lacks() # FILE TEXT: the file does not hold the text (any case)
{
    ! grep -qi -- "$2" "$1"
}

ROWS=300000
LIMIT=300 # seconds to wait for a moment (ASan builds are several times slower)
WS=ws.wangge

wg_case "start"
wg_ok demo-data --scale small --seed 4 -o city
wg_ok init -w "$WS" --crs EPSG:4549
for f in city/communities.gpkg city/units.gpkg city/incidents.fgb city/cameras.gpkg \
    city/workers.csv; do
    l=$(basename "${f%.*}")
    wg_ok --quiet import -w "$WS" "$l" "$f"
done
wg_ok --quiet partition -w "$WS" --name p1
wg_ok --quiet assign -w "$WS"
[ "$NFAIL" -eq 0 ] || wg_end
N0=$(sql "$WS" "SELECT count(*) FROM incidents")
awk -v n="$ROWS" 'BEGIN {
    print "id,category,source,reported,x,y"
    for (i = 1; i <= n; i++)
        printf "C%d,noise,patrol,2025-06-01T%02d:%02d:%02dZ,%.2f,%.2f\n", i, int(i / 3600) % 24,
               int(i / 60) % 60, i % 60, 501000 + (i % 700) * 2.5, 3451000 + int(i / 700) * 2.5
}' >big.csv
N1=$((N0 + ROWS))
wg_ok export -w "$WS" workers workers.csv # a small second write: the workers, unchanged
cp "$WS" before.wangge

"$WG" import -w "$WS" incidents big.csv --src-crs EPSG:4549 >bg.out 2>bg.err &
PID=$!
# the import's write transaction is open once its marker names it
t0=$(date +%s)
while ! [ -e "$WS-writer" ] && kill -0 "$PID" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$LIMIT" ]; do
    sleep 0.05
done
check "the import never opened its transaction: $(show bg.err)" [ -e "$WS-writer" ]

wg_case "a second writer that waits 1 s"
before=$(sha "$WS")
WANGGE_WAIT=1 "$WG" import -w "$WS" workers workers.csv >w2.out 2>w2.err
rc=$?
if kill -0 "$PID" 2>/dev/null; then
    check "exit status $rc, expected 1: $(show w2.err)" [ "$rc" -eq 1 ]
    check "stderr is not one line: $(show w2.err)" [ "$(nlines w2.err)" -eq 1 ]
    check "the message does not name the other writer's command: $(show w2.err)" \
        grep -q "being written by process $PID (wangge import -w $WS incidents big.csv" w2.err
    check "the message says 'database is locked': $(show w2.err)" lacks w2.err locked
    check "the message does not say how to wait longer: $(show w2.err)" grep -q WANGGE_WAIT w2.err
    check "the workspace file changed" [ "$(sha "$WS")" = "$before" ]
else
    note "the import ended before the second writer ran; its refusal was not tested"
fi

wg_case "a second writer that waits long enough"
WANGGE_WAIT=$LIMIT "$WG" import -w "$WS" workers workers.csv >w3.out 2>w3.err &
W3=$!

wg_case "readers during the import"
reads=0 between=0
while kill -0 "$PID" 2>/dev/null; do
    wg info -w "$WS"
    reads=$((reads + 1))
    check "info during the import exited $RC: $(show err)" [ "$RC" -eq 0 ]
    n=$(awk '$1 == "incidents" { gsub(",", "", $2); print $2; exit }' out)
    if [ "$n" != "$N0" ] && [ "$n" != "$N1" ]; then
        between=$((between + 1))
        fail "info saw $n incidents: neither $N0 (before) nor $N1 (after)"
    fi
    wg report -w "$WS" --by community --format csv
    check "a report during the import exited $RC: $(show err)" [ "$RC" -eq 0 ]
    check "a reader said 'locked': $(show err)" lacks err locked
done
wait "$PID"
check "the import failed: $(show bg.err)" [ $? -eq 0 ]
note "$reads readers ran during the import"
check "no reader ran during the import" [ "$reads" -gt 0 ]

wg_case "after"
wait "$W3"
check "the waiting writer failed: $(show w3.err)" [ $? -eq 0 ]
check "the waiting writer did not do its work: $(show w3.out) $(show w3.err)" grep -q "updated" w3.out
check "the incidents are not $N1 after the import" \
    [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = "$N1" ]
check "a writer's marker is left behind" [ ! -e "$WS-writer" ]
wg_ok info -w "$WS"
check "info does not count $N1 incidents: $(show out)" \
    grep -Eq "^  incidents +$(python3 -c "print(f'{$N1:,}')") " out
wg report -w "$WS" --by community --format json
check "the report after the import exited $RC: $(show err)" [ "$RC" -eq 0 ]
check "the report does not reconcile $N1 incidents: $(show out)" \
    [ "$(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["reconciliation"]; print(r["assigned"] + r["unassigned"])' out 2>/dev/null)" = "$N1" ]

wg_end
