#!/usr/bin/env bash
# tests/cli/kill_import.sh: an import killed half-way (SIGKILL: no chance to clean up) leaves a
# workspace that still opens and holds exactly what it held before. The big source is 600,000
# incident points made here; the import is killed at three moments: as soon as it starts writing
# (its write transaction is open: the writer marker WS-writer appears), after a few MB, and after
# a few tens of MB went into the write-ahead log (WS-wal). After each kill: `wangge info` works
# and prints what it printed before, the incidents count, fid sum and a dump of every table are
# as before, SQLite's integrity check passes, and the workspace file itself is byte-identical
# (uncommitted frames in the log are never copied into it). Then SIGTERM, which wangge handles:
# exit 130, one line, nothing changed, no marker left. Last, an ordinary import still works.
#   usage: bash tests/cli/kill_import.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
wg_begin "$@"

ROWS=600000
LIMIT=240 # seconds to wait for one moment (ASan builds are several times slower)
WS=ws.wangge

wg_start_workspace "$WS"
cp out info.base

# lon/lat columns: EPSG:4326, reprojected into the workspace's EPSG:4549
awk -v n="$ROWS" 'BEGIN {
    print "id,category,source,reported,lon,lat"
    for (i = 1; i <= n; i++)
        printf "B%d,noise,patrol,2024-03-01T%02d:%02d:%02dZ,%.6f,%.6f\n", i, int(i / 3600) % 24,
               int(i / 60) % 60, i % 60, 121.35 + (i % 1000) * 0.0001, 31.15 + int(i / 1000) * 0.00007
}' >big.csv

# What the workspace holds, table by table (read-only: never rolls a journal back itself).
content()
{
    local t
    sql "$WS" "SELECT 'incidents', count(*), total(fid) FROM incidents"
    for t in units incidents cameras imports ws_meta communities workers; do
        echo "$t $(sqlite3 -readonly "$WS" ".dump $t" | sha256sum | cut -d' ' -f1)"
    done
    echo "all $(sqlite3 -readonly "$WS" .dump | sha256sum | cut -d' ' -f1)"
}
content >content.base
SIZE0=$(stat -c %s "$WS")
SHA0=$(sha "$WS")
check "the starting workspace does not hold 8 incidents: $(head -n1 content.base)" \
    grep -q '^incidents|8|36.0$' content.base

# Starts the import in the background and waits until its write transaction is open and the
# log holds GROW bytes (GROW=0: as soon as the transaction is open). Sets PID; returns 1 if the
# import ended first or the wait timed out.
start_and_wait()
{
    local grow=$1 t0
    "$WG" import -w "$WS" incidents big.csv >bg.out 2>bg.err &
    PID=$!
    t0=$(date +%s)
    while :; do
        if ! kill -0 "$PID" 2>/dev/null; then
            fail "the import ended before it was killed (status: see below): $(show bg.err) $(show bg.out)"
            return 1
        fi
        if [ -e "$WS-writer" ] && [ "$(stat -c %s "$WS-wal" 2>/dev/null || echo 0)" -ge "$grow" ]; then
            return 0
        fi
        if [ $(($(date +%s) - t0)) -ge "$LIMIT" ]; then
            if [ -e "$WS-writer" ]; then
                note "the log did not reach $grow bytes within $LIMIT s; killing it now"
                return 0
            fi
            fail "no write transaction within $LIMIT s: the import never started writing"
            return 1
        fi
        sleep 0.05
    done
}

# After a kill: the checks that the workspace is as it was.
after_kill()
{
    local rc=$1 wal size
    wal=$(stat -c %s "$WS-wal" 2>/dev/null || echo none)
    size=$(stat -c %s "$WS")
    wg info -w "$WS"
    check "info after the kill exited $RC: $(show err)" [ "$RC" -eq 0 ]
    check "info after the kill printed something else: $(diff info.base out | tr '\n' '|')" \
        cmp -s info.base out
    check "info after the kill wrote to stderr: $(show err)" [ ! -s err ]
    content >content.now
    check "the content differs: $(diff content.base content.now | tr '\n' '|')" \
        cmp -s content.base content.now
    check "integrity check: $(sqlite3 -readonly "$WS" 'PRAGMA integrity_check' | head -n3 | tr '\n' '|')" \
        [ "$(sqlite3 -readonly "$WS" 'PRAGMA integrity_check')" = ok ]
    note "killed (status $rc) with the log at $wal bytes and the file at $size bytes (was $SIZE0)"
    check "the file is not byte-identical after the kill" [ "$(sha "$WS")" = "$SHA0" ]
}

for grow in 0 $((4 << 20)) $((24 << 20)); do
    wg_case "SIGKILL after +$((grow >> 20)) MB"
    start_and_wait "$grow" || break
    kill -9 "$PID"
    { wait "$PID"; } 2>/dev/null
    rc=$?
    check "the import was not killed by SIGKILL (status $rc)" [ "$rc" -eq 137 ]
    after_kill "$rc"
done

# SIGTERM: wangge notices, rolls back, says so and exits 130
wg_case "SIGTERM after +4 MB"
if start_and_wait $((4 << 20)); then
    kill -TERM "$PID"
    { wait "$PID"; } 2>/dev/null
    rc=$?
    check "exit status $rc, expected 130: $(show bg.err)" [ "$rc" -eq 130 ]
    check "stderr is not one 'wangge: ' line: $(show bg.err)" \
        [ "$(nlines bg.err)" -eq 1 -a "$(head -c 8 bg.err)" = "wangge: " ]
    check "stdout is not empty: $(show bg.out)" [ ! -s bg.out ]
    check "the writer marker is left behind" [ ! -e "$WS-writer" ]
    check "the file changed" [ "$(sha "$WS")" = "$SHA0" ]
    after_kill "$rc"
fi

# the workspace still takes an ordinary import
wg_case "import after the kills"
head -n 1001 big.csv >small.csv
wg_ok import -w "$WS" incidents small.csv &&
    check "expected 1,000 inserted: $(show out)" grep -q '1,000 inserted' out &&
    check "incident count is not 8 + 1000" [ "$(sql "$WS" "SELECT count(*) FROM incidents")" = 1008 ]

wg_end
