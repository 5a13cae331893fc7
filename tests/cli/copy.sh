#!/usr/bin/env bash
# tests/cli/copy.sh: `wangge copy` between a workspace file and PostGIS, on a throwaway cluster
# started here (tests/pg/cluster.sh; exit 77, a skip, where PostgreSQL/PostGIS is not
# installed). The small city, partitioned, assigned, with postings, goes into a schema: every
# table with its rows, geometries in the workspace's SRID with GiST indexes, areas as
# SpatiaLite has them. Back into a new file it is the same, table by table and row by row
# (blobs and geometries byte for byte), its report the same bytes and its derived data current.
# Refused, leaving everything as it was: a schema that has tables, a file that exists, two
# files, a database that cannot be reached, a schema without a workspace.
# Killed (kill -9) at several moments, either way, a copy leaves all of it or nothing.
#   usage: bash tests/cli/copy.sh /path/to/wangge /path/to/tests/fixtures
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../pg/cluster.sh"
wg_begin "$@"
trap 'pg_cluster_stop; wg__cleanup' EXIT

pg_cluster_for_test "$TMP"

mkdir ws
WS=ws/city.wangge
wg_case "start"
wg_small_city "$WS" 3
wg_ok --quiet partition -w "$WS" --name p1 --division 310104
wg_ok --quiet assign -w "$WS"
# each grid worker takes a cell of their community, as the report test posts them
sql "$WS" "WITH c AS (SELECT code, community, row_number() OVER (PARTITION BY community ORDER BY
    code) AS k FROM cells WHERE plan = 1), w AS (SELECT id, community, row_number() OVER
    (PARTITION BY community ORDER BY id) AS k FROM workers WHERE role = 'grid_worker') SELECT
    w.id || ',' || c.code FROM c JOIN w USING (community, k)" >posts
{ echo "worker,cell"; cat posts; } >postings.csv
wg_ok import -w "$WS" postings postings.csv
check "no postings: $(nlines posts)" [ "$(nlines posts)" -gt 50 ]
[ "$NFAIL" -eq 0 ] || wg_end
wg_ok report -w "$WS" --format csv -o orig-report.csv

# The workspace's own tables (not SpatiaLite's metadata or its indexes' R*Trees).
TABLES=$(sql "$WS" "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE
    'CREATE VIRTUAL%' AND name NOT LIKE 'idx\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE
    '\' AND name NOT LIKE 'geometry\_columns%' ESCAPE '\' AND name NOT LIKE 'spatial\_ref\_sys%'
    ESCAPE '\' AND name NOT LIKE 'views\_geometry%' ESCAPE '\' AND name NOT LIKE
    'virts\_geometry%' ESCAPE '\' AND name NOT IN ('spatialite_history', 'sql_statements_log',
    'data_licenses') ORDER BY name")
NT=$(echo "$TABLES" | wc -w)
check "too few tables found: $NT" [ "$NT" -ge 30 ]

wg_case "to PostGIS"
wg_ok copy -w "$WS" "PG:$PG_CONN schema=xuhui"
check "tables in the schema: $(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'xuhui'")" \
    [ "$(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'xuhui'")" = $((NT + 3)) ]
for t in $TABLES; do
    a=$(sql "$WS" "SELECT count(*) FROM \"$t\"")
    b=$(pg_psql "SELECT count(*) FROM xuhui.\"$t\"" 2>&1)
    check "$t: $a rows in the file, $b in PostGIS" [ "$a" = "$b" ]
done
for t in units cells communities streets cameras incidents blind_spots camera_views; do
    check "$t.geom SRID" [ "$(pg_psql "SELECT Find_SRID('xuhui', '$t', 'geom')")" = 4549 ]
    check "$t.geom has no GiST index" [ "$(pg_psql "SELECT count(*) FROM pg_indexes WHERE
        schemaname = 'xuhui' AND tablename = '$t' AND indexdef LIKE '%USING gist (geom)%'")" = 1 ]
done
a=$(sql "$WS" "SELECT printf('%.3f', sum(ST_Area(geom))) FROM cells")
b=$(pg_psql "SELECT to_char(sum(ST_Area(geom)), 'FM999999999990.000') FROM xuhui.cells")
check "cell areas: $a in the file, $b in PostGIS" [ "$a" = "$b" ]
n=$(pg_psql "SELECT count(*) FROM xuhui.incidents i JOIN xuhui.cells c ON ST_Intersects(c.geom,
    i.geom) WHERE c.plan = (SELECT id FROM xuhui.plans WHERE name = 'p1')")
check "PostGIS finds incidents in the cells: $n" [ "$n" -gt 1000 ]
wg_ok export -w "$WS" incidents inc.csv
python3 - inc.csv >want.cells <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and "cell" in rows[0], rows[:1]
for r in sorted(rows, key=lambda r: r["id"]):
    print(r["id"] + "|" + r["cell"])
PY
pg_psql "SELECT incident || '|' || coalesce(cell, '') FROM xuhui.incident_cells ORDER BY
    incident COLLATE \"C\"" >got.cells
check "incident_cells: $(nlines got.cells) rows, export has $(nlines want.cells)" \
    [ "$(nlines got.cells)" = "$(nlines want.cells)" ] && [ "$(nlines got.cells)" -gt 1000 ]
check "incident_cells differs from the export: $(diff want.cells got.cells | head -c 300)" \
    cmp -s want.cells got.cells
check "the schema version kept" [ "$(pg_psql "SELECT version FROM xuhui.wangge_schema")" = \
    "$(sql "$WS" "PRAGMA user_version")" ]

wg_case "refusals"
before=$(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'xuhui'")
wg copy -w "$WS" "PG:$PG_CONN schema=xuhui"
check "a second copy into the schema exited $RC" [ "$RC" -ne 0 ]
check "no word of the tables already there: $(show err)" grep -q "already holds" err
check "the schema changed" [ "$(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'xuhui'")" = "$before" ]
wg copy -w "$WS" other.wangge
check "file to file exited $RC" [ "$RC" -ne 0 ]
check "file to file: $(show err)" grep -q "one of each" err
wg copy -w "$WS" "PG:host=$TMP/nowhere dbname=wangge user=postgres password=hunter2"
check "an unreachable database exited $RC" [ "$RC" -ne 0 ]
check "unreachable: $(show err)" grep -q "cannot connect" err
check "the password is not hidden: $(show err)" grep -q "password=\*\*\*:" err
check "the password is shown: $(show err)" test -z "$(grep hunter2 err)"
wg copy -w "postgresql://postgres:hunter2@/wangge?host=$TMP/nowhere" x.wangge
check "the password in a URL is not hidden: $(show err)" grep -q "postgres:\*\*\*@" err
wg copy -w "PG:$PG_CONN schema=empty" empty.wangge
check "a schema without a workspace exited $RC" [ "$RC" -ne 0 ]
check "no workspace: $(show err)" grep -q "holds no wangge workspace" err
check "a file was left behind: $(ls -A)" [ "$(ls -A | grep -c empty)" = 0 ]
wg copy -w "PG:$PG_CONN schema=Bad-Name" x.wangge
check "a bad schema name: $(show err)" grep -q "not a plain lower-case name" err

wg_case "back to a file"
URL="postgresql:///wangge?host=$PG_SOCKET&user=postgres&schema=xuhui"
wg_ok copy -w "$URL" back.wangge
for t in $TABLES; do
    order="ORDER BY rowid"
    sql "$WS" "SELECT rowid FROM \"$t\" LIMIT 0" >/dev/null 2>&1 || order="ORDER BY 1, 2"
    sqlite3 -readonly -batch "$WS" ".mode quote" "SELECT * FROM \"$t\" $order" >a.rows
    sqlite3 -readonly -batch back.wangge ".mode quote" "SELECT * FROM \"$t\" $order" >b.rows
    check "$t: $(nlines a.rows) rows dumped, not $(sql "$WS" "SELECT count(*) FROM \"$t\"")" \
        [ "$(nlines a.rows)" = "$(sql "$WS" "SELECT count(*) FROM \"$t\"")" ]
    check "$t differs after the way back: $(diff a.rows b.rows | head -c 300)" cmp -s a.rows b.rows
done
for p in user_version application_id; do
    check "PRAGMA $p" [ "$(sql "$WS" "PRAGMA $p")" = "$(sql back.wangge "PRAGMA $p")" ]
done
check "sqlite_sequence" [ "$(sql "$WS" "SELECT * FROM sqlite_sequence ORDER BY 1")" = \
    "$(sql back.wangge "SELECT * FROM sqlite_sequence ORDER BY 1")" ]
wg_ok report -w back.wangge --format csv -o back-report.csv
check "the report differs" cmp -s orig-report.csv back-report.csv
wg_ok assign -w back.wangge
check "the copy's assignment is not current: $(show out)" grep -q "none new since the last run" out
check "the copy's coverage is not current: $(show out)" grep -q "coverage unchanged" out
cp back.wangge before.wangge
wg copy -w "$URL" back.wangge
check "copy over an existing file exited $RC" [ "$RC" -ne 0 ]
check "over a file: $(show err)" grep -q "exists" err
check "the file was touched" cmp -s back.wangge before.wangge

# Killed at any moment, a copy leaves all of it or nothing: the schema is whole or absent (one
# transaction), the file whole or absent (made in a hidden folder and moved in).
wg_case "killed"
for d in 0.2 0.5 1; do
    "$WG" --quiet copy -w "$WS" "PG:$PG_CONN schema=killed" >/dev/null 2>&1 &
    sleep "$d"
    kill -9 $! 2>/dev/null
    wait $! 2>/dev/null
    n=$(pg_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'killed'")
    check "killed after $d s: $n tables in the schema" test "$n" = 0 -o "$n" = $((NT + 3))
    if [ "$n" != 0 ]; then
        check "the complete schema differs" [ "$(pg_psql "SELECT count(*) FROM killed.incidents")" = \
            "$(sql "$WS" "SELECT count(*) FROM incidents")" ]
    fi
    pg_psql "DROP SCHEMA IF EXISTS killed CASCADE" >/dev/null 2>&1
    "$WG" --quiet copy -w "$URL" killed.wangge >/dev/null 2>&1 &
    sleep "$d"
    kill -9 $! 2>/dev/null
    wait $! 2>/dev/null
    if [ -e killed.wangge ]; then
        check "killed after $d s: the file is not whole" cmp -s <(sql killed.wangge "SELECT
            count(*) FROM incidents") <(sql "$WS" "SELECT count(*) FROM incidents")
        rm -f killed.wangge killed.wangge-wal killed.wangge-shm # (the check's reader made these)
    fi
    check "killed after $d s: a visible file left: $(ls | grep killed)" [ -z "$(ls | grep killed)" ]
done

wg_end
